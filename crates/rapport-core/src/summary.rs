//! Session counts and MITI 4.2.1 summary scores (Moyers et al.), with the manual's
//! fair/good thresholds.
//!
//! Only figures Rapport codes directly are reported: R:Q, %CR, % open questions,
//! change-talk percentage and the counsellor's share of words. MITI globals (empathy,
//! partnership, ...) are not estimated here.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::codes::{Behaviour, CodedUtterance, QuestionType, ReflectionType, Talk, UtteranceCode};
use crate::transcript::Speaker;

/// A figure's place against MITI 4.2.1's competency thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    /// Under the "fair" threshold.
    BelowFair,
    /// At or above "fair", under "good".
    Fair,
    /// At or above "good".
    Good,
    /// The figure's interval reaches into more than one band, so none is called.
    Uncertain,
}

impl Band {
    /// The band as written in JSON and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Band::BelowFair => "below_fair",
            Band::Fair => "fair",
            Band::Good => "good",
            Band::Uncertain => "uncertain",
        }
    }
}

/// A session figure that has its own key in the JSON summary (and in `bands`).
///
/// Declared in alphabetical order, so that maps keyed by it keep the key order the JSON
/// contract has always had.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Change / (change + sustain) talk, in percent.
    ChangeTalkPercent,
    /// %CR: complex / all reflections, in percent.
    PercentComplexReflections,
    /// Open / all questions, in percent.
    PercentOpenQuestions,
    /// R:Q: reflections per question.
    ReflectionToQuestionRatio,
}

impl Metric {
    /// Every figure, in the order reports show them.
    pub const ALL: [Metric; 4] = [
        Metric::ReflectionToQuestionRatio,
        Metric::PercentComplexReflections,
        Metric::PercentOpenQuestions,
        Metric::ChangeTalkPercent,
    ];

    /// The key as written in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Metric::ChangeTalkPercent => "change_talk_percent",
            Metric::PercentComplexReflections => "percent_complex_reflections",
            Metric::PercentOpenQuestions => "percent_open_questions",
            Metric::ReflectionToQuestionRatio => "reflection_to_question_ratio",
        }
    }

    /// MITI 4.2.1's thresholds for the figure, where the manual sets them.
    pub fn thresholds(self) -> Option<Thresholds> {
        match self {
            Metric::ReflectionToQuestionRatio => Some(Thresholds::REFLECTION_TO_QUESTION),
            Metric::PercentComplexReflections => Some(Thresholds::PERCENT_COMPLEX_REFLECTIONS),
            Metric::PercentOpenQuestions | Metric::ChangeTalkPercent => None,
        }
    }

    /// Rounds a value as the summary writes this figure: R:Q to 2 decimals, the
    /// percentages to 1.
    pub fn round(self, value: f64) -> f64 {
        match self {
            Metric::ReflectionToQuestionRatio => round(value, 2),
            _ => round(value, 1),
        }
    }

    /// The figure's value in a summary (`None` where its denominator is zero).
    pub fn value(self, summary: &Summary) -> Option<f64> {
        match self {
            Metric::ChangeTalkPercent => summary.change_talk_percent,
            Metric::PercentComplexReflections => summary.percent_complex_reflections,
            Metric::PercentOpenQuestions => summary.percent_open_questions,
            Metric::ReflectionToQuestionRatio => summary.reflection_to_question_ratio,
        }
    }
}

/// A MITI 4.2.1 threshold pair ("expert opinion" in the manual).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// The lowest value that counts as fair.
    pub fair: f64,
    /// The lowest value that counts as good.
    pub good: f64,
}

impl Thresholds {
    /// Reflection-to-question ratio: fair 1:1, good 2:1.
    pub const REFLECTION_TO_QUESTION: Thresholds = Thresholds {
        fair: 1.0,
        good: 2.0,
    };
    /// Percent complex reflections: fair 40 %, good 50 %.
    pub const PERCENT_COMPLEX_REFLECTIONS: Thresholds = Thresholds {
        fair: 40.0,
        good: 50.0,
    };

    /// The band a value falls in.
    pub fn band(self, value: f64) -> Band {
        if value >= self.good {
            Band::Good
        } else if value >= self.fair {
            Band::Fair
        } else {
            Band::BelowFair
        }
    }
}

/// A session's codes counted, the four figures' source: counts of codes, or expected
/// counts (fractional) where they are summed over the codes' probabilities.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct FigureCounts {
    /// Questions, open and closed (and any without a type).
    pub questions: f64,
    /// Open questions.
    pub open_questions: f64,
    /// Closed questions.
    pub closed_questions: f64,
    /// Reflections, simple and complex (and any without a type).
    pub reflections: f64,
    /// Simple reflections.
    pub simple_reflections: f64,
    /// Complex reflections.
    pub complex_reflections: f64,
    /// Information, advice, negotiation and options.
    pub inputs: f64,
    /// Other counsellor utterances.
    pub other: f64,
    /// Client change talk.
    pub change_talk: f64,
    /// Client neutral talk.
    pub neutral_talk: f64,
    /// Client sustain talk.
    pub sustain_talk: f64,
}

impl FigureCounts {
    /// Counts one utterance's code.
    pub fn add(&mut self, code: &UtteranceCode) {
        match code {
            UtteranceCode::Counselor(c) => match c.behaviour {
                Behaviour::Question => {
                    self.questions += 1.0;
                    match c.question_type {
                        Some(QuestionType::Open) => self.open_questions += 1.0,
                        Some(QuestionType::Closed) => self.closed_questions += 1.0,
                        None => {}
                    }
                }
                Behaviour::Reflection => {
                    self.reflections += 1.0;
                    match c.reflection_type {
                        Some(ReflectionType::Simple) => self.simple_reflections += 1.0,
                        Some(ReflectionType::Complex) => self.complex_reflections += 1.0,
                        None => {}
                    }
                }
                Behaviour::Input => self.inputs += 1.0,
                Behaviour::Other => self.other += 1.0,
            },
            UtteranceCode::Client { talk } => match talk {
                Talk::Change => self.change_talk += 1.0,
                Talk::Neutral => self.neutral_talk += 1.0,
                Talk::Sustain => self.sustain_talk += 1.0,
            },
        }
    }

    /// A figure, unrounded (`None` where its denominator is zero).
    pub fn figure(&self, metric: Metric) -> Option<f64> {
        let ratio =
            |numerator: f64, denominator: f64| (denominator > 0.0).then(|| numerator / denominator);
        match metric {
            Metric::ReflectionToQuestionRatio => ratio(self.reflections, self.questions),
            Metric::PercentComplexReflections => ratio(
                self.complex_reflections,
                self.simple_reflections + self.complex_reflections,
            )
            .map(|r| 100.0 * r),
            Metric::PercentOpenQuestions => ratio(
                self.open_questions,
                self.open_questions + self.closed_questions,
            )
            .map(|r| 100.0 * r),
            Metric::ChangeTalkPercent => {
                ratio(self.change_talk, self.change_talk + self.sustain_talk).map(|r| 100.0 * r)
            }
        }
    }
}

/// Counts and summary scores of a coded session.
///
/// Ratios and percentages are `None` (JSON `null`) where their denominator is zero.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Summary {
    /// Counsellor utterances.
    pub counselor_utterances: usize,
    /// Client utterances.
    pub client_utterances: usize,
    /// Questions, open and closed.
    pub questions: usize,
    /// Open questions.
    pub open_questions: usize,
    /// Closed questions.
    pub closed_questions: usize,
    /// Reflections, simple and complex.
    pub reflections: usize,
    /// Simple reflections.
    pub simple_reflections: usize,
    /// Complex reflections.
    pub complex_reflections: usize,
    /// Information, advice, negotiation and options.
    pub inputs: usize,
    /// Other counsellor utterances.
    pub other: usize,
    /// Client change talk.
    pub change_talk: usize,
    /// Client neutral talk.
    pub neutral_talk: usize,
    /// Client sustain talk.
    pub sustain_talk: usize,
    /// R:Q = reflections / questions, to 2 decimals.
    pub reflection_to_question_ratio: Option<f64>,
    /// %CR = complex / (simple + complex) reflections x 100, to 1 decimal.
    pub percent_complex_reflections: Option<f64>,
    /// Open / all questions x 100, to 1 decimal.
    pub percent_open_questions: Option<f64>,
    /// Change / (change + sustain) talk x 100, to 1 decimal.
    pub change_talk_percent: Option<f64>,
    /// The counsellor's share of all words spoken, 0..1, to 2 decimals.
    pub counselor_talk_share: Option<f64>,
    /// MITI 4.2.1 band of each thresholded figure that could be computed; `uncertain`
    /// where the figure's interval reaches into more than one band.
    pub bands: BTreeMap<Metric, Band>,
    /// The probability each of `intervals` is meant to hold the figure an expert's codes
    /// would give (0.8), where a model estimated them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval_level: Option<f64>,
    /// Each figure's interval `[low, high]` (`null` where the figure is), where a model
    /// estimated them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub intervals: BTreeMap<Metric, Option<[f64; 2]>>,
    /// Probability that the session shows high-quality MI, where a model estimates it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mi_quality_score: Option<f64>,
}

impl Summary {
    /// Counts the codes of a session and derives its summary scores.
    pub fn from_utterances(utterances: &[CodedUtterance]) -> Summary {
        let mut s = Summary::default();
        let mut counts = FigureCounts::default();
        let (mut counselor_words, mut client_words) = (0usize, 0usize);
        for u in utterances {
            let words = u.utterance.text.split_whitespace().count();
            match u.utterance.speaker {
                Speaker::Counselor => {
                    s.counselor_utterances += 1;
                    counselor_words += words;
                }
                Speaker::Client => {
                    s.client_utterances += 1;
                    client_words += words;
                }
            }
            counts.add(&u.code);
        }
        // Whole counts, summed from ones.
        let whole = |count: f64| count as usize;
        s.questions = whole(counts.questions);
        s.open_questions = whole(counts.open_questions);
        s.closed_questions = whole(counts.closed_questions);
        s.reflections = whole(counts.reflections);
        s.simple_reflections = whole(counts.simple_reflections);
        s.complex_reflections = whole(counts.complex_reflections);
        s.inputs = whole(counts.inputs);
        s.other = whole(counts.other);
        s.change_talk = whole(counts.change_talk);
        s.neutral_talk = whole(counts.neutral_talk);
        s.sustain_talk = whole(counts.sustain_talk);
        s.reflection_to_question_ratio = figure(&counts, Metric::ReflectionToQuestionRatio);
        s.percent_complex_reflections = figure(&counts, Metric::PercentComplexReflections);
        s.percent_open_questions = figure(&counts, Metric::PercentOpenQuestions);
        s.change_talk_percent = figure(&counts, Metric::ChangeTalkPercent);
        s.counselor_talk_share =
            ratio(counselor_words, counselor_words + client_words).map(|r| round(r, 2));

        for metric in Metric::ALL {
            if let (Some(value), Some(thresholds)) = (metric.value(&s), metric.thresholds()) {
                s.bands.insert(metric, thresholds.band(value));
            }
        }
        s
    }

    /// The counts the figures are computed from.
    pub fn figure_counts(&self) -> FigureCounts {
        FigureCounts {
            questions: self.questions as f64,
            open_questions: self.open_questions as f64,
            closed_questions: self.closed_questions as f64,
            reflections: self.reflections as f64,
            simple_reflections: self.simple_reflections as f64,
            complex_reflections: self.complex_reflections as f64,
            inputs: self.inputs as f64,
            other: self.other as f64,
            change_talk: self.change_talk as f64,
            neutral_talk: self.neutral_talk as f64,
            sustain_talk: self.sustain_talk as f64,
        }
    }

    /// Attaches each figure's interval at `level` (rounded as the figure is) and calls a
    /// thresholded figure's band only where its whole interval sits inside one band
    /// ([`Band::Uncertain`] otherwise). A figure without an interval keeps its band.
    pub fn attach_intervals(&mut self, level: f64, intervals: BTreeMap<Metric, Option<[f64; 2]>>) {
        self.interval_level = Some(level);
        self.intervals = intervals
            .into_iter()
            .map(|(metric, interval)| {
                let rounded = interval.map(|[low, high]| [metric.round(low), metric.round(high)]);
                (metric, rounded)
            })
            .collect();
        for (metric, interval) in &self.intervals {
            let (Some([low, high]), Some(thresholds), Some(_)) =
                (interval, metric.thresholds(), metric.value(self))
            else {
                continue;
            };
            let (from, to) = (thresholds.band(*low), thresholds.band(*high));
            let band = if from == to { from } else { Band::Uncertain };
            self.bands.insert(*metric, band);
        }
    }
}

fn figure(counts: &FigureCounts, metric: Metric) -> Option<f64> {
    counts.figure(metric).map(|v| metric.round(v))
}

fn ratio(numerator: usize, denominator: usize) -> Option<f64> {
    (denominator > 0).then(|| numerator as f64 / denominator as f64)
}

fn round(value: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (value * scale).round() / scale
}
