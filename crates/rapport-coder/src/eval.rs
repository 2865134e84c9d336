//! Grouped k-fold cross-validation: every session of one group (one video) sits in the
//! same fold ([`folds`](crate::folds)), so no conversation is split between training
//! and test; the held-out codes of every fold are pooled and scored.

use std::collections::BTreeMap;
use std::fmt;

use rapport_core::{Behaviour, FigureCounts, Metric, QuestionType, ReflectionType, Talk};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::corpus::{Corpus, Label, LabelledSession};
pub use crate::figures::{
    CopyFigures, EvalSummary, QualityFigures, SessionFigureAgreement, TaskFigures,
};
use crate::folds::FoldError;
pub use crate::folds::assign_folds;
use crate::linear::{fit_temperature, rescale};
use crate::metrics::{Confusion, auc, expected_calibration_error, icc_agreement};
use crate::model::{Model, Prediction, TrainError, TrainOptions, argmax, turns_of};
use crate::task::Task;
use crate::uncertainty::{self, INTERVAL_LEVEL, IntervalScale};

/// Cross-validation could not run.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// The sessions cannot be split into the folds asked for.
    #[error(transparent)]
    Folds(#[from] FoldError),
    /// A fold's model could not be trained.
    #[error(transparent)]
    Train(#[from] TrainError),
}

/// Agreement on one coding task, over all test folds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskResult {
    /// The task.
    pub task: Task,
    /// Which utterances it covers.
    pub scope: String,
    /// Expert against predicted codes.
    pub confusion: Confusion,
    /// Expected calibration error of the calibrated confidence (10 bins).
    pub calibration_error: f64,
    /// The calibration temperature fitted on every fold's held-out codes.
    pub temperature: f32,
}

/// What the held-out sessions of every fold showed, on one copy of the data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeldOut {
    /// Counsellor behaviour, question type, reflection type, client talk.
    pub tasks: Vec<TaskResult>,
    /// Session quality, where the model scores it and the data rate it.
    pub mi_quality: Option<QualityFigures>,
    /// Agreement of each session figure with the experts', and its intervals' coverage.
    pub session_figures: Vec<SessionFigureAgreement>,
}

/// The full result of a cross-validation run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalReport {
    /// Number of folds.
    pub folds: usize,
    /// The column that grouped sessions.
    pub group_by: String,
    /// Distinct groups.
    pub groups: usize,
    /// Sessions.
    pub sessions: usize,
    /// The held-out sessions as written (its fields sit at the top level in JSON, where
    /// they always have).
    #[serde(flatten)]
    pub original: HeldOut,
    /// The same held-out sessions lower-cased and without punctuation, as speech-to-text
    /// writes them, coded by the same fold models, where asked for.
    pub machine_like: Option<HeldOut>,
}

impl EvalReport {
    /// The headline figures.
    pub fn summary(&self) -> EvalSummary {
        EvalSummary {
            folds: self.folds,
            group_by: self.group_by.clone(),
            groups: self.groups,
            sessions: self.sessions,
            tasks: task_figures(&self.original.tasks),
            mi_quality: self.original.mi_quality.clone(),
            session_figures: self.original.session_figures.clone(),
            machine_like: self.machine_like.as_ref().map(|copy| CopyFigures {
                tasks: task_figures(&copy.tasks),
                mi_quality: copy.mi_quality.clone(),
                session_figures: copy.session_figures.clone(),
            }),
        }
    }
}

/// The headline figures of each task.
pub fn task_figures(tasks: &[TaskResult]) -> Vec<TaskFigures> {
    tasks
        .iter()
        .map(|t| TaskFigures {
            task: t.task,
            utterances: t.confusion.total(),
            macro_f1: t.confusion.macro_f1(),
            per_class_f1: t
                .confusion
                .labels
                .iter()
                .enumerate()
                .map(|(k, l)| (l.clone(), t.confusion.f1(k)))
                .collect(),
            kappa: t.confusion.kappa(),
            accuracy: t.confusion.accuracy(),
            calibration_error: t.calibration_error,
            temperature: t.temperature,
        })
        .collect()
}

/// One held-out session: its expert codes and the fold model's predictions.
struct CodedFold {
    /// `(expert code, prediction)` of every held-out utterance.
    pairs: Vec<(Label, Prediction)>,
    /// `(quality score, rated high)` of every held-out session the data rate.
    quality: Vec<(f32, bool)>,
    /// Each held-out session's expert counts and predictions.
    sessions: Vec<(FigureCounts, Vec<Prediction>)>,
}

/// Cross-validates: trains on all folds but one, codes the held-out fold, and pools
/// the held-out codes of every fold. Where `machine_like` is given (the same sessions,
/// in the same order, as [`Corpus::machine_like`] writes them, with their own
/// embeddings where the model reads any), each fold model also codes that copy of its
/// held-out sessions. `on_fold` is called as each fold finishes.
pub fn cross_validate(
    corpus: &Corpus,
    machine_like: Option<&Corpus>,
    folds: usize,
    group_by: &str,
    options: &TrainOptions,
    on_fold: &(dyn Fn() + Sync),
) -> Result<EvalReport, EvalError> {
    let fold_of = assign_folds(&corpus.sessions, folds)?;
    let per_fold: Vec<(CodedFold, Option<CodedFold>)> = (0..folds)
        .into_par_iter()
        .map(|fold| {
            let train: Vec<&LabelledSession> = corpus
                .sessions
                .iter()
                .zip(&fold_of)
                .filter(|(_, f)| **f != fold)
                .map(|(s, _)| s)
                .collect();
            let model = Model::train_on(&train, options)?;
            let held_out = |sessions: &[LabelledSession]| -> Result<CodedFold, EvalError> {
                let mut coded = CodedFold {
                    pairs: Vec::new(),
                    quality: Vec::new(),
                    sessions: Vec::new(),
                };
                for (session, _) in sessions.iter().zip(&fold_of).filter(|(_, f)| **f == fold) {
                    let predicted = model
                        .predict_session(&turns_of(session))
                        .map_err(TrainError::from)?;
                    if let (Some(score), Some(high)) = (predicted.mi_quality, session.high_quality)
                    {
                        coded.quality.push((score, high));
                    }
                    coded
                        .sessions
                        .push((expert_counts(session), predicted.utterances.clone()));
                    for (u, p) in session.utterances.iter().zip(predicted.utterances) {
                        coded.pairs.push((u.label, p));
                    }
                }
                Ok(coded)
            };
            let original = held_out(&corpus.sessions)?;
            let copy = machine_like.map(|c| held_out(&c.sessions)).transpose()?;
            on_fold();
            Ok((original, copy))
        })
        .collect::<Result<_, EvalError>>()?;

    let (original, copies): (Vec<CodedFold>, Vec<Option<CodedFold>>) = per_fold.into_iter().unzip();
    let scorers = Scorers::of(&original, folds);
    // The copy is calibrated as the original: a model cannot tell which it was given.
    let temperatures = scorers.fold_temperatures();
    let machine_like = copies
        .into_iter()
        .collect::<Option<Vec<CodedFold>>>()
        .map(|copies| Scorers::of(&copies, folds).finish(&copies, &temperatures));
    let groups = corpus
        .sessions
        .iter()
        .map(|s| s.group.as_str())
        .collect::<std::collections::HashSet<_>>()
        .len();
    Ok(EvalReport {
        folds,
        group_by: group_by.to_string(),
        groups,
        sessions: corpus.sessions.len(),
        original: scorers.finish(&original, &temperatures),
        machine_like,
    })
}

/// The counts of a session's expert codes.
fn expert_counts(session: &LabelledSession) -> FigureCounts {
    let mut counts = FigureCounts::default();
    for u in &session.utterances {
        counts.add(&u.label.code());
    }
    counts
}

/// The four heads' held-out probabilities.
struct Scorers {
    behaviour: Scorer,
    question: Scorer,
    reflection: Scorer,
    talk: Scorer,
}

/// Each task's calibration temperature for each fold, fitted on the other folds.
struct FoldTemperatures {
    behaviour: Vec<f32>,
    question: Vec<f32>,
    reflection: Vec<f32>,
    talk: Vec<f32>,
}

impl FoldTemperatures {
    /// A prediction of fold `fold` calibrated as that fold's codes are scored.
    fn calibrate(&self, fold: usize, prediction: &Prediction) -> Prediction {
        prediction.map(|task, p| {
            let temperatures = match task {
                Task::CounselorBehaviour => &self.behaviour,
                Task::QuestionType => &self.question,
                Task::ReflectionType => &self.reflection,
                Task::ClientTalk => &self.talk,
            };
            rescale(p, temperatures[fold])
        })
    }
}

impl Scorers {
    fn of(coded: &[CodedFold], folds: usize) -> Scorers {
        let names = |all: &[&'static str]| all.to_vec();
        let mut s = Scorers {
            behaviour: Scorer::new(names(&Behaviour::ALL.map(Behaviour::as_str)), folds),
            question: Scorer::new(names(&QuestionType::ALL.map(QuestionType::as_str)), folds),
            reflection: Scorer::new(
                names(&ReflectionType::ALL.map(ReflectionType::as_str)),
                folds,
            ),
            talk: Scorer::new(names(&Talk::ALL.map(Talk::as_str)), folds),
        };
        for (fold, coded) in coded.iter().enumerate() {
            for (label, prediction) in &coded.pairs {
                match (label, prediction) {
                    (
                        Label::Counselor {
                            behaviour: b,
                            question_type,
                            reflection_type,
                        },
                        Prediction::Counselor {
                            behaviour: pb,
                            question_type: pq,
                            reflection_type: pr,
                        },
                    ) => {
                        s.behaviour.add(fold, index_of(&Behaviour::ALL, *b), pb);
                        if let (Behaviour::Question, Some(q)) = (b, question_type) {
                            s.question.add(fold, index_of(&QuestionType::ALL, *q), pq);
                        }
                        if let (Behaviour::Reflection, Some(r)) = (b, reflection_type) {
                            s.reflection
                                .add(fold, index_of(&ReflectionType::ALL, *r), pr);
                        }
                    }
                    (Label::Client { talk: t }, Prediction::Client { talk: pt }) => {
                        s.talk.add(fold, index_of(&Talk::ALL, *t), pt);
                    }
                    _ => {}
                }
            }
        }
        s
    }

    fn fold_temperatures(&self) -> FoldTemperatures {
        FoldTemperatures {
            behaviour: self.behaviour.fold_temperatures(),
            question: self.question.fold_temperatures(),
            reflection: self.reflection.fold_temperatures(),
            talk: self.talk.fold_temperatures(),
        }
    }

    /// Scores the codes, the quality scores and the session figures of `coded` (the
    /// folds these scorers were filled from), calibrated by `temperatures`.
    fn finish(self, coded: &[CodedFold], temperatures: &FoldTemperatures) -> HeldOut {
        let scored: Vec<(f32, bool)> = coded.iter().flat_map(|c| c.quality.clone()).collect();
        let scores: Vec<f32> = scored.iter().map(|(s, _)| *s).collect();
        let high: Vec<bool> = scored.iter().map(|(_, h)| *h).collect();
        let mi_quality = auc(&scores, &high).map(|auc| QualityFigures {
            sessions: scored.len(),
            low: high.iter().filter(|h| !**h).count(),
            auc,
        });
        let sessions: Vec<HeldOutSession> = coded
            .iter()
            .enumerate()
            .flat_map(|(fold, c)| {
                c.sessions.iter().map(move |(expert, predictions)| {
                    let calibrated: Vec<Prediction> = predictions
                        .iter()
                        .map(|p| temperatures.calibrate(fold, p))
                        .collect();
                    (fold, *expert, calibrated)
                })
            })
            .collect();
        HeldOut {
            tasks: vec![
                self.behaviour
                    .finish(Task::CounselorBehaviour, &temperatures.behaviour),
                self.question
                    .finish(Task::QuestionType, &temperatures.question),
                self.reflection
                    .finish(Task::ReflectionType, &temperatures.reflection),
                self.talk.finish(Task::ClientTalk, &temperatures.talk),
            ],
            mi_quality,
            session_figures: session_agreement(&sessions, temperatures.behaviour.len()),
        }
    }
}

/// A held-out session: its fold, its expert counts, its calibrated predictions.
type HeldOutSession = (usize, FigureCounts, Vec<Prediction>);

/// Each figure's agreement with the experts' over the held-out sessions, counted from
/// the most probable codes (as reports count them) and from expected counts; and how
/// often the expert's figure falls inside the interval at [`INTERVAL_LEVEL`], each
/// fold's intervals scaled by the other folds' sessions (cross-fitting), so no session
/// sets its own interval.
fn session_agreement(sessions: &[HeldOutSession], folds: usize) -> Vec<SessionFigureAgreement> {
    type Estimates = (
        usize,
        FigureCounts,
        FigureCounts,
        FigureCounts,
        BTreeMap<Metric, Option<f64>>,
    );
    let estimated: Vec<Estimates> = sessions
        .par_iter()
        .map(|(fold, expert, predictions)| {
            (
                *fold,
                *expert,
                uncertainty::most_probable_counts(predictions),
                uncertainty::expected_counts(predictions),
                uncertainty::spreads(predictions, INTERVAL_LEVEL),
            )
        })
        .collect();
    Metric::ALL
        .iter()
        .map(|&metric| {
            let (mut from_codes, mut from_expectation) = (Vec::new(), Vec::new());
            // (fold, expert, figure, spread) of every session with all three.
            let mut scored: Vec<(usize, f64, f64, f64)> = Vec::new();
            for (fold, expert, codes, expected, spreads) in &estimated {
                let Some(truth) = expert.figure(metric) else {
                    continue;
                };
                if let Some(value) = codes.figure(metric) {
                    from_codes.push((truth, value));
                    if let Some(Some(spread)) = spreads.get(&metric) {
                        scored.push((*fold, truth, value, *spread));
                    }
                }
                if let Some(value) = expected.figure(metric) {
                    from_expectation.push((truth, value));
                }
            }
            let fit = |keep: &dyn Fn(usize) -> bool| {
                let calibration: Vec<(f64, f64, f64)> = scored
                    .iter()
                    .filter(|s| keep(s.0))
                    .map(|&(_, truth, value, spread)| (truth, value, spread))
                    .collect();
                IntervalScale::fit(&calibration, INTERVAL_LEVEL)
            };
            let recalibrated = recalibrate(&scored, folds, metric);
            let (mut inside, mut widths) = (0usize, Vec::new());
            for fold in 0..folds {
                let Some(scale) = fit(&|f| f != fold) else {
                    continue;
                };
                for &(_, truth, value, spread) in scored.iter().filter(|s| s.0 == fold) {
                    let [low, high] = scale
                        .interval(metric, value, spread)
                        .map(|end| metric.round(end));
                    let truth = metric.round(truth);
                    inside += usize::from(low <= truth && truth <= high);
                    widths.push(high - low);
                }
            }
            SessionFigureAgreement {
                metric,
                sessions: from_codes.len(),
                icc_counted: icc_agreement(&from_codes),
                icc_expected: icc_agreement(&from_expectation),
                icc_recalibrated: icc_agreement(&recalibrated),
                interval_level: INTERVAL_LEVEL,
                coverage: (!widths.is_empty()).then(|| inside as f64 / widths.len() as f64),
                mean_interval_width: (!widths.is_empty())
                    .then(|| widths.iter().sum::<f64>() / widths.len() as f64),
                interval_scale: fit(&|_| true),
            }
        })
        .collect()
}

/// A session-level model of a figure: the counted figure mapped linearly onto the
/// experts' scale (`truth = a + b * figure`, least squares), each fold's sessions mapped
/// by the line fitted on the other folds (cross-fitting), clamped to the figure's range.
/// `(truth, recalibrated)` of every session of `scored` (`(fold, truth, figure, _)`).
fn recalibrate(scored: &[(usize, f64, f64, f64)], folds: usize, metric: Metric) -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    for fold in 0..folds {
        let train: Vec<(f64, f64)> = scored
            .iter()
            .filter(|s| s.0 != fold)
            .map(|s| (s.2, s.1))
            .collect();
        let Some((a, b)) = least_squares(&train) else {
            continue;
        };
        for &(_, truth, value, _) in scored.iter().filter(|s| s.0 == fold) {
            let mapped = (a + b * value).max(0.0);
            let mapped = if metric == Metric::ReflectionToQuestionRatio {
                mapped
            } else {
                mapped.min(100.0)
            };
            out.push((truth, mapped));
        }
    }
    out
}

/// The least-squares line `y = a + b x` through `(x, y)` points; `None` below three
/// points or where every x is the same.
fn least_squares(points: &[(f64, f64)]) -> Option<(f64, f64)> {
    if points.len() < 3 {
        return None;
    }
    let n = points.len() as f64;
    let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    (sxx > 0.0).then(|| {
        let b = sxy / sxx;
        (my - b * mx, b)
    })
}

/// Held-out probabilities of one head, fold by fold, scored after calibration.
struct Scorer {
    labels: Vec<&'static str>,
    /// `(probabilities, expert class)` of each held-out utterance, per fold.
    folds: Vec<Vec<(Vec<f32>, usize)>>,
}

impl Scorer {
    fn new(labels: Vec<&'static str>, folds: usize) -> Scorer {
        Scorer {
            labels,
            folds: vec![Vec::new(); folds],
        }
    }

    fn add(&mut self, fold: usize, truth: usize, probabilities: &[f32]) {
        self.folds[fold].push((probabilities.to_vec(), truth));
    }

    /// Each fold's temperature, fitted on the other folds' held-out codes
    /// (cross-fitting), so no utterance calibrates its own confidence.
    fn fold_temperatures(&self) -> Vec<f32> {
        (0..self.folds.len())
            .map(|f| {
                let others: Vec<&(Vec<f32>, usize)> = self
                    .folds
                    .iter()
                    .enumerate()
                    .filter(|(g, _)| *g != f)
                    .flat_map(|(_, examples)| examples)
                    .collect();
                fit_temperature(&others)
            })
            .collect()
    }

    /// Scores the held-out codes, each fold's confidences calibrated with its
    /// temperature; the temperature fitted on all folds is the one a model trained on
    /// all the data uses.
    fn finish(self, task: Task, temperatures: &[f32]) -> TaskResult {
        let mut confusion = Confusion::new(&self.labels);
        let mut confidences = Vec::new();
        for (fold, temperature) in self.folds.iter().zip(temperatures) {
            for (probabilities, truth) in fold {
                let calibrated = rescale(probabilities, *temperature);
                let predicted = argmax(&calibrated);
                confusion.add(*truth, predicted);
                confidences.push((calibrated[predicted], predicted == *truth));
            }
        }
        let all: Vec<&(Vec<f32>, usize)> = self.folds.iter().flatten().collect();
        TaskResult {
            task,
            scope: task.scope().to_string(),
            calibration_error: expected_calibration_error(&confidences, 10),
            temperature: fit_temperature(&all),
            confusion,
        }
    }
}

fn index_of<T: PartialEq>(all: &[T], value: T) -> usize {
    all.iter().position(|v| *v == value).unwrap_or(0)
}

impl fmt::Display for EvalReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}-fold cross-validation grouped by {} ({} groups, {} sessions)",
            self.folds, self.group_by, self.groups, self.sessions
        )?;
        write!(f, "{}", self.original)?;
        if let Some(copy) = &self.machine_like {
            writeln!(f)?;
            writeln!(
                f,
                "== The same held-out sessions lower-cased and without punctuation (as speech-to-text writes them)"
            )?;
            write!(f, "{copy}")?;
        }
        Ok(())
    }
}

impl fmt::Display for HeldOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for task in &self.tasks {
            let m = &task.confusion;
            writeln!(f)?;
            writeln!(f, "{} ({}, n = {})", task.task, task.scope, m.total())?;
            writeln!(
                f,
                "  macro-F1 {:.3}   accuracy {:.3}   kappa {:.3}   calibration error {:.3} (temperature {:.2})",
                m.macro_f1(),
                m.accuracy(),
                m.kappa(),
                task.calibration_error,
                task.temperature
            )?;
            let width = m.labels.iter().map(String::len).max().unwrap_or(0).max(8);
            write!(f, "  {:width$}  {:>6}  ", "expert \\ coded", "F1")?;
            for label in &m.labels {
                write!(f, "{label:>width$} ")?;
            }
            writeln!(f)?;
            for (k, label) in m.labels.iter().enumerate() {
                write!(f, "  {label:width$}  {:>6.3}  ", m.f1(k))?;
                for count in &m.counts[k] {
                    write!(f, "{count:>width$} ")?;
                }
                writeln!(f)?;
            }
        }
        if let Some(q) = &self.mi_quality {
            writeln!(f)?;
            writeln!(
                f,
                "mi_quality_score (held-out sessions rated high or low, n = {}, {} low)",
                q.sessions, q.low
            )?;
            writeln!(f, "  AUC {:.3}", q.auc)?;
        }
        if !self.session_figures.is_empty() {
            writeln!(f)?;
            writeln!(
                f,
                "session figures against the experts' (ICC(A,1) over held-out sessions)"
            )?;
            writeln!(
                f,
                "  {:30} {:>8} {:>12} {:>12} {:>12} {:>10} {:>8}",
                "figure",
                "sessions",
                "ICC counted",
                "ICC expected",
                "ICC recal.",
                "coverage",
                "width"
            )?;
            for s in &self.session_figures {
                let [counted, expected, recalibrated, coverage, width] = s.cells();
                writeln!(
                    f,
                    "  {:30} {:>8} {counted:>12} {expected:>12} {recalibrated:>12} {coverage:>10} {width:>8}",
                    s.metric.as_str(),
                    s.sessions,
                )?;
            }
            if let Some(first) = self.session_figures.first() {
                writeln!(
                    f,
                    "  recal.: the counted figure mapped onto the experts' scale by a line fitted on the other folds\n  coverage: share of sessions whose expert figure lies in the {:.0}% interval; width: its mean width",
                    100.0 * first.interval_level
                )?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn least_squares_fits_a_line_and_refuses_a_flat_one() {
        let (a, b) = least_squares(&[(0.0, 1.0), (1.0, 3.0), (2.0, 5.0)]).unwrap();
        assert!((a - 1.0).abs() < 1e-12 && (b - 2.0).abs() < 1e-12);
        assert_eq!(least_squares(&[(1.0, 1.0), (1.0, 3.0), (1.0, 5.0)]), None);
        assert_eq!(least_squares(&[(0.0, 1.0), (1.0, 3.0)]), None);
    }

    #[test]
    fn recalibration_maps_each_fold_by_the_others_and_clamps() {
        // Folds 0 and 1; the truth is twice the figure everywhere.
        let scored: Vec<(usize, f64, f64, f64)> = (0..6)
            .map(|i| (i % 2, 2.0 * i as f64, i as f64, 1.0))
            .collect();
        let mapped = recalibrate(&scored, 2, Metric::ReflectionToQuestionRatio);
        assert_eq!(mapped.len(), 6);
        for (truth, value) in &mapped {
            assert!((truth - value).abs() < 1e-9, "{truth} {value}");
        }
        // A percentage is kept within 0-100.
        let scored: Vec<(usize, f64, f64, f64)> = (0..6)
            .map(|i| (i % 2, 60.0 * i as f64, 10.0 * i as f64, 1.0))
            .collect();
        let mapped = recalibrate(&scored, 2, Metric::PercentOpenQuestions);
        assert!(mapped.iter().all(|(_, v)| (0.0..=100.0).contains(v)));
        assert!(mapped.iter().any(|(_, v)| *v == 100.0));
    }
    use crate::corpus::LabelledUtterance;
    use rapport_core::Speaker;

    fn session(id: &str, group: &str, n: usize) -> LabelledSession {
        LabelledSession {
            id: id.into(),
            group: group.into(),
            high_quality: None,
            utterances: (0..n)
                .map(|_| LabelledUtterance {
                    embedding: None,
                    speaker: Speaker::Client,
                    text: "ok".into(),
                    label: Label::Client {
                        talk: Talk::Neutral,
                    },
                })
                .collect(),
        }
    }

    #[test]
    fn sessions_of_one_group_share_a_fold() {
        let sessions = vec![
            session("1", "video-a", 10),
            session("2", "video-b", 8),
            session("3", "video-a", 5),
            session("4", "video-c", 7),
        ];
        let folds = assign_folds(&sessions, 2).unwrap();
        assert_eq!(folds[0], folds[2]);
        // video-a (15) goes alone; b (8) and c (7) share the other fold.
        assert_eq!(folds[1], folds[3]);
        assert_ne!(folds[0], folds[1]);
    }

    #[test]
    fn too_few_groups_is_an_error_that_says_what_to_do() {
        let sessions = vec![session("1", "a", 3), session("2", "a", 3)];
        let err = assign_folds(&sessions, 5).unwrap_err();
        assert_eq!(
            err.to_string(),
            "1 groups cannot fill 5 folds: each fold needs a group of its own; use fewer folds or more data"
        );
    }
}
