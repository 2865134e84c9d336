//! How accurate an automatic coder is: its cross-validated agreement with experts, as
//! reports state it next to every automatic code, and the agreement between experts
//! themselves that it is judged against.

use serde::{Deserialize, Serialize};

/// Agreement of a coder with expert codes on one side of the conversation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Agreement {
    /// Macro-averaged F1 over the codes of that side, 0..1.
    pub macro_f1: f64,
    /// Cohen's kappa, -1..1.
    pub kappa: f64,
}

/// One AnnoMI expert against the majority of nine others, counsellor behaviour (see
/// `docs/domain.md`): the ceiling an automatic coder can be judged against.
pub const HUMAN_COUNSELOR: Agreement = Agreement {
    macro_f1: 0.85,
    kappa: 0.81,
};

/// The same for client talk type.
pub const HUMAN_CLIENT: Agreement = Agreement {
    macro_f1: 0.72,
    kappa: 0.58,
};

/// The model that coded a report and its cross-validated figures, from the model's
/// metadata (its model card).
///
/// Figures are optional so that a model without recorded figures says so instead of
/// the report inventing them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelAccuracy {
    /// The model's name (and version), as its card gives it.
    pub model: String,
    /// How the figures were measured, e.g. "5-fold cross-validation grouped by video".
    pub method: Option<String>,
    /// Counsellor behaviour (question, reflection, input, other) against experts.
    pub counselor: Option<Agreement>,
    /// Client talk type (change, neutral, sustain) against experts.
    pub client: Option<Agreement>,
}

impl ModelAccuracy {
    /// A model whose accuracy was not recorded: reports say exactly that.
    pub fn unknown() -> ModelAccuracy {
        ModelAccuracy {
            model: "not named".to_string(),
            method: None,
            counselor: None,
            client: None,
        }
    }

    /// Whether any cross-validated figure is known.
    pub fn is_recorded(&self) -> bool {
        self.counselor.is_some() || self.client.is_some()
    }
}
