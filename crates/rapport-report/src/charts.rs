//! The report's charts, drawn with plotters into SVG strings that the HTML templates
//! embed inline. Each comes with a text alternative for screen readers and for anyone
//! who would rather read the numbers.
//!
//! plotters' SVG backend escapes every text and attribute it writes, so session ids and
//! speaker names in labels cannot inject markup.

use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use rapport_core::summary::Thresholds;
use rapport_core::{CodedSession, Speaker, Summary};
use serde::Serialize;

use crate::RenderError;
use crate::facts::{self, CodeKind, Figure, Span, format_clock, shown_kinds};
use crate::palette::{self, BLUE, GREEN, ORANGE, VERMILLION};

/// An SVG chart and the sentence that stands in for it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Chart {
    pub svg: String,
    pub alt: String,
}

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
type DrawResult = Result<(), DrawingAreaErrorKind<std::io::Error>>;

const FONT: &str = "sans-serif";
const INK: RGBColor = palette::INK.plotters();
const MUTED: RGBColor = palette::MUTED.plotters();
const STRIPE: RGBColor = palette::STRIPE.plotters();
const TINT_BELOW: RGBColor = palette::TINT_BELOW.plotters();
const TINT_FAIR: RGBColor = palette::TINT_FAIR.plotters();
const TINT_GOOD: RGBColor = palette::TINT_GOOD.plotters();
const TINT_NONE: RGBColor = palette::TINT_NONE.plotters();
/// Uncertain codes are drawn faded: the same hue, so the lane still reads, but clearly
/// weaker than a confident code.
const UNCERTAIN_ALPHA: f64 = 0.35;

fn text_style(size: u32, color: &RGBColor) -> TextStyle<'_> {
    TextStyle::from((FONT, size).into_font()).color(color)
}

/// Draws onto a fresh SVG of the given size and returns the markup.
fn svg(
    chart: &'static str,
    size: (u32, u32),
    draw: impl FnOnce(&Area<'_>) -> DrawResult,
) -> Result<String, RenderError> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, size).into_drawing_area();
        draw(&root)
            .and_then(|()| root.present())
            .map_err(|err| RenderError::Chart {
                chart: chart.to_string(),
                message: err.to_string(),
            })?;
    }
    Ok(out)
}

/// A small horizontal gauge: the scale shaded by MITI band (grey where the manual sets
/// no threshold), threshold ticks, the figure's interval as a grey bar, and a marker at
/// the value.
pub(crate) fn gauge(figure: &Figure) -> Result<Chart, RenderError> {
    const W: i32 = 260;
    const H: i32 = 54;
    const LEFT: i32 = 12;
    const RIGHT: i32 = W - 12;
    const TOP: i32 = 16;
    const BOTTOM: i32 = 28;
    let scale = &figure.scale;
    let x =
        |v: f64| LEFT + ((v / scale.max).clamp(0.0, 1.0) * f64::from(RIGHT - LEFT)).round() as i32;
    let svg = svg("gauge", (W as u32, H as u32), |root| {
        match scale.thresholds {
            Some(t) => {
                root.draw(&Rectangle::new(
                    [(LEFT, TOP), (x(t.fair), BOTTOM)],
                    TINT_BELOW.filled(),
                ))?;
                root.draw(&Rectangle::new(
                    [(x(t.fair), TOP), (x(t.good), BOTTOM)],
                    TINT_FAIR.filled(),
                ))?;
                root.draw(&Rectangle::new(
                    [(x(t.good), TOP), (RIGHT, BOTTOM)],
                    TINT_GOOD.filled(),
                ))?;
                let small = text_style(15, &MUTED);
                for (value, label, anchor, dx) in [
                    (t.fair, "fair", HPos::Right, -3),
                    (t.good, "good", HPos::Left, 3),
                ] {
                    let at = x(value);
                    root.draw(&PathElement::new(
                        vec![(at, TOP - 2), (at, BOTTOM + 10)],
                        MUTED.stroke_width(1),
                    ))?;
                    root.draw(&Text::new(
                        label,
                        (at + dx, BOTTOM + 3),
                        small.pos(Pos::new(anchor, VPos::Top)),
                    ))?;
                }
            }
            None => {
                root.draw(&Rectangle::new(
                    [(LEFT, TOP), (RIGHT, BOTTOM)],
                    TINT_NONE.filled(),
                ))?;
                if let Some((value, label)) = scale.reference {
                    let at = x(value);
                    root.draw(&PathElement::new(
                        vec![(at, TOP - 2), (at, BOTTOM + 10)],
                        MUTED.stroke_width(1),
                    ))?;
                    root.draw(&Text::new(
                        label,
                        (at, BOTTOM + 3),
                        text_style(15, &MUTED).pos(Pos::new(HPos::Center, VPos::Top)),
                    ))?;
                }
            }
        }
        root.draw(&Rectangle::new(
            [(LEFT, TOP), (RIGHT, BOTTOM)],
            MUTED.stroke_width(1),
        ))?;
        let ends = text_style(15, &MUTED);
        root.draw(&Text::new(
            "0",
            (LEFT, BOTTOM + 3),
            ends.pos(Pos::new(HPos::Left, VPos::Top)),
        ))?;
        root.draw(&Text::new(
            scale.max_label,
            (RIGHT, BOTTOM + 3),
            ends.pos(Pos::new(HPos::Right, VPos::Top)),
        ))?;
        if let Some([low, high]) = figure.interval {
            // The interval: a thick bar along the track's middle, ends ticked.
            let (from, to) = (x(low), x(high));
            let middle = (TOP + BOTTOM) / 2;
            root.draw(&Rectangle::new(
                [(from, middle - 2), (to.max(from + 1), middle + 2)],
                MUTED.filled(),
            ))?;
            for at in [from, to] {
                root.draw(&Rectangle::new(
                    [(at - 1, TOP + 2), (at + 1, BOTTOM - 2)],
                    MUTED.filled(),
                ))?;
            }
        }
        if let Some(value) = figure.value {
            // A downward pointer above the track and a bar through it: readable without
            // colour and in greyscale print.
            let at = x(value);
            root.draw(&Polygon::new(
                vec![(at - 6, TOP - 12), (at + 6, TOP - 12), (at, TOP - 2)],
                INK.filled(),
            ))?;
            root.draw(&Rectangle::new(
                [(at - 1, TOP - 2), (at + 1, BOTTOM + 2)],
                INK.filled(),
            ))?;
        }
        Ok(())
    })?;
    let interval = match (&figure.interval_display, &figure.interval_level) {
        (Some(range), Some(level)) => format!(", {level} interval {range}"),
        _ => String::new(),
    };
    let alt = match figure.value {
        Some(_) if figure.band != "none" => format!(
            "{} {}{interval}: {} ({}).",
            figure.name, figure.display, figure.band_label, figure.thresholds
        ),
        Some(_) => format!(
            "{} {}{interval} ({}).",
            figure.name, figure.display, figure.thresholds
        ),
        None => format!("{}: not computed.", figure.name),
    };
    Ok(Chart { svg, alt })
}

/// Where each utterance sits on the horizontal axis: seconds when the transcript is
/// timed, else one unit per utterance. Returns the spans, the axis end and whether the
/// axis is time.
fn positions(session: &CodedSession) -> (Vec<Span>, f64, bool) {
    match facts::time_spans(&session.utterances) {
        Some(spans) => {
            let end = spans.iter().map(|s| s.end).fold(0.0, f64::max);
            (spans, end.max(1.0), true)
        }
        None => {
            let spans = (0..session.utterances.len())
                .map(|i| Span {
                    start: i as f64,
                    end: i as f64 + 1.0,
                })
                .collect();
            (spans, (session.utterances.len() as f64).max(1.0), false)
        }
    }
}

/// Tick positions for the session axis at a round step (seconds, or utterances), at
/// most `max_ticks` of them. plotters would pick decimal steps (50 s), which read badly
/// on a clock.
fn session_ticks(x_max: f64, timed: bool, max_ticks: usize) -> Vec<f64> {
    const SECONDS: [f64; 14] = [
        5.0, 10.0, 15.0, 20.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1200.0, 1800.0, 3600.0,
        7200.0,
    ];
    const COUNTS: [f64; 12] = [
        1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0,
    ];
    let steps: &[f64] = if timed { &SECONDS } else { &COUNTS };
    let limit = max_ticks.max(2) as f64;
    let step = steps
        .iter()
        .copied()
        .find(|step| x_max / step <= limit)
        // Beyond the table (a transcript with absurd timings): any step that fits.
        .unwrap_or_else(|| (x_max / limit).ceil().max(1.0));
    let count = (x_max / step).floor() as usize;
    (0..=count).map(|i| i as f64 * step).collect()
}

/// A linear seconds-or-utterances axis whose ticks fall on [`session_ticks`].
///
/// plotters' own `with_key_points` would do, but its axes cannot take a label
/// formatter, and the clock labels need one.
struct SessionAxis {
    end: f64,
    ticks: Vec<f64>,
}

impl Ranged for SessionAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let fraction = if self.end > 0.0 {
            value / self.end
        } else {
            0.0
        };
        let pixels = f64::from(limit.1 - limit.0) * fraction;
        // Clamped so that a stray value cannot overflow the i32 pixel space.
        limit.0 + pixels.clamp(-1e6, 1e6).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, _hint: Hint) -> Vec<f64> {
        self.ticks.clone()
    }

    fn range(&self) -> std::ops::Range<f64> {
        0.0..self.end
    }
}

/// The label of the row at `v` on a category axis whose `rows` are listed top first:
/// plotters counts y upwards, so row i sits at `rows.len() - 1 - i`.
fn row_label(v: &SegmentValue<i32>, rows: &[CodeKind]) -> String {
    match v {
        SegmentValue::CenterOf(y) => i32::try_from(rows.len())
            .ok()
            .and_then(|n| usize::try_from(n - 1 - y).ok())
            .and_then(|i| rows.get(i))
            .map_or(String::new(), |kind| kind.label().to_string()),
        _ => String::new(),
    }
}

fn count_list(kinds: &[CodeKind], summary: &Summary) -> String {
    kinds
        .iter()
        .map(|k| format!("{} {}", k.count(summary), k.label().to_lowercase()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One lane per code (counsellor behaviours above, client talk below), each utterance a
/// bar at its place in the session.
pub(crate) fn timeline(session: &CodedSession) -> Result<Chart, RenderError> {
    let summary = &session.summary;
    let counselor = shown_kinds(&CodeKind::COUNSELOR, summary);
    let client = shown_kinds(&CodeKind::CLIENT, summary);
    // Lanes listed top to bottom; plotters counts y upwards, so lane i sits at n-1-i.
    let lanes: Vec<CodeKind> = counselor.iter().chain(&client).copied().collect();
    let n = lanes.len() as i32;
    let (spans, x_max, timed) = positions(session);
    const W: u32 = 1040;
    const PLOT_W: f64 = 860.0;
    let height = 70 + 26 * n as u32;
    // Keep even a one-word "mm-hmm" visible: at least 3 px wide.
    let min_width = x_max / PLOT_W * 3.0;
    let label_of = |v: &SegmentValue<i32>| row_label(v, &lanes);
    let x_label = |x: &f64| {
        if timed {
            format_clock(*x)
        } else {
            format!("{}", x.round() as i64)
        }
    };
    let ticks = session_ticks(x_max, timed, 12);
    let svg = svg("timeline", (W, height), |root| {
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(root)
            .margin(10)
            .margin_right(20)
            .x_label_area_size(40)
            .y_label_area_size(150)
            .build_cartesian_2d(
                SessionAxis { end: x_max, ticks },
                (0..n - 1).into_segmented(),
            )?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_max_light_lines(0)
            .x_labels(20)
            .x_label_formatter(&x_label)
            .y_label_formatter(&label_of)
            .y_labels(n as usize)
            .label_style(text_style(15, &INK))
            .axis_desc_style(text_style(15, &INK))
            .x_desc(if timed { "Time (min:s)" } else { "Utterance" })
            .bold_line_style(STRIPE)
            .draw()?;
        chart.draw_series((0..n).filter(|i| i % 2 == 0).map(|i| {
            Rectangle::new(
                [
                    (0.0, SegmentValue::Exact(i)),
                    (x_max, SegmentValue::Exact(i + 1)),
                ],
                STRIPE.filled(),
            )
        }))?;
        for (u, span) in session.utterances.iter().zip(&spans) {
            let kind = CodeKind::of(&u.code);
            let Some(lane) = lanes.iter().position(|k| *k == kind) else {
                continue;
            };
            let y = n - 1 - lane as i32;
            let color = kind.color().plotters();
            let style = if crate::is_uncertain(u.confidence) {
                color.mix(UNCERTAIN_ALPHA).filled()
            } else {
                color.filled()
            };
            let end = span.end.max(span.start + min_width);
            let mut bar = Rectangle::new(
                [
                    (span.start, SegmentValue::Exact(y)),
                    (end, SegmentValue::Exact(y + 1)),
                ],
                style,
            );
            bar.set_margin(4, 4, 0, 0);
            chart.draw_series(std::iter::once(bar))?;
        }
        // A rule between the counsellor's lanes and the client's.
        let split = client.len() as i32;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![
                (0.0, SegmentValue::Exact(split)),
                (x_max, SegmentValue::Exact(split)),
            ],
            INK.stroke_width(2),
        )))?;
        Ok(())
    })?;
    let extent = match facts::duration(&session.utterances) {
        Some(d) if timed => format!(" over {}", facts::format_duration(d)),
        _ => String::new(),
    };
    let alt = format!(
        "Timeline of {} utterances{extent}, one lane per code; faded bars are uncertain codes. \
         Counsellor: {}. Client: {}.",
        session.utterances.len(),
        count_list(&counselor, summary),
        count_list(&client, summary),
    );
    Ok(Chart { svg, alt })
}

/// Running totals of change and sustain talk over the session.
pub(crate) fn cumulative_talk(session: &CodedSession) -> Result<Chart, RenderError> {
    let (spans, x_max, timed) = positions(session);
    let mut change = vec![(0.0, 0.0)];
    let mut sustain = vec![(0.0, 0.0)];
    let (mut c, mut s) = (0.0_f64, 0.0_f64);
    let mut change_marks = Vec::new();
    let mut sustain_marks = Vec::new();
    for (u, span) in session.utterances.iter().zip(&spans) {
        // Index mode puts the step at the utterance's number, 1-based like the transcript.
        let x = if timed { span.start } else { span.end };
        match CodeKind::of(&u.code) {
            CodeKind::Change => {
                change.push((x, c));
                c += 1.0;
                change.push((x, c));
                change_marks.push((x, c));
            }
            CodeKind::Sustain => {
                sustain.push((x, s));
                s += 1.0;
                sustain.push((x, s));
                sustain_marks.push((x, s));
            }
            _ => {}
        }
    }
    change.push((x_max, c));
    sustain.push((x_max, s));
    let y_max = c.max(s).max(1.0);
    let y_top = y_max * 1.15 + 0.5;
    let green = GREEN.plotters();
    let vermillion = VERMILLION.plotters();
    let x_label = |x: &f64| {
        if timed {
            format_clock(*x)
        } else {
            format!("{}", x.round() as i64)
        }
    };
    let y_label = |y: &f64| {
        if (y - y.round()).abs() < 1e-9 {
            format!("{}", y.round() as i64)
        } else {
            String::new()
        }
    };
    let ticks = session_ticks(x_max, timed, 6);
    let svg = svg("cumulative talk", (510, 330), |root| {
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(root)
            .margin(10)
            .margin_right(24)
            .x_label_area_size(44)
            .y_label_area_size(56)
            .build_cartesian_2d(SessionAxis { end: x_max, ticks }, 0f64..y_top)?;
        chart
            .configure_mesh()
            .x_labels(20)
            .y_labels((y_max as usize + 1).min(10))
            .x_label_formatter(&x_label)
            .y_label_formatter(&y_label)
            .label_style(text_style(15, &INK))
            .axis_desc_style(text_style(15, &INK))
            .x_desc(if timed { "Time (min:s)" } else { "Utterance" })
            .y_desc("Utterances so far")
            .light_line_style(WHITE)
            .bold_line_style(STRIPE)
            .draw()?;
        chart
            .draw_series(LineSeries::new(change, green.stroke_width(3)))?
            .label("Change talk")
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 24, y)], green.stroke_width(3))
            });
        chart
            .draw_series(DashedLineSeries::new(
                sustain,
                8,
                5,
                vermillion.stroke_width(3),
            ))?
            .label("Sustain talk (dashed)")
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 8, y)], vermillion.stroke_width(3))
            });
        // Different marker shapes too, so the lines differ in shape as well as colour.
        chart.draw_series(
            change_marks
                .iter()
                .map(|p| Circle::new(*p, 4, green.filled())),
        )?;
        chart.draw_series(
            sustain_marks
                .iter()
                .map(|p| TriangleMarker::new(*p, 6, vermillion.filled())),
        )?;
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .label_font(text_style(15, &INK))
            .background_style(WHITE.mix(0.9))
            .border_style(MUTED)
            .draw()?;
        Ok(())
    })?;
    let alt = format!(
        "Cumulative client talk: by the end of the session {} change-talk and {} sustain-talk utterances.",
        c as usize, s as usize
    );
    Ok(Chart { svg, alt })
}

/// The counsellor's listening profile: one horizontal bar per behaviour, questions at
/// the top. Horizontal so the behaviour names fit beside their bars at half width.
pub(crate) fn listening_profile(session: &CodedSession) -> Result<Chart, RenderError> {
    let summary = &session.summary;
    let kinds = shown_kinds(&CodeKind::COUNSELOR, summary);
    let k = kinds.len() as i32;
    let counts: Vec<usize> = kinds.iter().map(|kind| kind.count(summary)).collect();
    let x_max = counts.iter().copied().max().unwrap_or(0).max(1) as f64;
    // Row i from the top is drawn at y = k-1-i, since plotters counts y upwards.
    let label_of = |v: &SegmentValue<i32>| row_label(v, &kinds);
    let x_label = |x: &f64| {
        if (x - x.round()).abs() < 1e-9 {
            format!("{}", x.round() as i64)
        } else {
            String::new()
        }
    };
    let svg = svg("listening profile", (510, 330), |root| {
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(root)
            .margin(10)
            .margin_right(24)
            .x_label_area_size(44)
            .y_label_area_size(150)
            .build_cartesian_2d(0f64..x_max * 1.12, (0..k - 1).into_segmented())?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(k as usize)
            .y_label_formatter(&label_of)
            .x_labels((x_max as usize + 1).min(8))
            .x_label_formatter(&x_label)
            .x_desc("Utterances")
            .label_style(text_style(15, &INK))
            .axis_desc_style(text_style(15, &INK))
            .light_line_style(WHITE)
            .bold_line_style(STRIPE)
            .draw()?;
        for (i, (kind, count)) in kinds.iter().zip(&counts).enumerate() {
            let y = k - 1 - i as i32;
            let corners = [
                (0.0, SegmentValue::Exact(y)),
                (*count as f64, SegmentValue::Exact(y + 1)),
            ];
            let mut bar = Rectangle::new(corners.clone(), kind.color().plotters().filled());
            bar.set_margin(5, 5, 0, 0);
            let mut outline = Rectangle::new(corners, INK.stroke_width(1));
            outline.set_margin(5, 5, 0, 0);
            chart.draw_series([bar, outline])?;
            chart.draw_series(std::iter::once(
                EmptyElement::at((*count as f64, SegmentValue::CenterOf(y)))
                    + Text::new(
                        count.to_string(),
                        (6, 0),
                        text_style(16, &INK).pos(Pos::new(HPos::Left, VPos::Center)),
                    ),
            ))?;
        }
        Ok(())
    })?;
    let alt = format!("Listening profile: {}.", count_list(&kinds, summary));
    Ok(Chart { svg, alt })
}

/// Who did the talking: the counsellor's and the client's shares of words and of turns.
pub(crate) fn talk_share(session: &CodedSession) -> Result<Chart, RenderError> {
    let u = &session.utterances;
    let rows = [
        (
            "Words",
            facts::words_by(u, Speaker::Counselor),
            facts::words_by(u, Speaker::Client),
        ),
        (
            "Utterances",
            session.summary.counselor_utterances,
            session.summary.client_utterances,
        ),
    ];
    let pct = |a: usize, b: usize| {
        if a + b == 0 {
            None
        } else {
            Some(100.0 * a as f64 / (a + b) as f64)
        }
    };
    let label_of = |v: &SegmentValue<i32>| match v {
        // Row 0 is drawn at the bottom: "Words" on top reads first.
        SegmentValue::CenterOf(i) => match i {
            1 => rows[0].0.to_string(),
            0 => rows[1].0.to_string(),
            _ => String::new(),
        },
        _ => String::new(),
    };
    let blue = BLUE.plotters();
    let orange = ORANGE.plotters();
    let svg = svg("talk share", (1040, 140), |root| {
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(root)
            .margin(10)
            .margin_right(24)
            .x_label_area_size(36)
            .y_label_area_size(150)
            .build_cartesian_2d(0f64..100f64, (0..1).into_segmented())?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_labels(11)
            .x_label_formatter(&|x| format!("{x:.0} %"))
            .y_label_formatter(&label_of)
            .label_style(text_style(15, &INK))
            .light_line_style(WHITE)
            .bold_line_style(STRIPE)
            .draw()?;
        for (row, (_, counselor, client)) in rows.iter().enumerate() {
            let y = 1 - row as i32;
            let Some(share) = pct(*counselor, *client) else {
                continue;
            };
            for (from, to, color, ink, who) in [
                (0.0, share, blue, WHITE, "Counsellor"),
                (share, 100.0, orange, BLACK, "Client"),
            ] {
                let mut bar = Rectangle::new(
                    [
                        (from, SegmentValue::Exact(y)),
                        (to, SegmentValue::Exact(y + 1)),
                    ],
                    color.filled(),
                );
                bar.set_margin(6, 6, 0, 0);
                chart.draw_series(std::iter::once(bar))?;
                // Label only segments wide enough to hold it; the caption has the rest.
                if to - from >= 14.0 {
                    chart.draw_series(std::iter::once(Text::new(
                        format!("{who} {:.0} %", to - from),
                        ((from + to) / 2.0, SegmentValue::CenterOf(y)),
                        text_style(15, &ink).pos(Pos::new(HPos::Center, VPos::Center)),
                    )))?;
                }
            }
        }
        Ok(())
    })?;
    let describe =
        |(label, counselor, client): &(&str, usize, usize)| match pct(*counselor, *client) {
            Some(p) => format!(
                "{}: counsellor {:.0} %, client {:.0} % ({counselor} and {client})",
                label,
                p,
                100.0 - p
            ),
            None => format!("{label}: none"),
        };
    let alt = format!(
        "Talk share. {}; {}.",
        describe(&rows[0]),
        describe(&rows[1])
    );
    Ok(Chart { svg, alt })
}

/// One figure across a series of sessions, with MITI bands shaded where the manual
/// sets thresholds. Sessions are numbered from 1 in the order given.
pub(crate) fn series(
    title: &'static str,
    values: &[Option<f64>],
    thresholds: Option<Thresholds>,
    floor_max: f64,
    show: fn(f64) -> String,
    axis: fn(f64) -> String,
) -> Result<Chart, RenderError> {
    let n = values.len().max(1) as i32;
    let top = values
        .iter()
        .flatten()
        .copied()
        .filter(|v| v.is_finite())
        .fold(floor_max, f64::max);
    let y_max = if top > floor_max {
        top * 1.1
    } else {
        floor_max
    };
    let x_label = |v: &SegmentValue<i32>| match v {
        SegmentValue::CenterOf(i) => format!("{}", i + 1),
        _ => String::new(),
    };
    let svg = svg("series", (460, 280), |root| {
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(root)
            .margin(10)
            .margin_right(20)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d((0..n - 1).into_segmented(), 0f64..y_max)?;
        if let Some(t) = thresholds {
            let full = |lo: f64, hi: f64, color: RGBColor| {
                Rectangle::new(
                    [(SegmentValue::Exact(0), lo), (SegmentValue::Last, hi)],
                    color.filled(),
                )
            };
            chart.draw_series([
                full(0.0, t.fair.min(y_max), TINT_BELOW),
                full(t.fair.min(y_max), t.good.min(y_max), TINT_FAIR),
                full(t.good.min(y_max), y_max, TINT_GOOD),
            ])?;
        }
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n as usize)
            .x_label_formatter(&x_label)
            .y_labels(6)
            .y_label_formatter(&|y| axis(*y))
            .label_style(text_style(15, &INK))
            .axis_desc_style(text_style(15, &INK))
            .x_desc("Session")
            .light_line_style(TRANSPARENT)
            .bold_line_style(palette::GRID_BOLD.plotters())
            .draw()?;
        if let Some(t) = thresholds {
            for (value, label) in [(t.fair, "fair"), (t.good, "good")] {
                if value < y_max {
                    chart.draw_series(std::iter::once(
                        EmptyElement::at((SegmentValue::Last, value))
                            + Text::new(
                                label,
                                (-4, -2),
                                text_style(14, &MUTED).pos(Pos::new(HPos::Right, VPos::Bottom)),
                            ),
                    ))?;
                }
            }
        }
        // Lines join consecutive sessions that both have a value; a gap stays a gap.
        let points: Vec<Option<(SegmentValue<i32>, f64)>> = values
            .iter()
            .enumerate()
            .map(|(i, v)| {
                v.filter(|v| v.is_finite())
                    .map(|v| (SegmentValue::CenterOf(i as i32), v))
            })
            .collect();
        for run in points.split(Option::is_none) {
            let run: Vec<_> = run.iter().flatten().cloned().collect();
            if run.len() > 1 {
                chart.draw_series(LineSeries::new(run, INK.stroke_width(2)))?;
            }
        }
        for point in points.iter().flatten() {
            chart.draw_series(std::iter::once(
                EmptyElement::at(point.clone())
                    + Circle::new((0, 0), 5, INK.filled())
                    + Text::new(
                        show(point.1),
                        (0, -9),
                        text_style(14, &INK).pos(Pos::new(HPos::Center, VPos::Bottom)),
                    ),
            ))?;
        }
        Ok(())
    })?;
    let listed = values
        .iter()
        .enumerate()
        .map(|(i, v)| format!("session {}: {}", i + 1, v.map_or("n/a".to_string(), show)))
        .collect::<Vec<_>>()
        .join(", ");
    let alt = format!("{title} across {} sessions: {listed}.", values.len());
    Ok(Chart { svg, alt })
}
