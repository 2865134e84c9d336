//! The four coding tasks a model learns, one head each: their names in model files,
//! reports and JSON (serde writes them), and what each covers.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A coding task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    /// Every counsellor utterance: question, reflection, input or other.
    CounselorBehaviour,
    /// Questions the experts coded: open or closed.
    QuestionType,
    /// Reflections the experts coded: simple or complex.
    ReflectionType,
    /// Every client utterance: change, neutral or sustain talk.
    ClientTalk,
}

impl Task {
    /// Every task, in the order reports list them.
    pub const ALL: [Task; 4] = [
        Task::CounselorBehaviour,
        Task::QuestionType,
        Task::ReflectionType,
        Task::ClientTalk,
    ];

    /// The task's name, as serde writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Task::CounselorBehaviour => "counselor_behaviour",
            Task::QuestionType => "question_type",
            Task::ReflectionType => "reflection_type",
            Task::ClientTalk => "client_talk",
        }
    }

    /// Which utterances the task's figures cover.
    pub fn scope(self) -> &'static str {
        match self {
            Task::CounselorBehaviour => "all counsellor utterances",
            Task::QuestionType => "expert-coded questions",
            Task::ReflectionType => "expert-coded reflections",
            Task::ClientTalk => "all client utterances",
        }
    }
}

impl fmt::Display for Task {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_and_display_give_the_same_name_and_read_it_back() {
        for task in Task::ALL {
            let json = serde_json::to_string(&task).unwrap();
            assert_eq!(json, format!("\"{task}\""));
            assert_eq!(serde_json::from_str::<Task>(&json).unwrap(), task);
        }
        assert_eq!(Task::CounselorBehaviour.as_str(), "counselor_behaviour");
        assert!(serde_json::from_str::<Task>("\"talk\"").is_err());
    }
}
