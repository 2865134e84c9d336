//! The readable text summary (`rapport analyze --format text`): per session the counts,
//! the key figures with their MITI 4.2.1 bands and a line on what each means.
//!
//! Plain text unless `color` is set; the binary sets it only for a terminal that has
//! not asked for `NO_COLOR`.

use rapport_core::{CodedSession, Report};
use serde::Serialize;

use crate::facts::{self, CodeKind, Figure, Header, shown_kinds};

#[derive(Serialize)]
struct Row {
    label: &'static str,
    count: usize,
}

#[derive(Serialize)]
struct SessionView {
    header: Header,
    counselor_counts: Vec<Row>,
    client_counts: Vec<Row>,
    figures: Vec<Figure>,
    /// `80 %` where the figures carry intervals.
    interval_level: Option<String>,
}

/// Replaces control characters so that text from a transcript (ids, names) cannot send
/// escape sequences to the reader's terminal.
fn printable(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect()
}

fn rows(kinds: &[CodeKind], session: &CodedSession) -> Vec<Row> {
    shown_kinds(kinds, &session.summary)
        .into_iter()
        .map(|kind| Row {
            label: kind.label(),
            count: kind.count(&session.summary),
        })
        .collect()
}

fn view(session: &CodedSession) -> SessionView {
    let mut header = facts::header(session);
    header.id = printable(&header.id);
    header.source = printable(&header.source);
    header.counselor = printable(&header.counselor);
    header.client = printable(&header.client);
    SessionView {
        header,
        counselor_counts: rows(&CodeKind::COUNSELOR, session),
        client_counts: rows(&CodeKind::CLIENT, session),
        figures: facts::figures(&session.summary),
        interval_level: facts::interval_level(&session.summary),
    }
}

/// Renders a report as text; `color` adds ANSI colours for a terminal.
pub fn render(report: &Report, color: bool) -> String {
    let sessions: Vec<SessionView> = report.sessions.iter().map(view).collect();
    let rendered = crate::templates::environment().and_then(|env| {
        Ok(env
            .get_template("report.txt")?
            .render(minijinja::context! {
                sessions => minijinja::value::Serde(&sessions),
                color => color,
            })?)
    });
    // The template is part of the crate and covered by snapshot tests, so a failure
    // here is a bug; say so rather than panic in the middle of a user's run.
    rendered.unwrap_or_else(|err| format!("rapport: could not render the text summary: {err}\n"))
}
