//! Session-quality model: the probability that a counselling session shows
//! high-quality motivational interviewing (AnnoMI's `mi_quality` high/low).
//!
//! A session is read as one document, all its counsellor utterances joined, cut into
//! TF-IDF word 1-2-grams (sublinear tf, `min_df` 2, unit length), followed by its code
//! profile (see [`profile`]) scaled by `profile_weight`. A balanced two-class logistic
//! regression over those features gives P(high). The coder's grouped cross-validation
//! measures it inside each fold's model (see `eval`).

use serde::{Deserialize, Serialize};

use crate::linear::{FitError, FitOptions, Softmax};
use crate::text::Analyzer;
use crate::vectorizer::{SparseVec, TfidfBlock};

/// Number of values in a session's code profile.
///
/// In order: mean behaviour probabilities (question, reflection, therapist input,
/// other), mean client talk probabilities (change, neutral, sustain), share of open
/// questions among questions, share of complex reflections among reflections.
pub const PROFILE_LEN: usize = 9;

/// How the counsellor's words are cut: word 1-2-grams.
pub const ANALYZER: Analyzer = Analyzer::Words { min: 1, max: 2 };

/// Class index of low-quality sessions in the model's head.
const LOW: usize = 0;
/// Class index of high-quality sessions in the model's head.
const HIGH: usize = 1;

/// What the quality model reads of one session.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionEvidence<'a> {
    /// The counsellor's utterances, in order.
    pub counselor_texts: Vec<&'a str>,
    /// The session's code profile (see [`PROFILE_LEN`]), from the coder's predictions.
    pub profile: [f32; PROFILE_LEN],
}

/// Builds a profile from per-utterance probabilities.
///
/// `counselor` holds, per counsellor utterance, (behaviour probabilities `[question,
/// reflection, therapist_input, other]`, P(open | question), P(complex | reflection));
/// `client` holds talk probabilities `[change, neutral, sustain]` per client utterance.
///
/// The profile is the mean behaviour probabilities (4 values, zeros without counsellor
/// utterances), the mean talk probabilities (3 values, zeros without client
/// utterances), the share of open questions `sum(p_question * p_open) /
/// sum(p_question)` and the share of complex reflections, computed likewise (0 where
/// the denominator is 0). Non-finite inputs count as 0 and every value is clamped to
/// [0, 1].
pub fn profile(counselor: &[([f32; 4], f32, f32)], client: &[[f32; 3]]) -> [f32; PROFILE_LEN] {
    let clean = |p: f32| {
        if p.is_finite() {
            p.clamp(0.0, 1.0)
        } else {
            0.0
        }
    };
    let mut behaviour = [0.0f64; 4];
    let (mut open, mut questions) = (0.0f64, 0.0f64);
    let (mut complex, mut reflections) = (0.0f64, 0.0f64);
    for (probs, p_open, p_complex) in counselor {
        for (sum, &p) in behaviour.iter_mut().zip(probs) {
            *sum += f64::from(clean(p));
        }
        let question = f64::from(clean(probs[0]));
        let reflection = f64::from(clean(probs[1]));
        questions += question;
        open += question * f64::from(clean(*p_open));
        reflections += reflection;
        complex += reflection * f64::from(clean(*p_complex));
    }
    let mut talk = [0.0f64; 3];
    for probs in client {
        for (sum, &p) in talk.iter_mut().zip(probs) {
            *sum += f64::from(clean(p));
        }
    }
    let share = |part: f64, whole: f64| if whole > 0.0 { part / whole } else { 0.0 };
    let mut out = [0.0f32; PROFILE_LEN];
    for (o, sum) in out[..4].iter_mut().zip(behaviour) {
        *o = share(sum, counselor.len() as f64) as f32;
    }
    for (o, sum) in out[4..7].iter_mut().zip(talk) {
        *o = share(sum, client.len() as f64) as f32;
    }
    out[7] = share(open, questions) as f32;
    out[8] = share(complex, reflections) as f32;
    out.map(clean)
}

/// Settings of the quality model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct QualityOptions {
    /// A word n-gram is kept when at least this many training sessions use it.
    pub min_df: usize,
    /// Scale of the profile columns beside the unit-length word block.
    pub profile_weight: f32,
    /// Logistic regression settings (classes are always balanced).
    pub fit: FitOptions,
}

impl Default for QualityOptions {
    /// `min_df` 2, `profile_weight` 0.5 and `C` 5.
    ///
    /// `C` 5 in the two-class softmax is scikit-learn's binary `LogisticRegression(C=10)`:
    /// the softmax penalises both rows, `(|w0|^2 + |w1|^2) / 2C`, and at the optimum
    /// `w1 = -w0 = w / 2`, so its penalty on the decision weights `w` is `|w|^2 / 4C`,
    /// the binary model's `|w|^2 / 2C` at twice the `C`.
    fn default() -> Self {
        QualityOptions {
            min_df: 2,
            profile_weight: 0.5,
            fit: FitOptions {
                c: 5.0,
                max_iters: 400,
            },
        }
    }
}

/// A fitted session-quality model.
#[derive(Debug, Clone, PartialEq)]
pub struct QualityModel {
    /// TF-IDF block over the session's joined counsellor utterances.
    pub words: TfidfBlock,
    /// Scale of the profile columns.
    pub profile_weight: f32,
    /// Two-class head over `words.width() + PROFILE_LEN` columns: index 0 low, 1 high.
    pub head: Softmax,
}

/// The tensors and metadata of a [`QualityModel`], as stored in a model file.
#[derive(Debug, Clone, PartialEq)]
pub struct QualityParts {
    /// The word vocabulary, in column order.
    pub terms: Vec<String>,
    /// Inverse document frequency of each term.
    pub idf: Vec<f32>,
    /// Row-major `2 x (terms.len() + PROFILE_LEN)` weights: row 0 low, row 1 high.
    pub weights: Vec<f32>,
    /// One bias per class: low, high.
    pub bias: Vec<f32>,
    /// Scale of the profile columns.
    pub profile_weight: f32,
}

/// Why the quality model could not be fitted or rebuilt.
#[derive(Debug, thiserror::Error)]
pub enum QualityError {
    /// Sessions and labels of different lengths.
    #[error("{sessions} sessions but {labels} quality labels")]
    LengthMismatch {
        /// Number of sessions.
        sessions: usize,
        /// Number of labels.
        labels: usize,
    },
    /// The training sessions lack high or low quality examples.
    #[error("the quality model needs both high and low quality sessions ({high} high, {low} low)")]
    OneClass {
        /// Number of high-quality sessions.
        high: usize,
        /// Number of low-quality sessions.
        low: usize,
    },
    /// A setting that cannot be used.
    #[error("invalid quality model option: {0}")]
    Options(String),
    /// The optimiser failed.
    #[error(transparent)]
    Fit(#[from] FitError),
    /// Stored parts whose shapes or values do not fit together.
    #[error("invalid quality model parts: {0}")]
    Parts(String),
}

impl QualityModel {
    /// Fits the model on `sessions`, `high[i]` telling whether session `i` is
    /// high-quality. Needs at least one session of each class.
    pub fn fit(
        sessions: &[SessionEvidence<'_>],
        high: &[bool],
        options: &QualityOptions,
    ) -> Result<QualityModel, QualityError> {
        if sessions.len() != high.len() {
            return Err(QualityError::LengthMismatch {
                sessions: sessions.len(),
                labels: high.len(),
            });
        }
        check_options(options)?;
        let (n_high, n_low) = count(high.iter().copied());
        if n_high == 0 || n_low == 0 {
            return Err(QualityError::OneClass {
                high: n_high,
                low: n_low,
            });
        }
        let documents: Vec<String> = sessions.iter().map(document).collect();
        let words = TfidfBlock::fit(
            ANALYZER,
            options.min_df,
            documents.iter().map(String::as_str),
        );
        let x: Vec<SparseVec> = documents
            .iter()
            .zip(sessions)
            .map(|(text, session)| features(&words, options.profile_weight, text, &session.profile))
            .collect();
        let x_refs: Vec<&SparseVec> = x.iter().collect();
        let y: Vec<usize> = high.iter().map(|&h| if h { HIGH } else { LOW }).collect();
        let width = words.width() + PROFILE_LEN;
        let head = Softmax::fit(&x_refs, &y, 2, width, options.fit)?;
        Ok(QualityModel {
            words,
            profile_weight: options.profile_weight,
            head,
        })
    }

    /// P(high quality), in [0, 1].
    pub fn score(&self, session: &SessionEvidence<'_>) -> f32 {
        let x = features(
            &self.words,
            self.profile_weight,
            &document(session),
            &session.profile,
        );
        let p = self.head.predict_proba(&x);
        let high = p.get(HIGH).copied().unwrap_or(0.5);
        if high.is_finite() {
            high.clamp(0.0, 1.0)
        } else {
            0.5
        }
    }

    /// Tensors and metadata for the model file.
    pub fn to_parts(&self) -> QualityParts {
        QualityParts {
            terms: self.words.terms(),
            idf: self.words.idf.clone(),
            weights: self.head.weights.clone(),
            bias: self.head.bias.clone(),
            profile_weight: self.profile_weight,
        }
    }

    /// Rebuilds a model from stored parts, checking that their shapes fit together.
    pub fn from_parts(parts: QualityParts) -> Result<QualityModel, QualityError> {
        let QualityParts {
            terms,
            idf,
            weights,
            bias,
            profile_weight,
        } = parts;
        if idf.len() != terms.len() {
            return Err(QualityError::Parts(format!(
                "{} terms but {} idf values",
                terms.len(),
                idf.len()
            )));
        }
        let width = terms.len() + PROFILE_LEN;
        if weights.len() != 2 * width {
            return Err(QualityError::Parts(format!(
                "{} weights, expected 2 x {width}",
                weights.len()
            )));
        }
        if bias.len() != 2 {
            return Err(QualityError::Parts(format!(
                "{} biases, expected 2",
                bias.len()
            )));
        }
        if !profile_weight.is_finite() {
            return Err(QualityError::Parts(format!(
                "profile weight {profile_weight} is not finite"
            )));
        }
        let all_finite = idf
            .iter()
            .chain(&weights)
            .chain(&bias)
            .all(|v| v.is_finite());
        if !all_finite {
            return Err(QualityError::Parts(
                "idf, weights or biases hold non-finite values".into(),
            ));
        }
        let distinct = terms.iter().collect::<std::collections::HashSet<_>>().len();
        if distinct != terms.len() {
            return Err(QualityError::Parts("repeated vocabulary terms".into()));
        }
        Ok(QualityModel {
            words: TfidfBlock::from_parts(ANALYZER, terms, idf),
            profile_weight,
            head: Softmax {
                classes: 2,
                width,
                weights,
                bias,
                temperature: 1.0,
            },
        })
    }
}

/// The session as one document: its counsellor utterances joined by newlines.
fn document(session: &SessionEvidence<'_>) -> String {
    session.counselor_texts.join("\n")
}

/// Word block at `[0, width)`, then the weighted profile at the next `PROFILE_LEN`
/// columns.
fn features(
    words: &TfidfBlock,
    profile_weight: f32,
    text: &str,
    profile: &[f32; PROFILE_LEN],
) -> SparseVec {
    let mut entries = Vec::new();
    words.transform(text, 0, &mut entries);
    let offset = words.width() as u32;
    entries.extend(profile.iter().enumerate().filter_map(|(j, &p)| {
        let value = if p.is_finite() {
            p * profile_weight
        } else {
            0.0
        };
        (value != 0.0).then_some((offset + j as u32, value))
    }));
    SparseVec(entries)
}

/// (high, low) counts.
fn count(labels: impl Iterator<Item = bool>) -> (usize, usize) {
    labels.fold((0, 0), |(h, l), x| if x { (h + 1, l) } else { (h, l + 1) })
}

fn check_options(options: &QualityOptions) -> Result<(), QualityError> {
    if !options.profile_weight.is_finite() {
        return Err(QualityError::Options(format!(
            "profile weight {} is not finite",
            options.profile_weight
        )));
    }
    if !(options.fit.c.is_finite() && options.fit.c > 0.0) {
        return Err(QualityError::Options(format!(
            "C must be positive, got {}",
            options.fit.c
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const REFLECTIVE: [&str; 6] = [
        "It sounds like you are worried about how much you drink.",
        "You're wondering whether this is the right time to change.",
        "So on one hand you enjoy it, and on the other it sounds like it costs you.",
        "It sounds like your family matters a great deal to you.",
        "You're wondering whether you could manage without it.",
        "What would you like to happen next?",
    ];
    const CONFRONTING: [&str; 6] = [
        "You need to stop drinking now.",
        "You have to stop, there is no other way.",
        "You need to listen to me, this is serious.",
        "I am telling you, you have to stop smoking.",
        "You need to do what the doctor says.",
        "You have to stop making excuses.",
    ];

    /// Session `i` of a kind: four of its six lines, rotated so sessions differ.
    fn session<'a>(
        lines: &'a [&'a str; 6],
        i: usize,
        profile: [f32; PROFILE_LEN],
    ) -> SessionEvidence<'a> {
        SessionEvidence {
            counselor_texts: (0..4).map(|j| lines[(i + j) % 6]).collect(),
            profile,
        }
    }

    const HIGH_PROFILE: [f32; PROFILE_LEN] = [0.3, 0.5, 0.15, 0.05, 0.5, 0.4, 0.1, 0.7, 0.6];
    const LOW_PROFILE: [f32; PROFILE_LEN] = [0.2, 0.1, 0.6, 0.1, 0.2, 0.4, 0.4, 0.2, 0.1];

    fn training() -> (Vec<SessionEvidence<'static>>, Vec<bool>) {
        let mut sessions = Vec::new();
        let mut high = Vec::new();
        for i in 0..6 {
            sessions.push(session(&REFLECTIVE, i, HIGH_PROFILE));
            high.push(true);
            sessions.push(session(&CONFRONTING, i, LOW_PROFILE));
            high.push(false);
        }
        (sessions, high)
    }

    fn fitted() -> QualityModel {
        let (sessions, high) = training();
        QualityModel::fit(&sessions, &high, &QualityOptions::default()).unwrap()
    }

    fn new_sessions() -> (SessionEvidence<'static>, SessionEvidence<'static>) {
        let neutral = [0.25; PROFILE_LEN];
        let reflective = SessionEvidence {
            counselor_texts: vec![
                "It sounds like you feel stuck.",
                "You're wondering whether it is worth trying again.",
            ],
            profile: neutral,
        };
        let confronting = SessionEvidence {
            counselor_texts: vec!["You need to quit.", "You have to stop lying to yourself."],
            profile: neutral,
        };
        (reflective, confronting)
    }

    #[test]
    fn reflective_session_scores_above_confrontational_one() {
        let model = fitted();
        assert_eq!(model.head.width, model.words.width() + PROFILE_LEN);
        let (reflective, confronting) = new_sessions();
        let (r, c) = (model.score(&reflective), model.score(&confronting));
        assert!(r > c, "reflective {r} vs confrontational {c}");
        assert!(r > 0.5 && c < 0.5, "reflective {r} vs confrontational {c}");
        let (sessions, _) = training();
        for s in sessions.iter().chain([&reflective, &confronting]) {
            let p = model.score(s);
            assert!((0.0..=1.0).contains(&p), "{p}");
        }
    }

    #[test]
    fn profile_alone_moves_the_score() {
        let model = fitted();
        let text = vec!["Tell me more."];
        let good = SessionEvidence {
            counselor_texts: text.clone(),
            profile: HIGH_PROFILE,
        };
        let poor = SessionEvidence {
            counselor_texts: text,
            profile: LOW_PROFILE,
        };
        assert!(model.score(&good) > model.score(&poor));
    }

    #[test]
    fn parts_round_trip_gives_identical_scores() {
        let model = fitted();
        let parts = model.to_parts();
        assert_eq!(parts.weights.len(), 2 * (parts.terms.len() + PROFILE_LEN));
        assert_eq!(parts.bias.len(), 2);
        assert_eq!(parts.profile_weight, 0.5);
        let rebuilt = QualityModel::from_parts(parts).unwrap();
        let (reflective, confronting) = new_sessions();
        let (sessions, _) = training();
        for s in sessions.iter().chain([&reflective, &confronting]) {
            assert_eq!(model.score(s).to_bits(), rebuilt.score(s).to_bits());
        }
    }

    #[test]
    fn from_parts_rejects_bad_shapes() {
        let good = fitted().to_parts();
        let mut p = good.clone();
        p.idf.pop();
        assert!(matches!(
            QualityModel::from_parts(p),
            Err(QualityError::Parts(_))
        ));
        let mut p = good.clone();
        p.weights.pop();
        assert!(matches!(
            QualityModel::from_parts(p),
            Err(QualityError::Parts(_))
        ));
        let mut p = good.clone();
        p.bias.push(0.0);
        assert!(matches!(
            QualityModel::from_parts(p),
            Err(QualityError::Parts(_))
        ));
        let mut p = good;
        p.profile_weight = f32::NAN;
        assert!(matches!(
            QualityModel::from_parts(p),
            Err(QualityError::Parts(_))
        ));
    }

    #[test]
    fn fit_needs_both_classes_and_matching_lengths() {
        let (sessions, _) = training();
        let options = QualityOptions::default();
        let all_high = vec![true; sessions.len()];
        assert!(matches!(
            QualityModel::fit(&sessions, &all_high, &options),
            Err(QualityError::OneClass { low: 0, .. })
        ));
        assert!(matches!(
            QualityModel::fit(&[], &[], &options),
            Err(QualityError::OneClass { high: 0, low: 0 })
        ));
        assert!(matches!(
            QualityModel::fit(&sessions, &[true, false], &options),
            Err(QualityError::LengthMismatch { .. })
        ));
    }

    #[test]
    fn profile_by_hand() {
        let counselor = [
            // question, P(open) 0.5
            ([0.8, 0.1, 0.1, 0.0], 0.5, 0.0),
            // reflection, P(complex) 1
            ([0.2, 0.6, 0.2, 0.0], 1.0, 1.0),
        ];
        let client = [[0.6, 0.4, 0.0], [0.0, 0.8, 0.2]];
        let p = profile(&counselor, &client);
        // Open share = (0.8*0.5 + 0.2*1) / (0.8 + 0.2) = 0.6;
        // complex share = (0.1*0 + 0.6*1) / (0.1 + 0.6) = 6/7.
        let expected = [0.5, 0.35, 0.15, 0.0, 0.3, 0.6, 0.1, 0.6, 6.0 / 7.0];
        for (got, want) in p.iter().zip(expected) {
            assert!((got - want).abs() < 1e-6, "{p:?}");
        }
        // No client utterances: talk means are zeros.
        let p = profile(&counselor, &[]);
        assert_eq!(&p[4..7], &[0.0, 0.0, 0.0]);
        assert!((p[0] - 0.5).abs() < 1e-6);
        // Nothing at all: all zeros, all finite.
        assert_eq!(profile(&[], &[]), [0.0; PROFILE_LEN]);
        // Odd inputs stay finite and in [0, 1].
        let odd = profile(
            &[([f32::NAN, 2.0, -1.0, 0.0], f32::INFINITY, 0.5)],
            &[[f32::NAN; 3]],
        );
        assert!(
            odd.iter().all(|v| v.is_finite() && (0.0..=1.0).contains(v)),
            "{odd:?}"
        );
    }
}
