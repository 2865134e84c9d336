//! Rapport's one rendering stack: every page, text report and table a person reads,
//! for coded sessions and for alliance and outcome measures alike.
//!
//! - [`text`]: the readable summary of `rapport analyze --format text`, coloured on a
//!   terminal and plain elsewhere.
//! - [`html`]: a self-contained HTML report per session and an index comparing a
//!   series of sessions (`--format html`). Everything is inline: CSS, SVG charts drawn
//!   with plotters, no script and no network access.
//! - [`measures`]: the measures' instrument list, scores and tracks as text, scores as
//!   CSV; [`trends`]: the alliance and outcome trends page
//!   (`rapport measures track --format html`).
//! - [`templates`]: the one minijinja environment (templates in `templates/`, compiled
//!   into the crate, built once), and how a host such as the clinic server renders the
//!   same pages in its own layout.
//! - `facts` says what a session's figures and codes mean, once, for text and HTML;
//!   `charts` draws the session charts; `palette` holds every colour; `files` names
//!   the files of `--output-dir`.
//!
//! Escaping is minijinja's: `.html` templates escape every `{{ }}`, and plotters
//! escapes the text it writes into charts. Text output replaces control characters.

mod charts;
mod facts;
mod files;
pub mod html;
pub mod measures;
mod palette;
pub mod templates;
pub mod text;
pub mod trends;

pub use files::session_file_names;

/// Codes the model gave with a confidence below this are marked "uncertain" in reports.
///
/// 0.6 is a reading aid, not a calibrated cut-off: with three or four classes a code
/// below it had at least one rival the model found nearly as likely, so a reader
/// should check it against the text before relying on it.
pub const UNCERTAIN_BELOW: f64 = 0.6;

/// Whether a code's confidence counts as uncertain. `NaN` does: a confidence that is
/// not a number cannot vouch for anything.
pub fn is_uncertain(confidence: f64) -> bool {
    confidence.is_nan() || confidence < UNCERTAIN_BELOW
}

/// A page or report that could not be rendered: a bug in Rapport rather than in the
/// input (callers report it as an internal failure, exit 1 or HTTP 500).
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// A template failed.
    #[error("rendering report template: {0}")]
    Template(#[from] minijinja::Error),
    /// The templates compiled into the crate could not be loaded.
    #[error("loading the report templates: {0}")]
    Templates(String),
    /// plotters could not draw a chart.
    #[error("drawing the {chart} chart: {message}")]
    Chart {
        /// Which chart.
        chart: String,
        /// plotters' message.
        message: String,
    },
    /// The index was given a different number of file names than sessions.
    #[error("the index needs one file name per session: {sessions} sessions, {files} names")]
    FileNames {
        /// Sessions given.
        sessions: usize,
        /// File names given.
        files: usize,
    },
}
