//! The HTML reports: one self-contained page per session, and an index that compares a
//! series of sessions (a trainee's placement, say) in order.
//!
//! Pages open offline in any browser and print cleanly: CSS and SVG charts are inline,
//! there is no script, and a Content-Security-Policy forbids the page any network
//! request. Utterance text, names and ids are escaped by the templates.

use rapport_core::summary::Thresholds;
use rapport_core::{CodedSession, Speaker};
use serde::Serialize;

use crate::charts::{self, Chart};
use crate::facts::{self, CodeKind, Figure, Header};
use rapport_core::{Agreement, HUMAN_CLIENT, HUMAN_COUNSELOR, ModelAccuracy};

use crate::RenderError;
use crate::templates::{STANDALONE_LAYOUT, environment};

#[derive(Serialize)]
struct FigureView {
    #[serde(flatten)]
    figure: Figure,
    gauge: Chart,
}

#[derive(Serialize)]
struct UtteranceView {
    number: usize,
    time: Option<String>,
    role: &'static str,
    speaker: String,
    text: String,
    slug: &'static str,
    label: &'static str,
    confidence: String,
    uncertain: bool,
}

#[derive(Serialize)]
struct CodeView {
    slug: &'static str,
    label: &'static str,
    meaning: &'static str,
    counselor: bool,
    background: String,
    ink: &'static str,
}

#[derive(Serialize)]
struct AgreementView {
    macro_f1: String,
    kappa: String,
}

impl From<Agreement> for AgreementView {
    fn from(a: Agreement) -> Self {
        AgreementView {
            macro_f1: format!("{:.2}", a.macro_f1),
            kappa: format!("{:.2}", a.kappa),
        }
    }
}

#[derive(Serialize)]
struct AccuracyView {
    model: String,
    method: Option<String>,
    recorded: bool,
    counselor: Option<AgreementView>,
    client: Option<AgreementView>,
    human_counselor: AgreementView,
    human_client: AgreementView,
}

impl AccuracyView {
    fn new(accuracy: &ModelAccuracy) -> Self {
        AccuracyView {
            model: accuracy.model.clone(),
            method: accuracy.method.clone(),
            recorded: accuracy.is_recorded(),
            counselor: accuracy.counselor.map(Into::into),
            client: accuracy.client.map(Into::into),
            human_counselor: HUMAN_COUNSELOR.into(),
            human_client: HUMAN_CLIENT.into(),
        }
    }
}

#[derive(Serialize)]
struct SessionCharts {
    timeline: Chart,
    cumulative: Chart,
    profile: Chart,
    share: Chart,
}

/// The codes the legend explains: all with a subtype, and the unsubtyped question and
/// reflection only where one of the sessions has them.
fn codes(sessions: &[&CodedSession]) -> Vec<CodeView> {
    CodeKind::COUNSELOR
        .iter()
        .chain(&CodeKind::CLIENT)
        .filter(|kind| kind.always_shown() || sessions.iter().any(|s| kind.count(&s.summary) > 0))
        .map(|&kind| {
            let c = kind.color();
            CodeView {
                slug: kind.slug(),
                label: kind.label(),
                meaning: kind.meaning(),
                counselor: kind.is_counselor(),
                background: c.hex(),
                ink: c.ink(),
            }
        })
        .collect()
}

fn utterances(session: &CodedSession) -> Vec<UtteranceView> {
    session
        .utterances
        .iter()
        .map(|u| {
            let kind = CodeKind::of(&u.code);
            let (role, fallback) = match u.utterance.speaker {
                Speaker::Counselor => ("counselor", "Counsellor"),
                Speaker::Client => ("client", "Client"),
            };
            let speaker = u
                .utterance
                .name
                .as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .unwrap_or(fallback)
                .to_string();
            UtteranceView {
                number: u.index.saturating_add(1),
                time: u
                    .utterance
                    .start
                    .filter(|t| t.is_finite() && *t >= 0.0)
                    .map(facts::format_clock),
                role,
                speaker,
                text: u.utterance.text.clone(),
                slug: kind.slug(),
                label: kind.label(),
                confidence: if u.confidence.is_finite() {
                    format!("{:.2}", u.confidence)
                } else {
                    "n/a".to_string()
                },
                uncertain: crate::is_uncertain(u.confidence),
            }
        })
        .collect()
}

/// Renders one session as a self-contained HTML page.
pub fn render_session(
    session: &CodedSession,
    accuracy: &ModelAccuracy,
) -> Result<String, RenderError> {
    let html = environment()?
        .get_template("session.html")?
        .render(session_context(session, accuracy, STANDALONE_LAYOUT)?)?;
    Ok(html)
}

/// What the `session.html` template reads, inside the layout named `layout` (a host
/// renders the report in its own layout, or extends `session.html`, with this).
pub fn session_context(
    session: &CodedSession,
    accuracy: &ModelAccuracy,
    layout: &str,
) -> Result<minijinja::Value, RenderError> {
    let figures = facts::figures(&session.summary)
        .into_iter()
        .map(|figure| {
            let gauge = charts::gauge(&figure)?;
            Ok(FigureView { figure, gauge })
        })
        .collect::<Result<Vec<_>, RenderError>>()?;
    let charts = SessionCharts {
        timeline: charts::timeline(session)?,
        cumulative: charts::cumulative_talk(session)?,
        profile: charts::listening_profile(session)?,
        share: charts::talk_share(session)?,
    };
    let header: Header = facts::header(session);
    Ok(minijinja::context! {
        layout => layout,
        header => minijinja::value::Serde(&header),
        figures => minijinja::value::Serde(&figures),
        interval_level => facts::interval_level(&session.summary),
        charts => minijinja::value::Serde(&charts),
        utterances => minijinja::value::Serde(&utterances(session)),
        codes => minijinja::value::Serde(&codes(&[session])),
        accuracy => minijinja::value::Serde(&AccuracyView::new(accuracy)),
        uncertain_below => format!("{:.2}", crate::UNCERTAIN_BELOW),
        version => env!("CARGO_PKG_VERSION"),
    })
}

/// The figures the index tabulates, in `facts::figures` order.
const INDEX_COLUMNS: [&str; 5] = [
    "R:Q",
    "%CR",
    "% open questions",
    "Change talk",
    "Counsellor talk share",
];

#[derive(Serialize)]
struct IndexRow {
    number: usize,
    id: String,
    file: String,
    utterances: usize,
    duration: Option<String>,
    figures: Vec<Figure>,
}

/// Renders the index of a series of sessions: their key figures side by side, as
/// charts and a table, each linking to its report at `files[i]` (a path relative to the
/// index, as [`session_file_names`](crate::session_file_names) makes them).
pub fn render_index(
    sessions: &[CodedSession],
    files: &[String],
    accuracy: &ModelAccuracy,
) -> Result<String, RenderError> {
    let html = environment()?
        .get_template("index.html")?
        .render(index_context(sessions, files, accuracy, STANDALONE_LAYOUT)?)?;
    Ok(html)
}

/// What the `index.html` template reads, inside the layout named `layout`: a host (the
/// clinic server's supervision page) renders the series in its own layout with this,
/// `files` being the links to each session's page.
pub fn index_context(
    sessions: &[CodedSession],
    files: &[String],
    accuracy: &ModelAccuracy,
    layout: &str,
) -> Result<minijinja::Value, RenderError> {
    if sessions.len() != files.len() {
        return Err(RenderError::FileNames {
            sessions: sessions.len(),
            files: files.len(),
        });
    }
    let rows: Vec<IndexRow> = sessions
        .iter()
        .zip(files)
        .enumerate()
        .map(|(i, (session, file))| IndexRow {
            number: i + 1,
            id: session.id.clone(),
            file: file.clone(),
            utterances: session.utterances.len(),
            duration: facts::duration(&session.utterances).map(facts::format_duration),
            // The index compares the five figures every session has; a model's quality
            // score, where present, is on each session's own page.
            figures: facts::figures(&session.summary)
                .into_iter()
                .take(INDEX_COLUMNS.len())
                .collect(),
        })
        .collect();
    let pick = |f: fn(&rapport_core::Summary) -> Option<f64>| {
        sessions.iter().map(|s| f(&s.summary)).collect::<Vec<_>>()
    };
    let ratio = |v: f64| format!("{v:.2}");
    let percent = |v: f64| format!("{v:.0} %");
    let ratio_axis = |v: f64| format!("{v:.1}");
    let percent_axis = |v: f64| format!("{v:.0}");
    let charts = vec![
        charts::series(
            "R:Q",
            &pick(|s| s.reflection_to_question_ratio),
            Some(Thresholds::REFLECTION_TO_QUESTION),
            3.0,
            ratio,
            ratio_axis,
        )?,
        charts::series(
            "%CR",
            &pick(|s| s.percent_complex_reflections),
            Some(Thresholds::PERCENT_COMPLEX_REFLECTIONS),
            100.0,
            percent,
            percent_axis,
        )?,
        charts::series(
            "% open questions",
            &pick(|s| s.percent_open_questions),
            None,
            100.0,
            percent,
            percent_axis,
        )?,
        charts::series(
            "Change talk %",
            &pick(|s| s.change_talk_percent),
            None,
            100.0,
            percent,
            percent_axis,
        )?,
    ];
    let titles = [
        (
            "R:Q",
            "Reflections per question; MITI 4.2.1: fair from 1, good from 2.",
        ),
        (
            "%CR",
            "Complex share of reflections; fair from 40 %, good from 50 %.",
        ),
        (
            "% open questions",
            "Open share of questions; no MITI 4.2.1 threshold.",
        ),
        (
            "Change talk %",
            "Change share of change and sustain talk; no MITI threshold.",
        ),
    ];
    let charts: Vec<_> = charts
        .into_iter()
        .zip(titles)
        .map(|(chart, (title, note))| {
            minijinja::context! {
                title => title,
                note => note,
                chart => minijinja::value::Serde(&chart),
            }
        })
        .collect();
    Ok(minijinja::context! {
        layout => layout,
        rows => minijinja::value::Serde(&rows),
        columns => INDEX_COLUMNS,
        uncertain_below => format!("{:.2}", crate::UNCERTAIN_BELOW),
        charts => charts,
        codes => minijinja::value::Serde(&codes(&sessions.iter().collect::<Vec<_>>())),
        accuracy => minijinja::value::Serde(&AccuracyView::new(accuracy)),
        version => env!("CARGO_PKG_VERSION"),
    })
}
