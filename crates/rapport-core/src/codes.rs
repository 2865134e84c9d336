//! Utterance codes (the AnnoMI scheme, described in the project's `docs/domain.md`) and
//! a coded utterance.

use serde::{Deserialize, Serialize};

use crate::transcript::Utterance;

/// What a counsellor utterance does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Behaviour {
    /// A question, open or closed.
    Question,
    /// A reflection of what the client said or meant, simple or complex.
    Reflection,
    /// Information, advice, negotiation or options (AnnoMI's `therapist_input`).
    Input,
    /// Greetings, encouragers ("mm-hmm"), small talk and anything else.
    Other,
}

impl Behaviour {
    /// Every behaviour, in the order models and reports use.
    pub const ALL: [Behaviour; 4] = [
        Behaviour::Question,
        Behaviour::Reflection,
        Behaviour::Input,
        Behaviour::Other,
    ];

    /// The code as written in JSON and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Behaviour::Question => "question",
            Behaviour::Reflection => "reflection",
            Behaviour::Input => "input",
            Behaviour::Other => "other",
        }
    }
}

/// Whether a question invites a wide range of answers or a short one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QuestionType {
    /// Invites the client to tell their story ("What brings you here?").
    Open,
    /// Invites a yes/no or a specific fact ("Do you smoke?").
    Closed,
}

impl QuestionType {
    /// Both subtypes, in model order.
    pub const ALL: [QuestionType; 2] = [QuestionType::Open, QuestionType::Closed];

    /// The subtype as written in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            QuestionType::Open => "open",
            QuestionType::Closed => "closed",
        }
    }
}

/// Whether a reflection repeats the client or adds meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReflectionType {
    /// Repeats or rephrases what the client said.
    Simple,
    /// Adds meaning or emphasis: a guess at feeling, a metaphor, a double-sided reflection.
    Complex,
}

impl ReflectionType {
    /// Both subtypes, in model order.
    pub const ALL: [ReflectionType; 2] = [ReflectionType::Simple, ReflectionType::Complex];

    /// The subtype as written in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ReflectionType::Simple => "simple",
            ReflectionType::Complex => "complex",
        }
    }
}

/// What a client utterance says about change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Talk {
    /// Desire, ability, reasons, need or commitment to change.
    Change,
    /// Neither for nor against change.
    Neutral,
    /// The same, for the status quo.
    Sustain,
}

impl Talk {
    /// Every talk type, in model order.
    pub const ALL: [Talk; 3] = [Talk::Change, Talk::Neutral, Talk::Sustain];

    /// The code as written in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Talk::Change => "change",
            Talk::Neutral => "neutral",
            Talk::Sustain => "sustain",
        }
    }
}

/// The code of a counsellor utterance.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CounselorCode {
    /// The main behaviour.
    pub behaviour: Behaviour,
    /// Open or closed, for questions; `null` otherwise.
    pub question_type: Option<QuestionType>,
    /// Simple or complex, for reflections; `null` otherwise.
    pub reflection_type: Option<ReflectionType>,
}

/// The code of one utterance: a counsellor behaviour or a client talk type.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum UtteranceCode {
    /// A counsellor utterance's behaviour and subtype.
    Counselor(CounselorCode),
    /// A client utterance's talk type.
    Client {
        /// Change, neutral or sustain talk.
        talk: Talk,
    },
}

/// An utterance with its position, code and the model's confidence in that code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CodedUtterance {
    /// Position in the session, from 0.
    pub index: usize,
    /// Speaker, name, text and timings.
    #[serde(flatten)]
    pub utterance: Utterance,
    /// The code assigned.
    #[serde(flatten)]
    pub code: UtteranceCode,
    /// The model's probability that the main code (behaviour or talk) is right, 0..1.
    pub confidence: f64,
}
