//! Transcript readers. PLACEHOLDER: being written (WebVTT, SRT, text, CSV, JSON).

use crate::transcript::Transcript;

/// The transcript formats Rapport reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    /// WebVTT as Zoom and Teams write it.
    Vtt,
    /// SubRip.
    Srt,
    /// Speaker-labelled text, `Label: text` per turn.
    Text,
    /// CSV with a header (AnnoMI's layout reads as is).
    Csv,
    /// Rapport's own JSON output.
    Json,
}

/// How to read speakers.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Names that belong to the counsellor (`--counselor`); empty: the first speaker is.
    pub counselor_names: Vec<String>,
}

/// What a reader produced: sessions, plus notices for the user (stderr).
#[derive(Debug, Clone, Default)]
pub struct ReadOutcome {
    /// One transcript per session found.
    pub transcripts: Vec<Transcript>,
    /// Things the user should know, such as which speaker was taken as the counsellor.
    pub notices: Vec<String>,
}

/// A transcript that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{source_name}: {message}")]
pub struct ReadError {
    /// The file.
    pub source_name: String,
    /// What was wrong.
    pub message: String,
}

/// Reads every session in `bytes`.
pub fn read_transcripts(
    source: &str,
    _bytes: &[u8],
    _format: InputFormat,
    _options: &ReadOptions,
) -> Result<ReadOutcome, ReadError> {
    Err(ReadError {
        source_name: source.to_string(),
        message: "readers not written yet".into(),
    })
}
