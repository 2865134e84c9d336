//! Training and evaluating the coders (`rapport train`, `rapport eval`): the options of
//! each mode, embedding the training data where the mode reads the encoder, grouped
//! cross-validation, and a model fitted on all sessions, calibrated and described.

use rapport_coder::{Corpus, EncoderRef, EvalReport, EvalSummary, Model, TrainOptions};

use crate::embedding;
use crate::error::AnalysisError;
use crate::mode::Mode;
use crate::progress::{Progress, Stage};

/// The training options of `mode`.
pub fn options(mode: Mode) -> TrainOptions {
    match mode {
        Mode::Default => TrainOptions::encoder(),
        Mode::Fast => TrainOptions::fast(),
    }
}

/// Embeds the corpus's utterances where one of `modes` reads the encoder, and returns
/// the encoder's description for the model file.
pub fn embed_for(
    corpus: &mut Corpus,
    modes: &[Mode],
    progress: &dyn Progress,
) -> Result<Option<EncoderRef>, AnalysisError> {
    match modes.iter().find(|m| m.reads_encoder()) {
        Some(&mode) => Ok(Some(embedding::embed_corpus(
            corpus,
            &options(mode),
            progress,
        )?)),
        None => Ok(None),
    }
}

/// Grouped k-fold cross-validation of `mode`'s model: every session of one group sits
/// in the same fold. Where `machine_like` is given (from [`machine_like_copy`]), the fold
/// models also code that copy of their held-out sessions.
pub fn cross_validate(
    corpus: &Corpus,
    machine_like: Option<&Corpus>,
    mode: Mode,
    folds: usize,
    group_by: &str,
    progress: &dyn Progress,
) -> Result<EvalReport, AnalysisError> {
    progress.start(Stage::CrossValidating, Some(folds as u64));
    let report = rapport_coder::cross_validate(
        corpus,
        machine_like,
        folds,
        group_by,
        &options(mode),
        &|| progress.advance(1),
    )?;
    progress.finish();
    Ok(report)
}

/// The corpus as speech-to-text would have written it ([`Corpus::machine_like`]), embedded
/// anew where one of `modes` reads the encoder.
pub fn machine_like_copy(
    corpus: &Corpus,
    modes: &[Mode],
    progress: &dyn Progress,
) -> Result<Corpus, AnalysisError> {
    let mut copy = corpus.machine_like();
    embed_for(&mut copy, modes, progress)?;
    Ok(copy)
}

/// Fits `mode`'s model on every session, calibrated by the cross-validation's figures
/// (where there are any), named, with the encoder it reads recorded.
pub fn fit(
    corpus: &Corpus,
    mode: Mode,
    evaluation: Option<EvalSummary>,
    encoder: Option<&EncoderRef>,
    progress: &dyn Progress,
) -> Result<Model, AnalysisError> {
    progress.start(Stage::Training, None);
    let mut model = Model::train(corpus, &options(mode))?;
    progress.finish();
    if let Some(evaluation) = &evaluation {
        model.calibrate(evaluation);
    }
    model.info.name = mode.model_name().into();
    model.info.evaluation = evaluation;
    if mode.reads_encoder() {
        model.info.encoder = encoder.cloned();
    }
    Ok(model)
}

/// The model file's bytes and its model card, whose rebuild section gives
/// `rebuild_command`.
pub fn model_file(
    model: &Model,
    rebuild_command: &str,
) -> Result<(Vec<u8>, String), AnalysisError> {
    let bytes = model.to_bytes().map_err(AnalysisError::Serialise)?;
    Ok((
        bytes,
        rapport_coder::card::render(&model.info, rebuild_command),
    ))
}
