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
}

impl Band {
    /// The band as written in JSON and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Band::BelowFair => "below_fair",
            Band::Fair => "fair",
            Band::Good => "good",
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
    /// MITI 4.2.1 band of each thresholded figure that could be computed.
    pub bands: BTreeMap<Metric, Band>,
    /// Probability that the session shows high-quality MI, where a model estimates it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mi_quality_score: Option<f64>,
}

impl Summary {
    /// Counts the codes of a session and derives its summary scores.
    pub fn from_utterances(utterances: &[CodedUtterance]) -> Summary {
        let mut s = Summary::default();
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
            match u.code {
                UtteranceCode::Counselor(c) => match c.behaviour {
                    Behaviour::Question => {
                        s.questions += 1;
                        match c.question_type {
                            Some(QuestionType::Open) => s.open_questions += 1,
                            Some(QuestionType::Closed) => s.closed_questions += 1,
                            None => {}
                        }
                    }
                    Behaviour::Reflection => {
                        s.reflections += 1;
                        match c.reflection_type {
                            Some(ReflectionType::Simple) => s.simple_reflections += 1,
                            Some(ReflectionType::Complex) => s.complex_reflections += 1,
                            None => {}
                        }
                    }
                    Behaviour::Input => s.inputs += 1,
                    Behaviour::Other => s.other += 1,
                },
                UtteranceCode::Client { talk } => match talk {
                    Talk::Change => s.change_talk += 1,
                    Talk::Neutral => s.neutral_talk += 1,
                    Talk::Sustain => s.sustain_talk += 1,
                },
            }
        }
        s.reflection_to_question_ratio = ratio(s.reflections, s.questions).map(|r| round(r, 2));
        s.percent_complex_reflections = ratio(
            s.complex_reflections,
            s.simple_reflections + s.complex_reflections,
        )
        .map(|r| round(100.0 * r, 1));
        s.percent_open_questions = ratio(s.open_questions, s.open_questions + s.closed_questions)
            .map(|r| round(100.0 * r, 1));
        s.change_talk_percent =
            ratio(s.change_talk, s.change_talk + s.sustain_talk).map(|r| round(100.0 * r, 1));
        s.counselor_talk_share =
            ratio(counselor_words, counselor_words + client_words).map(|r| round(r, 2));

        for metric in Metric::ALL {
            if let (Some(value), Some(thresholds)) = (metric.value(&s), metric.thresholds()) {
                s.bands.insert(metric, thresholds.band(value));
            }
        }
        s
    }
}

fn ratio(numerator: usize, denominator: usize) -> Option<f64> {
    (denominator > 0).then(|| numerator as f64 / denominator as f64)
}

fn round(value: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (value * scale).round() / scale
}
