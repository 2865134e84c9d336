//! What the renderers say about a session, computed once: duration, speakers, the key
//! figures with their bands and meanings, the code of each utterance as a report shows
//! it. Text and HTML both read from here so they can never disagree.

use rapport_core::summary::Thresholds;
use rapport_core::{
    Band, Behaviour, CodedSession, CodedUtterance, QuestionType, ReflectionType, Speaker, Summary,
    Talk, UtteranceCode,
};
use serde::Serialize;

use crate::palette::{
    BLUE, GREEN, GREY, LIGHT_GREY, ORANGE, PURPLE, Rgb, SKY_BLUE, VERMILLION, YELLOW,
};

/// A code as reports show it: counsellor behaviours with their subtype folded in.
///
/// A question or reflection without a subtype keeps its own kind rather than being
/// guessed into open/closed or simple/complex.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CodeKind {
    OpenQuestion,
    ClosedQuestion,
    Question,
    SimpleReflection,
    ComplexReflection,
    Reflection,
    Input,
    Other,
    Change,
    Neutral,
    Sustain,
}

impl CodeKind {
    /// Counsellor kinds in report order (the listening profile's bars).
    pub(crate) const COUNSELOR: [CodeKind; 8] = [
        CodeKind::OpenQuestion,
        CodeKind::ClosedQuestion,
        CodeKind::Question,
        CodeKind::SimpleReflection,
        CodeKind::ComplexReflection,
        CodeKind::Reflection,
        CodeKind::Input,
        CodeKind::Other,
    ];
    /// Client kinds in report order.
    pub(crate) const CLIENT: [CodeKind; 3] =
        [CodeKind::Change, CodeKind::Neutral, CodeKind::Sustain];

    pub(crate) fn of(code: &UtteranceCode) -> CodeKind {
        match code {
            UtteranceCode::Counselor(c) => match c.behaviour {
                Behaviour::Question => match c.question_type {
                    Some(QuestionType::Open) => CodeKind::OpenQuestion,
                    Some(QuestionType::Closed) => CodeKind::ClosedQuestion,
                    None => CodeKind::Question,
                },
                Behaviour::Reflection => match c.reflection_type {
                    Some(ReflectionType::Simple) => CodeKind::SimpleReflection,
                    Some(ReflectionType::Complex) => CodeKind::ComplexReflection,
                    None => CodeKind::Reflection,
                },
                Behaviour::Input => CodeKind::Input,
                Behaviour::Other => CodeKind::Other,
            },
            UtteranceCode::Client { talk } => match talk {
                Talk::Change => CodeKind::Change,
                Talk::Neutral => CodeKind::Neutral,
                Talk::Sustain => CodeKind::Sustain,
            },
        }
    }

    /// Kinds without a subtype appear in charts only when a session has them.
    pub(crate) fn always_shown(self) -> bool {
        !matches!(self, CodeKind::Question | CodeKind::Reflection)
    }

    /// CSS class suffix and stable identifier.
    pub(crate) fn slug(self) -> &'static str {
        match self {
            CodeKind::OpenQuestion => "open-question",
            CodeKind::ClosedQuestion => "closed-question",
            CodeKind::Question => "question",
            CodeKind::SimpleReflection => "simple-reflection",
            CodeKind::ComplexReflection => "complex-reflection",
            CodeKind::Reflection => "reflection",
            CodeKind::Input => "input",
            CodeKind::Other => "other",
            CodeKind::Change => "change",
            CodeKind::Neutral => "neutral",
            CodeKind::Sustain => "sustain",
        }
    }

    pub(crate) fn label(self) -> &'static str {
        match self {
            CodeKind::OpenQuestion => "Open question",
            CodeKind::ClosedQuestion => "Closed question",
            CodeKind::Question => "Question",
            CodeKind::SimpleReflection => "Simple reflection",
            CodeKind::ComplexReflection => "Complex reflection",
            CodeKind::Reflection => "Reflection",
            CodeKind::Input => "Input",
            CodeKind::Other => "Other",
            CodeKind::Change => "Change talk",
            CodeKind::Neutral => "Neutral talk",
            CodeKind::Sustain => "Sustain talk",
        }
    }

    /// What the code means (AnnoMI's scheme, see `docs/domain.md`).
    pub(crate) fn meaning(self) -> &'static str {
        match self {
            CodeKind::OpenQuestion => {
                "Invites the client to tell their story in their own words (\"What brings you here?\")."
            }
            CodeKind::ClosedQuestion => "Invites a yes/no or a specific fact (\"Do you smoke?\").",
            CodeKind::Question => "A question the model did not mark as open or closed.",
            CodeKind::SimpleReflection => "Repeats or rephrases what the client said.",
            CodeKind::ComplexReflection => {
                "Adds meaning or emphasis: a guess at a feeling, a metaphor, a double-sided reflection."
            }
            CodeKind::Reflection => "A reflection the model did not mark as simple or complex.",
            CodeKind::Input => "Information, advice, negotiation or options.",
            CodeKind::Other => "Greetings, encouragers (\"mm-hmm\"), small talk and anything else.",
            CodeKind::Change => {
                "The client voices desire, ability, reasons, need or commitment to change."
            }
            CodeKind::Neutral => "The client speaks neither for nor against change.",
            CodeKind::Sustain => {
                "The client voices desire, ability, reasons, need or commitment to keep things as they are."
            }
        }
    }

    pub(crate) fn color(self) -> Rgb {
        match self {
            CodeKind::OpenQuestion => BLUE,
            CodeKind::ClosedQuestion => SKY_BLUE,
            CodeKind::Question => SKY_BLUE,
            CodeKind::SimpleReflection => YELLOW,
            CodeKind::ComplexReflection => ORANGE,
            CodeKind::Reflection => YELLOW,
            CodeKind::Input => PURPLE,
            CodeKind::Other => GREY,
            CodeKind::Change => GREEN,
            CodeKind::Neutral => LIGHT_GREY,
            CodeKind::Sustain => VERMILLION,
        }
    }

    pub(crate) fn is_counselor(self) -> bool {
        !matches!(
            self,
            CodeKind::Change | CodeKind::Neutral | CodeKind::Sustain
        )
    }

    /// How many utterances of this kind a summary counts.
    pub(crate) fn count(self, s: &Summary) -> usize {
        match self {
            CodeKind::OpenQuestion => s.open_questions,
            CodeKind::ClosedQuestion => s.closed_questions,
            CodeKind::Question => s
                .questions
                .saturating_sub(s.open_questions + s.closed_questions),
            CodeKind::SimpleReflection => s.simple_reflections,
            CodeKind::ComplexReflection => s.complex_reflections,
            CodeKind::Reflection => s
                .reflections
                .saturating_sub(s.simple_reflections + s.complex_reflections),
            CodeKind::Input => s.inputs,
            CodeKind::Other => s.other,
            CodeKind::Change => s.change_talk,
            CodeKind::Neutral => s.neutral_talk,
            CodeKind::Sustain => s.sustain_talk,
        }
    }
}

/// The kinds a chart of this session shows: every subtyped kind, plus the unsubtyped
/// ones only when the session has some.
pub(crate) fn shown_kinds(kinds: &[CodeKind], summary: &Summary) -> Vec<CodeKind> {
    kinds
        .iter()
        .copied()
        .filter(|k| k.always_shown() || k.count(summary) > 0)
        .collect()
}

/// A time in seconds that can be drawn and printed: finite and not negative.
fn usable(t: Option<f64>) -> Option<f64> {
    t.filter(|t| t.is_finite() && *t >= 0.0)
}

/// Where an utterance sits on the session's time line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Span {
    pub start: f64,
    pub end: f64,
}

/// Every utterance's span in seconds when the transcript times all of them, else `None`
/// (charts then count utterances instead). A missing end runs to the next start.
pub(crate) fn time_spans(utterances: &[CodedUtterance]) -> Option<Vec<Span>> {
    if utterances.is_empty() {
        return None;
    }
    let starts: Option<Vec<f64>> = utterances
        .iter()
        .map(|u| usable(u.utterance.start))
        .collect();
    let starts = starts?;
    let spans = utterances
        .iter()
        .enumerate()
        .map(|(i, u)| {
            let start = starts[i];
            let end = usable(u.utterance.end)
                .or_else(|| starts.get(i + 1).copied())
                .unwrap_or(start)
                .max(start);
            Span { start, end }
        })
        .collect();
    Some(spans)
}

/// The session's length: the latest end (or start) time any utterance has.
pub(crate) fn duration(utterances: &[CodedUtterance]) -> Option<f64> {
    utterances
        .iter()
        .flat_map(|u| [usable(u.utterance.end), usable(u.utterance.start)])
        .flatten()
        .fold(None, |max: Option<f64>, t| {
            Some(max.map_or(t, |m| m.max(t)))
        })
}

/// `1 h 02 min 05 s`, `6 min 12 s`, `45 s`.
pub(crate) fn format_duration(seconds: f64) -> String {
    let total = seconds.round() as u64;
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
    if h > 0 {
        format!("{h} h {m:02} min {s:02} s")
    } else if m > 0 {
        format!("{m} min {s:02} s")
    } else {
        format!("{s} s")
    }
}

/// A clock time for the transcript: `m:ss`, or `h:mm:ss` past an hour.
pub(crate) fn format_clock(seconds: f64) -> String {
    let total = seconds.max(0.0).floor() as u64;
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

/// The names each side goes by in the transcript, in order of first appearance; empty
/// when the transcript names nobody on that side.
pub(crate) fn speaker_names(utterances: &[CodedUtterance], speaker: Speaker) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for u in utterances.iter().filter(|u| u.utterance.speaker == speaker) {
        if let Some(name) = u.utterance.name.as_deref().map(str::trim)
            && !name.is_empty()
            && !names.iter().any(|n| n == name)
        {
            names.push(name.to_string());
        }
    }
    names
}

/// Words spoken by one side.
pub(crate) fn words_by(utterances: &[CodedUtterance], speaker: Speaker) -> usize {
    utterances
        .iter()
        .filter(|u| u.utterance.speaker == speaker)
        .map(|u| u.utterance.text.split_whitespace().count())
        .sum()
}

/// The scale a gauge draws and the marks on it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Scale {
    pub max: f64,
    /// MITI 4.2.1 fair/good thresholds, where the manual sets them.
    pub thresholds: Option<Thresholds>,
    /// A neutral mark that is not a threshold (50 %: as much of one as the other).
    pub reference: Option<(f64, &'static str)>,
    /// Suffix of the threshold values as printed (` %`).
    pub unit: &'static str,
    /// The label at the scale's right end.
    pub max_label: &'static str,
}

/// One key figure of a session with its band and what it means.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Figure {
    pub key: &'static str,
    pub name: &'static str,
    pub value: Option<f64>,
    /// The value as printed: `0.83`, `62.5 %`, or `n/a`.
    pub display: String,
    /// The figure's interval, where the model estimated one.
    pub interval: Option<[f64; 2]>,
    /// The interval as printed, in the value's unit: `0.60-1.10`, `40.0-62.5 %`.
    pub interval_display: Option<String>,
    /// The interval's level as printed: `80 %`.
    pub interval_level: Option<String>,
    /// `below_fair`, `fair`, `good`, `uncertain` (the interval spans bands), or `none`
    /// where MITI sets no threshold or the value could not be computed.
    pub band: &'static str,
    /// `below fair`, `fair`, `good`, `uncertain`, or empty.
    pub band_label: &'static str,
    /// `fair >= 1, good >= 2`, or `no MITI 4.2.1 threshold`.
    pub thresholds: String,
    pub meaning: &'static str,
    #[serde(skip)]
    pub scale: Scale,
}

fn band_label(band: Band) -> &'static str {
    match band {
        Band::BelowFair => "below fair",
        Band::Fair => "fair",
        Band::Good => "good",
        Band::Uncertain => "uncertain",
    }
}

struct FigureSpec {
    key: &'static str,
    name: &'static str,
    value: Option<f64>,
    scale: Scale,
    meaning: &'static str,
    missing: &'static str,
    /// Prints the value.
    show: fn(f64) -> String,
    /// Prints an interval's ends.
    show_range: fn([f64; 2]) -> String,
}

fn ratio(v: f64) -> String {
    format!("{v:.2}")
}

fn percent(v: f64) -> String {
    format!("{v:.1} %")
}

fn ratio_range([low, high]: [f64; 2]) -> String {
    format!("{low:.2}\u{2013}{high:.2}")
}

fn percent_range([low, high]: [f64; 2]) -> String {
    format!("{low:.1}\u{2013}{high:.1} %")
}

fn no_range(_: [f64; 2]) -> String {
    String::new()
}

fn share(v: f64) -> String {
    format!("{:.0} %", v * 100.0)
}

fn probability(v: f64) -> String {
    format!("{v:.2}")
}

/// The key figures of a summary, in report order. The MI quality score is listed only
/// once a model estimates it.
pub(crate) fn figures(summary: &Summary) -> Vec<Figure> {
    let mut specs = vec![
        FigureSpec {
            key: "reflection_to_question_ratio",
            name: "R:Q",
            value: summary.reflection_to_question_ratio,
            scale: Scale {
                max: 3.0,
                thresholds: Some(Thresholds::REFLECTION_TO_QUESTION),
                reference: None,
                unit: "",
                max_label: "3",
            },
            meaning: "Reflections per question: how much the counsellor listens back rather than asks.",
            missing: "Not computed: the counsellor asked no questions.",
            show: ratio,
            show_range: ratio_range,
        },
        FigureSpec {
            key: "percent_complex_reflections",
            name: "%CR",
            value: summary.percent_complex_reflections,
            scale: Scale {
                max: 100.0,
                thresholds: Some(Thresholds::PERCENT_COMPLEX_REFLECTIONS),
                reference: None,
                unit: " %",
                max_label: "100 %",
            },
            meaning: "Share of reflections that add meaning beyond the client's words.",
            missing: "Not computed: no reflection has a simple/complex code.",
            show: percent,
            show_range: percent_range,
        },
        FigureSpec {
            key: "percent_open_questions",
            name: "% open questions",
            value: summary.percent_open_questions,
            scale: Scale {
                max: 100.0,
                thresholds: None,
                reference: None,
                unit: " %",
                max_label: "100 %",
            },
            meaning: "Share of questions that invite the client's own story.",
            missing: "Not computed: no question has an open/closed code.",
            show: percent,
            show_range: percent_range,
        },
        FigureSpec {
            key: "change_talk_percent",
            name: "Change talk",
            value: summary.change_talk_percent,
            scale: Scale {
                max: 100.0,
                thresholds: None,
                reference: Some((50.0, "even")),
                unit: " %",
                max_label: "100 %",
            },
            meaning: "Change talk as a share of change and sustain talk; above 50 % the client argues more for change than against it.",
            missing: "Not computed: the client voiced neither change nor sustain talk.",
            show: percent,
            show_range: percent_range,
        },
        FigureSpec {
            key: "counselor_talk_share",
            name: "Counsellor talk share",
            value: summary.counselor_talk_share,
            scale: Scale {
                max: 1.0,
                thresholds: None,
                reference: Some((0.5, "even")),
                unit: "",
                max_label: "100 %",
            },
            meaning: "The counsellor's share of the words spoken; in MI the client usually does most of the talking.",
            missing: "Not computed: the transcript has no words.",
            show: share,
            show_range: no_range,
        },
    ];
    if let Some(score) = summary.mi_quality_score {
        specs.push(FigureSpec {
            key: "mi_quality_score",
            name: "MI quality score",
            value: Some(score),
            scale: Scale {
                max: 1.0,
                thresholds: None,
                reference: None,
                unit: "",
                max_label: "1",
            },
            meaning: "A model's estimate of the probability that the session shows high-quality MI; not a MITI score.",
            missing: "",
            show: probability,
            show_range: no_range,
        });
    }
    specs
        .into_iter()
        .map(|spec| figure(spec, summary))
        .collect()
}

fn figure(spec: FigureSpec, summary: &Summary) -> Figure {
    // A value that is not a finite number is reported as missing rather than drawn.
    let value = spec.value.filter(|v| v.is_finite());
    let band = value.and_then(|v| {
        let thresholds = spec.scale.thresholds?;
        // The summary's own band is authoritative; recompute only if it is absent.
        Some(
            summary
                .bands
                .iter()
                .find(|(metric, _)| metric.as_str() == spec.key)
                .map(|(_, band)| *band)
                .unwrap_or_else(|| thresholds.band(v)),
        )
    });
    let thresholds = match spec.scale.thresholds {
        Some(t) => format!(
            "fair \u{2265} {}{unit}, good \u{2265} {}{unit}",
            t.fair,
            t.good,
            unit = spec.scale.unit
        ),
        None => "no MITI 4.2.1 threshold".to_string(),
    };
    let interval = value.and_then(|_| {
        summary
            .intervals
            .iter()
            .find(|(metric, _)| metric.as_str() == spec.key)
            .and_then(|(_, interval)| *interval)
    });
    Figure {
        key: spec.key,
        name: spec.name,
        value,
        display: value.map_or_else(|| "n/a".to_string(), spec.show),
        interval,
        interval_display: interval.map(spec.show_range),
        interval_level: interval.and_then(|_| interval_level(summary)),
        band: band.map_or("none", Band::as_str),
        band_label: band.map_or("", band_label),
        thresholds,
        meaning: if value.is_some() {
            spec.meaning
        } else {
            spec.missing
        },
        scale: spec.scale,
    }
}

/// The level of a summary's intervals as printed (`80 %`), where it has any.
pub(crate) fn interval_level(summary: &Summary) -> Option<String> {
    summary
        .interval_level
        .filter(|_| !summary.intervals.is_empty())
        .map(|level| format!("{:.0} %", 100.0 * level))
}

/// Header facts of a session.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Header {
    pub id: String,
    pub source: String,
    /// `6 min 12 s`, or `None` without timings.
    pub duration: Option<String>,
    /// "Dr Lee" or "Counsellor" when unnamed.
    pub counselor: String,
    pub client: String,
    pub utterances: usize,
    pub counselor_utterances: usize,
    pub client_utterances: usize,
    pub uncertain: usize,
    pub uncertain_below: String,
}

pub(crate) fn header(session: &CodedSession) -> Header {
    let name = |speaker, role: &str| {
        let names = speaker_names(&session.utterances, speaker);
        if names.is_empty() {
            role.to_string()
        } else {
            names.join(", ")
        }
    };
    Header {
        id: session.id.clone(),
        source: session.source.clone(),
        duration: duration(&session.utterances).map(format_duration),
        counselor: name(Speaker::Counselor, "Counsellor"),
        client: name(Speaker::Client, "Client"),
        utterances: session.utterances.len(),
        counselor_utterances: session.summary.counselor_utterances,
        client_utterances: session.summary.client_utterances,
        uncertain: session
            .utterances
            .iter()
            .filter(|u| crate::is_uncertain(u.confidence))
            .count(),
        uncertain_below: format!("{:.2}", crate::UNCERTAIN_BELOW),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_clocks() {
        assert_eq!(format_duration(45.4), "45 s");
        assert_eq!(format_duration(372.0), "6 min 12 s");
        assert_eq!(format_duration(3725.0), "1 h 02 min 05 s");
        assert_eq!(format_clock(65.9), "1:05");
        assert_eq!(format_clock(3725.0), "1:02:05");
    }

    #[test]
    fn missing_figures_say_why() {
        let f = figures(&Summary::default());
        assert_eq!(f.len(), 5);
        assert!(f.iter().all(|f| f.display == "n/a" && f.band == "none"));
        assert!(f[0].meaning.contains("no questions"));
    }

    #[test]
    fn bands_follow_thresholds() {
        let summary = Summary {
            reflection_to_question_ratio: Some(1.0),
            percent_complex_reflections: Some(39.9),
            ..Summary::default()
        };
        let f = figures(&summary);
        assert_eq!((f[0].band, f[0].display.as_str()), ("fair", "1.00"));
        assert_eq!((f[1].band, f[1].display.as_str()), ("below_fair", "39.9 %"));
    }
}
