//! Coding a batch of transcripts: the model (shipped or from a file), the encoder it
//! reads, every session coded in parallel across cores.

use std::path::Path;

use rapport_coder::Coder;
use rapport_core::{CodedSession, ModelAccuracy, Transcript};
use rapport_encoder::Encoder;
use rayon::prelude::*;

use crate::embedding;
use crate::error::AnalysisError;
use crate::mode::Mode;
use crate::models;
use crate::progress::{Progress, Stage};

/// A coder with the encoder its model reads, if any: load once, code many batches.
pub struct Analyzer {
    coder: Coder,
    encoder: Option<Encoder>,
}

impl Analyzer {
    /// The shipped model of `mode`, or the model file given (which overrides `mode`),
    /// with the encoder it reads.
    pub fn load(mode: Mode, model_file: Option<&Path>) -> Result<Analyzer, AnalysisError> {
        let coder = match model_file {
            Some(path) => Coder::load(path)?,
            None => Coder::new(models::built_in(mode)?),
        };
        let model = coder.model();
        let encoder = if model.reads_embeddings() {
            let reference = model
                .info
                .encoder
                .as_ref()
                .ok_or(AnalysisError::NoEncoderRecord)?;
            let encoder = embedding::for_model(reference)
                .map_err(|e| AnalysisError::EncoderForModel(Box::new(e)))?;
            let read = model.features.layers();
            if encoder.layers() != read.as_slice() {
                return Err(AnalysisError::LayerMismatch {
                    read,
                    recorded: encoder.layers().to_vec(),
                });
            }
            Some(encoder)
        } else {
            None
        };
        Ok(Analyzer { coder, encoder })
    }

    /// The coder in use.
    pub fn coder(&self) -> &Coder {
        &self.coder
    }

    /// The model's cross-validated agreement with experts, as reports state it.
    pub fn accuracy(&self) -> ModelAccuracy {
        crate::accuracy::of_model(&self.coder.model().info)
    }

    /// Codes every utterance of every transcript and summarises each session, in the
    /// order given. Utterances of all transcripts are embedded together (batches of
    /// similar length form across sessions), then sessions are coded in parallel.
    pub fn code(
        &self,
        transcripts: &[Transcript],
        progress: &dyn Progress,
    ) -> Result<Vec<CodedSession>, AnalysisError> {
        let embeddings = self.embed(transcripts, progress)?;
        progress.start(Stage::Coding, Some(transcripts.len() as u64));
        let sessions = transcripts
            .par_iter()
            .zip(&embeddings)
            .map(|(transcript, embeddings)| {
                let session = self.coder.code(transcript, embeddings.as_deref());
                progress.advance(1);
                session
            })
            .collect::<Result<Vec<_>, _>>()?;
        progress.finish();
        Ok(sessions)
    }

    /// Each transcript's utterance embeddings, where the model reads them.
    fn embed(
        &self,
        transcripts: &[Transcript],
        progress: &dyn Progress,
    ) -> Result<Vec<Option<Vec<Vec<f32>>>>, AnalysisError> {
        let Some(encoder) = &self.encoder else {
            return Ok(vec![None; transcripts.len()]);
        };
        let texts: Vec<&str> = transcripts
            .iter()
            .flat_map(|t| t.utterances.iter().map(|u| u.text.as_str()))
            .collect();
        let mut vectors = embedding::embed_texts(encoder, &texts, progress)?.into_iter();
        Ok(transcripts
            .iter()
            .map(|t| Some(vectors.by_ref().take(t.utterances.len()).collect()))
            .collect())
    }
}
