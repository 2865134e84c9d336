//! Progress of long work, reported to whoever shows it (a terminal's bar, a server's
//! job page) through the [`Progress`] trait; [`Silent`] shows nothing.

/// What is in progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Embedding utterances with the sentence encoder (counted in utterances).
    Embedding,
    /// Coding sessions (counted in sessions).
    Coding,
    /// Cross-validating a model (counted in folds).
    CrossValidating,
    /// Training a model on all sessions (no count).
    Training,
}

impl Stage {
    /// A short description for a progress bar.
    pub fn describe(self) -> &'static str {
        match self {
            Stage::Embedding => "embedding utterances",
            Stage::Coding => "coding sessions",
            Stage::CrossValidating => "cross-validating",
            Stage::Training => "training on all sessions",
        }
    }
}

/// Receives progress. Calls come from worker threads, hence `Sync`; every method does
/// nothing by default.
pub trait Progress: Sync {
    /// A stage starts, with its number of steps where known.
    fn start(&self, _stage: Stage, _steps: Option<u64>) {}
    /// `steps` more steps of the current stage are done.
    fn advance(&self, _steps: u64) {}
    /// The current stage is over.
    fn finish(&self) {}
}

/// Progress nobody watches.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Progress for Silent {}
