//! `track --format html`: one self-contained page (inline CSS and SVG, no network) with
//! each client's trend charts, cut-off lines, ruptures and repairs marked.
//!
//! Charts are drawn with plotters' SVG backend into a string; the page comes from the
//! embedded minijinja template `templates/track.html.j2`. Colours are the Okabe-Ito
//! palette (Okabe & Ito 2008), which stays distinguishable with the common colour-vision
//! deficiencies, and every marker also differs in shape: a circle per session, a
//! triangle for a rupture, a ring for a repair. Each chart has a `<title>`, an
//! `aria-label`, a `<figcaption>` saying what it shows, and its numbers in a table.

use minijinja::{Environment, context};
use plotters::prelude::*;
use serde::Serialize;

use crate::instrument::{Construct, Instrument, Registry, fmt_num};
use crate::settings::Settings;
use crate::track::{InstrumentTrack, TrackReport};

use super::{change_text, rupture_text};

const TEMPLATE: &str = include_str!("../../templates/track.html.j2");

/// Okabe-Ito blue: the series.
const BLUE: RGBColor = RGBColor(0x00, 0x72, 0xB2);
/// Okabe-Ito vermillion: ruptures.
const VERMILLION: RGBColor = RGBColor(0xD5, 0x5E, 0x00);
/// Okabe-Ito bluish green: repairs.
const GREEN: RGBColor = RGBColor(0x00, 0x9E, 0x73);
/// Okabe-Ito black-ish grey: the cut-off line.
const GREY: RGBColor = RGBColor(0x33, 0x33, 0x33);

/// The page could not be drawn (a bug rather than bad input).
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// plotters failed to draw a chart.
    #[error("drawing the chart for client {client}, {instrument}: {message}")]
    Chart {
        /// The client.
        client: String,
        /// The instrument.
        instrument: String,
        /// plotters' message.
        message: String,
    },
    /// The template failed.
    #[error("rendering the HTML page: {0}")]
    Template(#[from] minijinja::Error),
}

#[derive(Serialize)]
struct Row {
    session: u32,
    date: String,
    total: String,
    note: String,
}

#[derive(Serialize)]
struct Chart {
    id: String,
    instrument: String,
    title: String,
    construct: &'static str,
    svg: String,
    caption: String,
    rows: Vec<Row>,
    ruptures: Vec<String>,
    change: Option<String>,
    cutoff: Option<String>,
}

#[derive(Serialize)]
struct Client {
    client: String,
    anchor: String,
    charts: Vec<Chart>,
}

/// Renders the track report as one self-contained HTML page.
pub fn track_html(
    report: &TrackReport,
    registry: &Registry,
    settings: &Settings,
) -> Result<String, RenderError> {
    let mut clients = Vec::new();
    let mut n = 0usize;
    for client in &report.clients {
        let mut charts = Vec::new();
        for track in &client.instruments {
            let Some(instrument) = registry.get(&track.instrument) else {
                continue;
            };
            n += 1;
            let id = format!("chart-{n}");
            let cutoff = settings.cutoff(instrument);
            let caption = describe(&client.client, instrument, track, cutoff);
            let svg = chart_svg(instrument, track, cutoff, &id, &caption).map_err(|message| {
                RenderError::Chart {
                    client: client.client.clone(),
                    instrument: track.instrument.clone(),
                    message,
                }
            })?;
            let rows = track
                .series
                .iter()
                .map(|p| {
                    let mut notes = Vec::new();
                    if let Some(r) = track.ruptures.iter().find(|r| r.session == p.session) {
                        notes.push(format!("rupture ({})", r.rules.join(", ")));
                    }
                    if track
                        .ruptures
                        .iter()
                        .any(|r| r.repaired_at == Some(p.session))
                    {
                        notes.push("repair".to_string());
                    }
                    Row {
                        session: p.session,
                        date: p.date.format("%Y-%m-%d").to_string(),
                        total: fmt_num(p.total),
                        note: notes.join("; "),
                    }
                })
                .collect();
            charts.push(Chart {
                id,
                instrument: instrument.id.clone(),
                title: instrument.title.clone(),
                construct: match instrument.scoring.construct {
                    Construct::Alliance => "alliance",
                    Construct::Outcome => "outcome",
                },
                // plotters' output is SVG markup built from our own numbers and the
                // escaped caption; the template marks it safe.
                svg,
                caption,
                rows,
                ruptures: track.ruptures.iter().map(rupture_text).collect(),
                change: track.change.as_ref().map(change_text),
                cutoff: cutoff.map(fmt_num),
            });
        }
        clients.push(Client {
            anchor: format!("client-{}", clients.len() + 1),
            client: client.client.clone(),
            charts,
        });
    }
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
    env.add_template("track.html", TEMPLATE)?;
    let rules: Vec<&str> = settings.rules.iter().map(|r| r.name()).collect();
    let page = env.get_template("track.html")?.render(context! {
        clients => minijinja::Value::from(minijinja::value::Serde(&clients)),
        rules => rules.join(", "),
        sd_k => fmt_num(settings.sd_k),
        repair_window => settings.repair_window,
    })?;
    Ok(page)
}

/// The chart's text alternative: what it shows, in one or two sentences.
fn describe(
    client: &str,
    instrument: &Instrument,
    track: &InstrumentTrack,
    cutoff: Option<f64>,
) -> String {
    let mut text = format!("{} totals for client {client}", instrument.title);
    if let (Some(first), Some(last)) = (track.series.first(), track.series.last()) {
        text.push_str(&format!(
            ", sessions {} to {}: from {} to {}",
            first.session,
            last.session,
            fmt_num(first.total),
            fmt_num(last.total)
        ));
    }
    text.push('.');
    if let Some(c) = cutoff {
        text.push_str(&format!(" Dashed line: cut-off {}.", fmt_num(c)));
    }
    if instrument.scoring.construct == Construct::Alliance {
        match track.ruptures.len() {
            0 => text.push_str(" No ruptures."),
            k => {
                let repaired = track
                    .ruptures
                    .iter()
                    .filter(|r| r.repaired_at.is_some())
                    .count();
                text.push_str(&format!(
                    " {k} rupture{} (triangles), {repaired} repaired (rings).",
                    if k == 1 { "" } else { "s" }
                ));
            }
        }
    } else if let Some(change) = &track.change {
        text.push_str(&format!(" Change {}.", change_text(change)));
    }
    text
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Draws one series as SVG.
fn chart_svg(
    instrument: &Instrument,
    track: &InstrumentTrack,
    cutoff: Option<f64>,
    id: &str,
    caption: &str,
) -> Result<String, String> {
    let (lo, hi) = instrument.total_range();
    let (lo, hi) = if hi > lo { (lo, hi) } else { (lo, lo + 1.0) };
    let first = track.series.first().map_or(1, |p| p.session) as f64;
    let last = track.series.last().map_or(1, |p| p.session) as f64;
    let (x_lo, x_hi) = (first - 0.5, last.max(first + 1.0) + 0.5);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (640, 300)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let mut chart = ChartBuilder::on(&root)
            .margin(14)
            .x_label_area_size(40)
            .y_label_area_size(48)
            .build_cartesian_2d(x_lo..x_hi, lo..hi)
            .map_err(|e| e.to_string())?;
        let span = (last - first) as usize + 2;
        chart
            .configure_mesh()
            .x_desc("Session")
            .y_desc("Total")
            .x_labels(span.min(12))
            .x_label_formatter(&|x| {
                if x.fract().abs() < 1e-9 {
                    format!("{x:.0}")
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&|y| fmt_num(*y))
            .max_light_lines(1)
            .light_line_style(RGBColor(0xF2, 0xF2, 0xF2))
            .label_style(("sans-serif", 13))
            .draw()
            .map_err(|e| e.to_string())?;
        if let Some(c) = cutoff {
            chart
                .draw_series(DashedLineSeries::new(
                    [(x_lo, c), (x_hi, c)],
                    8,
                    5,
                    GREY.stroke_width(2),
                ))
                .map_err(|e| e.to_string())?
                .label(format!("cut-off {}", fmt_num(c)))
                .legend(|(x, y)| PathElement::new([(x, y), (x + 16, y)], GREY.stroke_width(2)));
        }
        let points: Vec<(f64, f64)> = track
            .series
            .iter()
            .map(|p| (f64::from(p.session), p.total))
            .collect();
        chart
            .draw_series(LineSeries::new(
                points.iter().copied(),
                BLUE.stroke_width(2),
            ))
            .map_err(|e| e.to_string())?
            .label("total")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 16, y)], BLUE.stroke_width(2)));
        chart
            .draw_series(points.iter().map(|&p| Circle::new(p, 4, BLUE.filled())))
            .map_err(|e| e.to_string())?;
        let at = |session: u32| points.iter().copied().find(|p| p.0 == f64::from(session));
        if !track.ruptures.is_empty() {
            chart
                .draw_series(
                    track
                        .ruptures
                        .iter()
                        .filter_map(|r| at(r.session))
                        .map(|p| TriangleMarker::new(p, 9, VERMILLION.filled())),
                )
                .map_err(|e| e.to_string())?
                .label("rupture")
                .legend(|(x, y)| TriangleMarker::new((x + 8, y), 7, VERMILLION.filled()));
            let repairs: Vec<(f64, f64)> = track
                .ruptures
                .iter()
                .filter_map(|r| r.repaired_at.and_then(at))
                .collect();
            if !repairs.is_empty() {
                chart
                    .draw_series(
                        repairs
                            .into_iter()
                            .map(|p| Circle::new(p, 9, GREEN.stroke_width(3))),
                    )
                    .map_err(|e| e.to_string())?
                    .label("repair")
                    .legend(|(x, y)| Circle::new((x + 8, y), 6, GREEN.stroke_width(3)));
            }
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(0x99, 0x99, 0x99))
            .label_font(("sans-serif", 13))
            .draw()
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    // Give the SVG its accessible name: role, aria-label and a <title> child.
    let label = escape(caption);
    let open = svg.find("<svg").ok_or("plotters wrote no <svg> element")?;
    let close = svg[open..].find('>').ok_or("unterminated <svg> tag")? + open;
    let accessible = format!(
        "{} role=\"img\" aria-labelledby=\"{id}-title\" aria-label=\"{label}\"><title id=\"{id}-title\">{label}</title>",
        &svg[open..close]
    );
    svg.replace_range(open..=close, &accessible);
    Ok(svg)
}
