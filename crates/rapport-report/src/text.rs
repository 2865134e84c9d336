//! The readable text summary. PLACEHOLDER.

use rapport_core::Report;

/// Renders a report as text; `color` adds ANSI colours for a terminal.
pub fn render(report: &Report, _color: bool) -> String {
    format!("{} sessions\n", report.sessions.len())
}
