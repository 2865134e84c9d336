//! A model's cross-validated agreement with experts, as the reports state it (from the
//! figures its card records).

use rapport_coder::ModelInfo;
use rapport_coder::Task;
use rapport_core::{Agreement, ModelAccuracy};

/// The figures `info` records, or none where the model was trained without
/// cross-validation.
pub fn of_model(info: &ModelInfo) -> ModelAccuracy {
    let agreement = |task: Task| {
        let figures = info.evaluation.as_ref()?.task(task)?;
        Some(Agreement {
            macro_f1: figures.macro_f1,
            kappa: figures.kappa,
        })
    };
    ModelAccuracy {
        model: info.name.clone(),
        method: info.evaluation.as_ref().map(|e| {
            format!(
                "{}-fold cross-validation on {} grouped by {} ({} sessions)",
                e.folds, info.data, e.group_by, e.sessions
            )
        }),
        counselor: agreement(Task::CounselorBehaviour),
        client: agreement(Task::ClientTalk),
    }
}
