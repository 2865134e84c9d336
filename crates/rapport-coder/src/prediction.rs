//! One utterance's predicted codes: the probabilities of each class of the tasks that
//! apply to its speaker, as the heads give them and the layers above read them.

use crate::task::Task;

/// One utterance's predicted code with probabilities.
#[derive(Debug, Clone, PartialEq)]
pub enum Prediction {
    /// A counsellor utterance.
    Counselor {
        /// Probabilities of [`Behaviour::ALL`](rapport_core::Behaviour::ALL).
        behaviour: Vec<f32>,
        /// Probabilities of [`QuestionType::ALL`](rapport_core::QuestionType::ALL).
        question_type: Vec<f32>,
        /// Probabilities of [`ReflectionType::ALL`](rapport_core::ReflectionType::ALL).
        reflection_type: Vec<f32>,
    },
    /// A client utterance.
    Client {
        /// Probabilities of [`Talk::ALL`](rapport_core::Talk::ALL).
        talk: Vec<f32>,
    },
}

impl Prediction {
    /// The same prediction with every head's probabilities passed through `f`, which is
    /// told the head's task.
    pub fn map(&self, f: impl Fn(Task, &[f32]) -> Vec<f32>) -> Prediction {
        match self {
            Prediction::Counselor {
                behaviour,
                question_type,
                reflection_type,
            } => Prediction::Counselor {
                behaviour: f(Task::CounselorBehaviour, behaviour),
                question_type: f(Task::QuestionType, question_type),
                reflection_type: f(Task::ReflectionType, reflection_type),
            },
            Prediction::Client { talk } => Prediction::Client {
                talk: f(Task::ClientTalk, talk),
            },
        }
    }
}
