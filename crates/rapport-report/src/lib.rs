//! Renderers of coded sessions, for people rather than programs.
//!
//! - [`text`]: the readable summary of `rapport analyze --format text`, coloured on a
//!   terminal and plain elsewhere.
//! - [`html`]: a self-contained HTML report per session and an index comparing a
//!   series of sessions (`--format html`). Everything is inline: CSS, SVG charts drawn
//!   with plotters, no script and no network access.
//! - [`ModelAccuracy`]: what the report says about how far an automatic code can be
//!   trusted.
//!
//! Templates live in `templates/` (minijinja, compiled into the crate) so that the
//! layout can be read and changed without touching the Rust that computes the figures.

mod accuracy;
mod charts;
mod facts;
mod files;
pub mod html;
mod templates;
pub mod text;

pub use accuracy::{Agreement, HUMAN_CLIENT, HUMAN_COUNSELOR, ModelAccuracy};
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

/// A report that could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// A template failed; a bug in Rapport rather than in the input.
    #[error("rendering report template: {0}")]
    Template(#[from] minijinja::Error),
    /// plotters could not draw a chart.
    #[error("drawing the {chart} chart: {message}")]
    Chart {
        /// Which chart.
        chart: &'static str,
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
