//! Grouped k-fold cross-validation: every session of one group (one video) sits in the
//! same fold ([`folds`](crate::folds)), so no conversation is split between training
//! and test; the held-out codes of every fold are pooled and scored.

use std::fmt;

use rapport_core::{Behaviour, QuestionType, ReflectionType, Talk};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::corpus::{Corpus, Label, LabelledSession};
pub use crate::figures::{EvalSummary, QualityFigures, TaskFigures};
use crate::folds::FoldError;
pub use crate::folds::assign_folds;
use crate::linear::{fit_temperature, rescale};
use crate::metrics::{Confusion, auc, expected_calibration_error};
use crate::model::{Model, Prediction, TrainError, TrainOptions, argmax, turns_of};
use crate::task::Task;

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
    /// Counsellor behaviour, question type, reflection type, client talk.
    pub tasks: Vec<TaskResult>,
    /// Session quality, where the model scores it and the data rate it.
    pub mi_quality: Option<QualityFigures>,
}

impl EvalReport {
    /// The headline figures.
    pub fn summary(&self) -> EvalSummary {
        EvalSummary {
            folds: self.folds,
            group_by: self.group_by.clone(),
            groups: self.groups,
            sessions: self.sessions,
            tasks: self
                .tasks
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
                .collect(),
            mi_quality: self.mi_quality.clone(),
        }
    }
}

/// Cross-validates: trains on all folds but one, codes the held-out fold, and pools
/// the held-out codes of every fold. `on_fold` is called as each fold finishes.
pub fn cross_validate(
    corpus: &Corpus,
    folds: usize,
    group_by: &str,
    options: &TrainOptions,
    on_fold: &(dyn Fn() + Sync),
) -> Result<EvalReport, EvalError> {
    let fold_of = assign_folds(&corpus.sessions, folds)?;
    type FoldResult = (Vec<(Label, Prediction)>, Vec<(f32, bool)>);
    let per_fold: Vec<FoldResult> = (0..folds)
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
            let mut pairs = Vec::new();
            let mut quality = Vec::new();
            for (session, _) in corpus
                .sessions
                .iter()
                .zip(&fold_of)
                .filter(|(_, f)| **f == fold)
            {
                let predicted = model
                    .predict_session(&turns_of(session))
                    .map_err(TrainError::from)?;
                if let (Some(score), Some(high)) = (predicted.mi_quality, session.high_quality) {
                    quality.push((score, high));
                }
                for (u, p) in session.utterances.iter().zip(predicted.utterances) {
                    pairs.push((u.label, p));
                }
            }
            on_fold();
            Ok((pairs, quality))
        })
        .collect::<Result<_, EvalError>>()?;

    let names = |all: &[&'static str]| all.to_vec();
    let mut behaviour = Scorer::new(names(&Behaviour::ALL.map(Behaviour::as_str)), folds);
    let mut question = Scorer::new(names(&QuestionType::ALL.map(QuestionType::as_str)), folds);
    let mut reflection = Scorer::new(
        names(&ReflectionType::ALL.map(ReflectionType::as_str)),
        folds,
    );
    let mut talk = Scorer::new(names(&Talk::ALL.map(Talk::as_str)), folds);
    let scored: Vec<(f32, bool)> = per_fold.iter().flat_map(|(_, q)| q.clone()).collect();
    let mi_quality = {
        let scores: Vec<f32> = scored.iter().map(|(s, _)| *s).collect();
        let high: Vec<bool> = scored.iter().map(|(_, h)| *h).collect();
        auc(&scores, &high).map(|auc| QualityFigures {
            sessions: scored.len(),
            low: high.iter().filter(|h| !**h).count(),
            auc,
        })
    };
    for (fold, (pairs, _)) in per_fold.iter().enumerate() {
        for (label, prediction) in pairs {
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
                    behaviour.add(fold, index_of(&Behaviour::ALL, *b), pb);
                    if let (Behaviour::Question, Some(q)) = (b, question_type) {
                        question.add(fold, index_of(&QuestionType::ALL, *q), pq);
                    }
                    if let (Behaviour::Reflection, Some(r)) = (b, reflection_type) {
                        reflection.add(fold, index_of(&ReflectionType::ALL, *r), pr);
                    }
                }
                (Label::Client { talk: t }, Prediction::Client { talk: pt }) => {
                    talk.add(fold, index_of(&Talk::ALL, *t), pt);
                }
                _ => {}
            }
        }
    }
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
        tasks: vec![
            behaviour.finish(Task::CounselorBehaviour),
            question.finish(Task::QuestionType),
            reflection.finish(Task::ReflectionType),
            talk.finish(Task::ClientTalk),
        ],
        mi_quality,
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

    /// Scores the held-out codes. Each fold's confidences are calibrated with a
    /// temperature fitted on the other folds' held-out codes (cross-fitting), so no
    /// utterance calibrates its own confidence; the temperature fitted on all folds is
    /// the one a model trained on all the data uses.
    fn finish(self, task: Task) -> TaskResult {
        let mut confusion = Confusion::new(&self.labels);
        let mut confidences = Vec::new();
        for (f, fold) in self.folds.iter().enumerate() {
            let others: Vec<&(Vec<f32>, usize)> = self
                .folds
                .iter()
                .enumerate()
                .filter(|(g, _)| *g != f)
                .flat_map(|(_, examples)| examples)
                .collect();
            let temperature = fit_temperature(&others);
            for (probabilities, truth) in fold {
                let calibrated = rescale(probabilities, temperature);
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
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
