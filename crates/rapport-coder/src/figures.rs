//! What cross-validation measured, small enough to store in a model file and print in
//! its card: each task's agreement with the experts and its calibration temperature,
//! and how well the session-quality score ranks sessions.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use rapport_core::Metric;

use crate::task::Task;
use crate::uncertainty::IntervalScale;

/// The headline figures of one task, as stored with a model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskFigures {
    /// The task.
    pub task: Task,
    /// Utterances scored.
    pub utterances: usize,
    /// Macro-averaged F1.
    pub macro_f1: f64,
    /// F1 of each class.
    pub per_class_f1: BTreeMap<String, f64>,
    /// Cohen's kappa.
    pub kappa: f64,
    /// Accuracy.
    pub accuracy: f64,
    /// Expected calibration error of the calibrated confidence.
    pub calibration_error: f64,
    /// The calibration temperature a model trained on all the data uses.
    #[serde(default = "uncalibrated")]
    pub temperature: f32,
}

fn uncalibrated() -> f32 {
    1.0
}

/// The figures of a cross-validation run, small enough to store in a model file.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct EvalSummary {
    /// Number of folds.
    pub folds: usize,
    /// The column that grouped sessions.
    pub group_by: String,
    /// Distinct groups.
    pub groups: usize,
    /// Sessions.
    pub sessions: usize,
    /// One entry per task.
    pub tasks: Vec<TaskFigures>,
    /// How well `mi_quality_score` separates high- from low-quality sessions.
    #[serde(default)]
    pub mi_quality: Option<QualityFigures>,
    /// How well each session figure agrees with the experts', and its intervals'
    /// coverage.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub session_figures: Vec<SessionFigureAgreement>,
    /// The same figures on a copy of every held-out session lower-cased and without
    /// punctuation (as speech-to-text writes transcripts), where measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machine_like: Option<CopyFigures>,
}

/// What the fold models measured on a changed copy of their held-out sessions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CopyFigures {
    /// One entry per task.
    pub tasks: Vec<TaskFigures>,
    /// How well `mi_quality_score` separates high- from low-quality sessions.
    pub mi_quality: Option<QualityFigures>,
    /// Each session figure's agreement with the experts'.
    pub session_figures: Vec<SessionFigureAgreement>,
}

/// One session figure (R:Q, %CR, ...) over the held-out sessions: its agreement with the
/// figure of the experts' codes, and how often the expert's figure lies inside its
/// interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionFigureAgreement {
    /// The figure.
    pub metric: Metric,
    /// Held-out sessions where both the experts' and the model's figure exist.
    pub sessions: usize,
    /// ICC(A,1) with the experts, the figure counted over the most probable codes (as
    /// reports show it).
    pub icc_counted: Option<f64>,
    /// ICC(A,1) with the experts, the figure from expected counts (probabilities summed).
    pub icc_expected: Option<f64>,
    /// ICC(A,1) with the experts, the counted figure mapped onto the experts' scale by a
    /// line fitted on the other folds (a session-level model; measured, not shipped).
    #[serde(default)]
    pub icc_recalibrated: Option<f64>,
    /// The intervals' nominal level.
    pub interval_level: f64,
    /// Share of sessions whose expert figure lies inside the interval.
    pub coverage: Option<f64>,
    /// The intervals' mean width, in the figure's unit.
    pub mean_interval_width: Option<f64>,
    /// The scale that turns a session's spread into its interval, fitted on every
    /// held-out session: the one a model trained on all the data uses.
    #[serde(default)]
    pub interval_scale: Option<IntervalScale>,
}

/// Agreement of the held-out sessions' quality scores with the expert's rating.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QualityFigures {
    /// Sessions scored (those rated high or low).
    pub sessions: usize,
    /// Of them, rated low quality.
    pub low: usize,
    /// Area under the ROC curve of the score against the rating.
    pub auc: f64,
}

impl SessionFigureAgreement {
    /// The figures as tables print them: ICC counted, from expected counts and
    /// recalibrated (3 decimals), coverage (`81%`) and mean interval width (2 decimals);
    /// `-` where absent.
    pub fn cells(&self) -> [String; 5] {
        let show = |v: Option<f64>, digits: usize| {
            v.map_or_else(|| "-".to_string(), |v| format!("{v:.digits$}"))
        };
        [
            show(self.icc_counted, 3),
            show(self.icc_expected, 3),
            show(self.icc_recalibrated, 3),
            self.coverage
                .map_or_else(|| "-".to_string(), |c| format!("{:.0}%", 100.0 * c)),
            show(self.mean_interval_width, 2),
        ]
    }
}

impl EvalSummary {
    /// The figures of one task.
    pub fn task(&self, task: Task) -> Option<&TaskFigures> {
        self.tasks.iter().find(|t| t.task == task)
    }
}
