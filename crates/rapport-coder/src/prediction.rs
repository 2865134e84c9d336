//! One utterance's predicted codes: the probabilities of each class of the tasks that
//! apply to its speaker, as the heads give them and the layers above read them.

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
