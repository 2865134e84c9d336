//! How sure a session's figures are. A session's MITI figures (R:Q, %CR, % open
//! questions, change talk %) are counted over its most probable codes
//! ([`most_probable_counts`], as reports show them); how far the figure an expert's codes
//! would give may lie from that count is estimated in two steps:
//!
//! 1. [`spreads`]: every utterance's code is drawn from its calibrated probabilities many
//!    times (seeded, so the same session always gets the same result), and the half-width
//!    of the central share of each figure's values is the session's spread: wide where
//!    many codes are in doubt or the figure rests on few utterances.
//! 2. An [`IntervalScale`], fitted by cross-validation, turns the spread into an interval
//!    around the count: the quantiles of the experts' figures' distance from the count,
//!    in spreads, over held-out sessions (a locally weighted split-conformal interval,
//!    Lei et al., 2018). Codes' errors within a session are not independent, so the
//!    spread alone covers too little; the scale corrects that as far as the held-out
//!    sessions show it.
//!
//! [`expected_counts`] (each code's probability summed) is the alternative point estimate
//! cross-validation measures beside the count.

use std::collections::BTreeMap;

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use rapport_core::{
    Behaviour, CounselorCode, FigureCounts, Metric, QuestionType, ReflectionType, Talk,
    UtteranceCode,
};
use serde::{Deserialize, Serialize};

use crate::coder::decide;
use crate::prediction::Prediction;

/// The level of the intervals reports show: 80% of sessions' expert figures are meant to
/// fall inside them.
pub const INTERVAL_LEVEL: f64 = 0.8;

/// Draws per session: enough for a spread (the scale fitted in cross-validation absorbs
/// its noise), few enough that `--fast` stays within a quarter of its speed without
/// intervals (2,000 draws doubled its whole run over the AnnoMI file).
const DRAWS: usize = 400;

/// The seed of every session's draws.
const SEED: u64 = 0x5EED_F16E;

/// Expected counts: each code's probability summed over the session's utterances.
pub fn expected_counts(predictions: &[Prediction]) -> FigureCounts {
    let mut counts = FigureCounts::default();
    for prediction in predictions {
        match prediction {
            Prediction::Counselor {
                behaviour,
                question_type,
                reflection_type,
            } => {
                let question = share(behaviour, &Behaviour::ALL, Behaviour::Question);
                let reflection = share(behaviour, &Behaviour::ALL, Behaviour::Reflection);
                let of_question = |t| share(question_type, &QuestionType::ALL, t);
                let of_reflection = |t| share(reflection_type, &ReflectionType::ALL, t);
                counts.questions += question;
                counts.open_questions += question * of_question(QuestionType::Open);
                counts.closed_questions += question * of_question(QuestionType::Closed);
                counts.reflections += reflection;
                counts.simple_reflections += reflection * of_reflection(ReflectionType::Simple);
                counts.complex_reflections += reflection * of_reflection(ReflectionType::Complex);
            }
            Prediction::Client { talk } => {
                counts.change_talk += share(talk, &Talk::ALL, Talk::Change);
                counts.sustain_talk += share(talk, &Talk::ALL, Talk::Sustain);
            }
        }
    }
    counts
}

/// Each figure's spread: the half-width of the central `level` share (0 < level < 1) of
/// its values over sessions drawn code by code from `predictions`, at least the figure's
/// [`spread_floor`]; `None` for a figure no draw could compute.
pub fn spreads(predictions: &[Prediction], level: f64) -> BTreeMap<Metric, Option<f64>> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(SEED);
    let mut values: BTreeMap<Metric, Vec<f64>> = Metric::ALL
        .iter()
        .map(|m| (*m, Vec::with_capacity(DRAWS)))
        .collect();
    // Each head's probabilities as running totals, ready to draw from.
    let drawable: Vec<Prediction> = predictions
        .iter()
        .map(|p| p.map(|_, probabilities| running_totals(probabilities)))
        .collect();
    for _ in 0..DRAWS {
        let counts = draw(&drawable, &mut rng);
        for (metric, drawn) in values.iter_mut() {
            if let Some(value) = counts.figure(*metric) {
                drawn.push(value);
            }
        }
    }
    let tail = (1.0 - level.clamp(0.0, 1.0)) / 2.0;
    values
        .into_iter()
        .map(|(metric, mut drawn)| {
            drawn.sort_by(f64::total_cmp);
            let spread = (!drawn.is_empty()).then(|| {
                let half = (quantile(&drawn, 1.0 - tail) - quantile(&drawn, tail)) / 2.0;
                half.max(spread_floor(metric))
            });
            (metric, spread)
        })
        .collect()
}

/// The least spread a figure is given, so that a session whose codes are all certain
/// still gets an interval: 0.1 on R:Q, 5 points on a percentage.
pub fn spread_floor(metric: Metric) -> f64 {
    match metric {
        Metric::ReflectionToQuestionRatio => 0.1,
        _ => 5.0,
    }
}

/// Turns a session's spread into an interval around its figure: the interval runs from
/// `figure + below x spread` to `figure + above x spread`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct IntervalScale {
    /// The lower quantile of `(expert's figure - figure) / spread` (usually negative).
    pub below: f64,
    /// The upper quantile of `(expert's figure - figure) / spread`.
    pub above: f64,
}

impl IntervalScale {
    /// The scale under which a share `level` of `(expert, figure, spread)` sessions have
    /// the expert's figure inside their interval, equal tails; `None` without sessions.
    pub fn fit(sessions: &[(f64, f64, f64)], level: f64) -> Option<IntervalScale> {
        let mut scaled: Vec<f64> = sessions
            .iter()
            .filter(|(_, _, spread)| *spread > 0.0)
            .map(|(expert, figure, spread)| (expert - figure) / spread)
            .collect();
        if scaled.is_empty() {
            return None;
        }
        scaled.sort_by(f64::total_cmp);
        let tail = (1.0 - level.clamp(0.0, 1.0)) / 2.0;
        // Conformal quantiles: the n-th smallest of n scores sits at rank ceil((n + 1) q).
        let n = scaled.len();
        let rank = |q: f64| (((n + 1) as f64 * q).ceil() as usize).clamp(1, n) - 1;
        Some(IntervalScale {
            below: scaled[n - 1 - rank(1.0 - tail)].min(0.0),
            above: scaled[rank(1.0 - tail)].max(0.0),
        })
    }

    /// The interval of a session's `figure` with `spread`, kept inside the figure's range
    /// (R:Q at least 0, percentages 0-100).
    pub fn interval(self, metric: Metric, figure: f64, spread: f64) -> [f64; 2] {
        let top = match metric {
            Metric::ReflectionToQuestionRatio => f64::INFINITY,
            _ => 100.0,
        };
        [
            (figure + self.below * spread).clamp(0.0, top),
            (figure + self.above * spread).clamp(0.0, top),
        ]
    }
}

/// The counts of a session's most probable codes, as [`Coder`](crate::Coder) chooses
/// them.
pub fn most_probable_counts(predictions: &[Prediction]) -> FigureCounts {
    let mut counts = FigureCounts::default();
    for prediction in predictions {
        counts.add(&decide(prediction).0);
    }
    counts
}

/// Running totals of probabilities that need not sum to exactly 1, scaled so the last
/// is 1.
fn running_totals(probabilities: &[f32]) -> Vec<f32> {
    let total: f32 = probabilities.iter().sum();
    let mut sum = 0.0;
    probabilities
        .iter()
        .map(|p| {
            sum += p;
            if total > 0.0 { sum / total } else { 1.0 }
        })
        .collect()
}

/// One session's counts with every utterance's code drawn from its probabilities, given
/// as [`running_totals`].
fn draw(utterances: &[Prediction], rng: &mut impl Rng) -> FigureCounts {
    let mut counts = FigureCounts::default();
    for utterance in utterances {
        let code = match utterance {
            Prediction::Counselor {
                behaviour,
                question_type,
                reflection_type,
            } => {
                let behaviour = Behaviour::ALL[sample(behaviour, rng)];
                UtteranceCode::Counselor(CounselorCode {
                    behaviour,
                    question_type: (behaviour == Behaviour::Question)
                        .then(|| QuestionType::ALL[sample(question_type, rng)]),
                    reflection_type: (behaviour == Behaviour::Reflection)
                        .then(|| ReflectionType::ALL[sample(reflection_type, rng)]),
                })
            }
            Prediction::Client { talk } => UtteranceCode::Client {
                talk: Talk::ALL[sample(talk, rng)],
            },
        };
        counts.add(&code);
    }
    counts
}

/// An index drawn from running totals that end at 1.
fn sample(running_totals: &[f32], rng: &mut impl Rng) -> usize {
    let u = rng.random::<f32>();
    running_totals
        .iter()
        .position(|total| u < *total)
        .unwrap_or(running_totals.len().saturating_sub(1))
}

/// The probability of `value` among `all`'s classes (0 where the head has no such
/// class).
fn share<T: PartialEq>(probabilities: &[f32], all: &[T], value: T) -> f64 {
    all.iter()
        .position(|v| *v == value)
        .and_then(|k| probabilities.get(k))
        .map_or(0.0, |p| f64::from(*p))
}

/// The `q` quantile of sorted values, interpolating between neighbours.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let position = q * (sorted.len() - 1) as f64;
    let (below, above) = (position.floor() as usize, position.ceil() as usize);
    let weight = position - below as f64;
    sorted[below] * (1.0 - weight) + sorted[above] * weight
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counselor(behaviour: [f32; 4], question: [f32; 2], reflection: [f32; 2]) -> Prediction {
        Prediction::Counselor {
            behaviour: behaviour.to_vec(),
            question_type: question.to_vec(),
            reflection_type: reflection.to_vec(),
        }
    }

    fn client(talk: [f32; 3]) -> Prediction {
        Prediction::Client {
            talk: talk.to_vec(),
        }
    }

    /// Behaviour order: question, reflection, input, other (`Behaviour::ALL`).
    fn session() -> Vec<Prediction> {
        vec![
            counselor([0.9, 0.1, 0.0, 0.0], [0.75, 0.25], [0.5, 0.5]),
            counselor([0.2, 0.8, 0.0, 0.0], [0.5, 0.5], [0.25, 0.75]),
            counselor([0.0, 0.0, 1.0, 0.0], [0.5, 0.5], [0.5, 0.5]),
            client([0.6, 0.3, 0.1]),
            client([0.0, 0.5, 0.5]),
        ]
    }

    #[test]
    fn expected_counts_sum_probabilities_by_hand() {
        assert_eq!(Behaviour::ALL[0], Behaviour::Question);
        assert_eq!(Talk::ALL, [Talk::Change, Talk::Neutral, Talk::Sustain]);
        let c = expected_counts(&session());
        let close = |a: f64, b: f64| (a - b).abs() < 1e-6;
        assert!(close(c.questions, 1.1), "{c:?}");
        assert!(close(c.open_questions, 0.9 * 0.75 + 0.2 * 0.5), "{c:?}");
        assert!(close(c.reflections, 0.9), "{c:?}");
        assert!(
            close(c.complex_reflections, 0.1 * 0.5 + 0.8 * 0.75),
            "{c:?}"
        );
        assert!(close(c.change_talk, 0.6), "{c:?}");
        assert!(close(c.sustain_talk, 0.6), "{c:?}");
        let rq = c.figure(Metric::ReflectionToQuestionRatio).unwrap();
        assert!(close(rq, 0.9 / 1.1));
    }

    #[test]
    fn certain_codes_get_the_floor_as_spread() {
        let sure = vec![
            counselor([1.0, 0.0, 0.0, 0.0], [1.0, 0.0], [0.5, 0.5]),
            counselor([1.0, 0.0, 0.0, 0.0], [0.0, 1.0], [0.5, 0.5]),
            counselor([0.0, 1.0, 0.0, 0.0], [0.5, 0.5], [0.0, 1.0]),
            client([1.0, 0.0, 0.0]),
        ];
        let found = spreads(&sure, 0.8);
        assert_eq!(found[&Metric::ReflectionToQuestionRatio], Some(0.1));
        assert_eq!(found[&Metric::PercentOpenQuestions], Some(5.0));
        assert_eq!(found[&Metric::ChangeTalkPercent], Some(5.0));
    }

    #[test]
    fn a_figure_no_draw_can_compute_has_no_spread() {
        let no_client = vec![counselor([1.0, 0.0, 0.0, 0.0], [1.0, 0.0], [0.5, 0.5])];
        let found = spreads(&no_client, 0.8);
        assert_eq!(found[&Metric::ChangeTalkPercent], None);
        assert_eq!(found[&Metric::PercentComplexReflections], None);
        assert_eq!(found[&Metric::PercentOpenQuestions], Some(5.0));
    }

    #[test]
    fn spreads_widen_with_doubt_and_with_the_level() {
        let doubtful: Vec<Prediction> = (0..40)
            .map(|_| counselor([0.5, 0.5, 0.0, 0.0], [0.6, 0.4], [0.5, 0.5]))
            .collect();
        let narrow = spreads(&doubtful, 0.5)[&Metric::PercentOpenQuestions].unwrap();
        let wide = spreads(&doubtful, 0.95)[&Metric::PercentOpenQuestions].unwrap();
        assert!(narrow < wide, "{narrow} {wide}");
        // About 20 questions, 60% open: the binomial's 95% half-width is roughly 21 points.
        assert!(wide > 14.0 && wide < 30.0, "{wide}");
        let surer: Vec<Prediction> = (0..40)
            .map(|_| counselor([0.5, 0.5, 0.0, 0.0], [0.95, 0.05], [0.5, 0.5]))
            .collect();
        let sure = spreads(&surer, 0.95)[&Metric::PercentOpenQuestions].unwrap();
        assert!(sure < wide, "{sure} {wide}");
    }

    #[test]
    fn the_same_session_gets_the_same_spread() {
        assert_eq!(spreads(&session(), 0.8), spreads(&session(), 0.8));
    }

    #[test]
    fn the_scale_covers_the_level_asked_for_and_keeps_the_figure_inside() {
        // Experts' figures 1..=9 spreads away from the count, all spreads 2.
        let sessions: Vec<(f64, f64, f64)> = (1..=9)
            .map(|k| (50.0 + 2.0 * f64::from(k) - 10.0, 50.0, 2.0))
            .collect();
        // Scores -4..=4; n = 9, 80%: ranks ceil(10 x 0.9) = 9 from either end.
        let scale = IntervalScale::fit(&sessions, 0.8).unwrap();
        assert_eq!(
            scale,
            IntervalScale {
                below: -4.0,
                above: 4.0
            }
        );
        let half = IntervalScale::fit(&sessions, 0.5).unwrap();
        assert_eq!(
            half,
            IntervalScale {
                below: -3.0,
                above: 3.0
            }
        );
        // All experts above the count: the interval still holds the count itself.
        let above: Vec<(f64, f64, f64)> =
            (1..=9).map(|k| (10.0 + f64::from(k), 10.0, 1.0)).collect();
        let scale = IntervalScale::fit(&above, 0.8).unwrap();
        assert_eq!(scale.below, 0.0);
        assert_eq!(
            scale.interval(Metric::PercentOpenQuestions, 10.0, 1.0)[0],
            10.0
        );
        assert_eq!(IntervalScale::fit(&[], 0.8), None);
    }

    #[test]
    fn intervals_stay_inside_the_figures_range() {
        let scale = IntervalScale {
            below: -3.0,
            above: 3.0,
        };
        assert_eq!(
            scale.interval(Metric::PercentComplexReflections, 95.0, 5.0),
            [80.0, 100.0]
        );
        let [low, high] = scale.interval(Metric::ReflectionToQuestionRatio, 0.2, 0.1);
        assert!(low == 0.0 && (high - 0.5).abs() < 1e-12, "{low} {high}");
        let [low, high] = scale.interval(Metric::ReflectionToQuestionRatio, 4.0, 1.0);
        assert!((low - 1.0).abs() < 1e-12 && (high - 7.0).abs() < 1e-12);
    }

    #[test]
    fn quantiles_interpolate_between_neighbours() {
        let sorted = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(quantile(&sorted, 0.0), 1.0);
        assert_eq!(quantile(&sorted, 0.5), 3.0);
        assert_eq!(quantile(&sorted, 0.1), 1.4);
        assert_eq!(quantile(&sorted, 1.0), 5.0);
    }
}
