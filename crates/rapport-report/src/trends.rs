//! The alliance and outcome trends page (`rapport measures track --format html`): each
//! client's trend charts, cut-off lines, ruptures and repairs marked, a caption and a
//! data table for each chart.
//!
//! Charts are drawn with plotters' SVG backend into a string; the page is the
//! `trends.html` template. Series, ruptures and repairs take the palette's Okabe-Ito
//! colours, and every marker also differs in shape: a circle per session, a triangle
//! for a rupture, a ring for a repair. Each chart has a `<title>`, an `aria-label`, a
//! `<figcaption>` saying what it shows, and its numbers in a table.

use minijinja::context;
use plotters::prelude::*;
use rapport_measures::{
    Construct, Instrument, InstrumentTrack, Registry, Settings, TrackReport, fmt_num,
};
use serde::Serialize;

use crate::RenderError;
use crate::measures::{change_text, rupture_text};
use crate::palette;
use crate::templates::{STANDALONE_LAYOUT, environment};

/// The series.
const BLUE: RGBColor = palette::BLUE.plotters();
/// Ruptures.
const VERMILLION: RGBColor = palette::VERMILLION.plotters();
/// Repairs.
const GREEN: RGBColor = palette::GREEN.plotters();
/// The cut-off line.
const CUTOFF: RGBColor = palette::DARK_GREY.plotters();

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
    construct: Construct,
    /// The SVG's opening tag up to its attributes' end; the template adds the
    /// accessible name, escaped, and closes it.
    svg_open: String,
    /// The rest of the SVG.
    svg_rest: String,
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
    let page = environment()?
        .get_template("trends.html")?
        .render(trends_context(
            report,
            registry,
            settings,
            STANDALONE_LAYOUT,
        )?)?;
    Ok(page)
}

/// What the `trends.html` template reads, inside the layout named `layout` (a host
/// renders the page in its own layout with this).
pub fn trends_context(
    report: &TrackReport,
    registry: &Registry,
    settings: &Settings,
    layout: &str,
) -> Result<minijinja::Value, RenderError> {
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
            let svg =
                chart_svg(instrument, track, cutoff).map_err(|message| RenderError::Chart {
                    chart: format!("{} trend for client {}", track.instrument, client.client),
                    message,
                })?;
            let (svg_open, svg_rest) = split_open_tag(&svg).ok_or_else(|| RenderError::Chart {
                chart: format!("{} trend for client {}", track.instrument, client.client),
                message: "plotters wrote no <svg> element".into(),
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
                construct: instrument.scoring.construct,
                // plotters' output is SVG markup built from our own numbers (it escapes
                // the text it writes); the template marks it safe.
                svg_open,
                svg_rest,
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
    let rules: Vec<&str> = settings.rules.iter().map(|r| r.name()).collect();
    Ok(context! {
        layout => layout,
        clients => minijinja::value::Serde(&clients),
        rules => rules.join(", "),
        sd_k => fmt_num(settings.sd_k),
        repair_window => settings.repair_window,
        version => env!("CARGO_PKG_VERSION"),
    })
}

/// Splits an SVG document at the end of its opening tag's attributes: (up to and
/// without the `>`, the rest after it).
fn split_open_tag(svg: &str) -> Option<(String, String)> {
    let open = svg.find("<svg")?;
    let close = open + svg.get(open..)?.find('>')?;
    Some((
        svg.get(..close)?.to_string(),
        svg.get(close + 1..)?.to_string(),
    ))
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

/// Draws one series as SVG.
fn chart_svg(
    instrument: &Instrument,
    track: &InstrumentTrack,
    cutoff: Option<f64>,
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
            .light_line_style(palette::GRID.plotters())
            .label_style(("sans-serif", 13))
            .draw()
            .map_err(|e| e.to_string())?;
        if let Some(c) = cutoff {
            chart
                .draw_series(DashedLineSeries::new(
                    [(x_lo, c), (x_hi, c)],
                    8,
                    5,
                    CUTOFF.stroke_width(2),
                ))
                .map_err(|e| e.to_string())?
                .label(format!("cut-off {}", fmt_num(c)))
                .legend(|(x, y)| PathElement::new([(x, y), (x + 16, y)], CUTOFF.stroke_width(2)));
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
            .border_style(palette::GREY.plotters())
            .label_font(("sans-serif", 13))
            .draw()
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}
