//! The four softmax heads (counsellor behaviour, question type, reflection type, client
//! talk): fitted on an utterance's features, each predicting its task's probabilities.

use rapport_core::{Behaviour, QuestionType, ReflectionType, Speaker, Talk};

use crate::corpus::{Label, LabelledSession};
use crate::features::Turn;
use crate::linear::{FitOptions, Softmax, rescale};
use crate::vectorizer::SparseVec;

use super::train::TrainError;
use crate::prediction::Prediction;
use crate::task::Task;

/// One softmax head per coding task.
#[derive(Debug, Clone, PartialEq)]
pub struct Heads {
    /// Counsellor behaviour, classes in [`Behaviour::ALL`] order.
    pub behaviour: Softmax,
    /// Question type, classes in [`QuestionType::ALL`] order.
    pub question_type: Softmax,
    /// Reflection type, classes in [`ReflectionType::ALL`] order.
    pub reflection_type: Softmax,
    /// Client talk, classes in [`Talk::ALL`] order.
    pub talk: Softmax,
}

impl Heads {
    /// Fits the four heads on the utterances of the sessions listed in `which`.
    pub(super) fn fit(
        sessions: &[&LabelledSession],
        vectors: &[Vec<SparseVec>],
        which: &[usize],
        width: usize,
        fit: FitOptions,
    ) -> Result<Heads, TrainError> {
        let mut behaviour = Examples::default();
        let mut question = Examples::default();
        let mut reflection = Examples::default();
        let mut talk = Examples::default();
        for &s in which {
            for (utterance, x) in sessions[s].utterances.iter().zip(&vectors[s]) {
                match utterance.label {
                    Label::Counselor {
                        behaviour: b,
                        question_type,
                        reflection_type,
                    } => {
                        behaviour.push(x, position(&Behaviour::ALL, b));
                        if let Some(q) = question_type {
                            question.push(x, position(&QuestionType::ALL, q));
                        }
                        if let Some(r) = reflection_type {
                            reflection.push(x, position(&ReflectionType::ALL, r));
                        }
                    }
                    Label::Client { talk: t } => talk.push(x, position(&Talk::ALL, t)),
                }
            }
        }
        let fit_one = |examples: &Examples<'_>, classes: usize, what: &'static str| {
            if examples.y.is_empty() {
                return Err(TrainError::NoExamples(what));
            }
            Ok(Softmax::fit(&examples.x, &examples.y, classes, width, fit)?)
        };
        let ((behaviour, question_type), (reflection_type, talk)) = rayon::join(
            || {
                rayon::join(
                    || fit_one(&behaviour, Behaviour::ALL.len(), "counsellor utterances"),
                    || fit_one(&question, QuestionType::ALL.len(), "coded questions"),
                )
            },
            || {
                rayon::join(
                    || fit_one(&reflection, ReflectionType::ALL.len(), "coded reflections"),
                    || fit_one(&talk, Talk::ALL.len(), "client utterances"),
                )
            },
        );
        Ok(Heads {
            behaviour: behaviour?,
            question_type: question_type?,
            reflection_type: reflection_type?,
            talk: talk?,
        })
    }

    /// Predicts each utterance from its feature vector.
    pub(super) fn predict(&self, vectors: &[SparseVec], turns: &[Turn<'_>]) -> Vec<Prediction> {
        vectors
            .iter()
            .zip(turns)
            .map(|(x, turn)| match turn.speaker {
                Speaker::Counselor => Prediction::Counselor {
                    behaviour: self.behaviour.predict_proba(x),
                    question_type: self.question_type.predict_proba(x),
                    reflection_type: self.reflection_type.predict_proba(x),
                },
                Speaker::Client => Prediction::Client {
                    talk: self.talk.predict_proba(x),
                },
            })
            .collect()
    }

    /// A prediction's probabilities with each head's calibration undone (temperature 1).
    pub(super) fn uncalibrated(&self, prediction: &Prediction) -> Prediction {
        prediction.map(|task, p| {
            let head = match task {
                Task::CounselorBehaviour => &self.behaviour,
                Task::QuestionType => &self.question_type,
                Task::ReflectionType => &self.reflection_type,
                Task::ClientTalk => &self.talk,
            };
            rescale(p, 1.0 / head.temperature)
        })
    }

    pub(super) fn named(&self) -> [(&'static str, &Softmax); 4] {
        [
            ("behaviour", &self.behaviour),
            ("question_type", &self.question_type),
            ("reflection_type", &self.reflection_type),
            ("talk", &self.talk),
        ]
    }
}

#[derive(Default)]
struct Examples<'a> {
    x: Vec<&'a SparseVec>,
    y: Vec<usize>,
}

impl<'a> Examples<'a> {
    fn push(&mut self, x: &'a SparseVec, y: usize) {
        self.x.push(x);
        self.y.push(y);
    }
}

fn position<T: PartialEq>(all: &[T], value: T) -> usize {
    all.iter().position(|v| *v == value).unwrap_or(0)
}
