//! Multinomial logistic regression over sparse features, fitted with L-BFGS (argmin).
//!
//! The objective is scikit-learn's `LogisticRegression(C, class_weight="balanced")`:
//! the weighted cross-entropy plus `||W||^2 / (2C)`, the intercept unpenalised. Both
//! terms are divided by the total sample weight so the optimiser's tolerances do not
//! depend on the size of the training set.

use argmin::core::{CostFunction, Executor, Gradient, State};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;

use crate::vectorizer::SparseVec;

/// Fitting settings.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FitOptions {
    /// Inverse regularisation strength (scikit-learn's `C`).
    pub c: f64,
    /// L-BFGS iterations at most.
    pub max_iters: u64,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            c: 5.0,
            max_iters: 400,
        }
    }
}

/// A fitted softmax classifier: `p(k | x) = softmax(W x + b)_k`.
#[derive(Debug, Clone, PartialEq)]
pub struct Softmax {
    /// Number of classes.
    pub classes: usize,
    /// Number of input columns.
    pub width: usize,
    /// Row-major `classes x width` weights.
    pub weights: Vec<f32>,
    /// One bias per class.
    pub bias: Vec<f32>,
    /// Logits are divided by this before the softmax (1: as fitted). Calibration sets it
    /// so that confidences match how often the codes are right; the most probable class
    /// never changes.
    pub temperature: f32,
}

/// Fitting failed inside the optimiser.
#[derive(Debug, thiserror::Error)]
#[error("fitting the classifier failed: {0}")]
pub struct FitError(String);

impl Softmax {
    /// Fits on `(x, y)` with classes `0..classes`, each class weighted inversely to its
    /// frequency ("balanced").
    pub fn fit(
        x: &[&SparseVec],
        y: &[usize],
        classes: usize,
        width: usize,
        options: FitOptions,
    ) -> Result<Softmax, FitError> {
        let mut counts = vec![0usize; classes];
        for &label in y {
            counts[label] += 1;
        }
        let n = y.len() as f64;
        let class_weight: Vec<f64> = counts
            .iter()
            .map(|&c| {
                if c == 0 {
                    0.0
                } else {
                    n / (classes as f64 * c as f64)
                }
            })
            .collect();
        let problem = Problem {
            x,
            y,
            classes,
            width,
            sample_weight: y.iter().map(|&label| class_weight[label]).collect(),
            total_weight: n,
            c: options.c,
        };
        let line_search = MoreThuenteLineSearch::new();
        let solver = LBFGS::new(line_search, 10)
            .with_tolerance_grad(1e-5)
            .and_then(|s| s.with_tolerance_cost(1e-10))
            .map_err(|e| FitError(e.to_string()))?;
        let start = vec![0.0f64; classes * (width + 1)];
        let result = Executor::new(problem, solver)
            .configure(|state| state.param(start).max_iters(options.max_iters))
            .run()
            .map_err(|e| FitError(e.to_string()))?;
        let params = result
            .state()
            .get_best_param()
            .ok_or_else(|| FitError("the optimiser returned no parameters".into()))?;
        let split = classes * width;
        Ok(Softmax {
            classes,
            width,
            weights: params[..split].iter().map(|&w| w as f32).collect(),
            bias: params[split..].iter().map(|&b| b as f32).collect(),
            temperature: 1.0,
        })
    }

    /// Class probabilities for one feature vector.
    pub fn predict_proba(&self, x: &SparseVec) -> Vec<f32> {
        let mut logits = self.bias.clone();
        for (k, logit) in logits.iter_mut().enumerate() {
            let row = &self.weights[k * self.width..(k + 1) * self.width];
            for &(column, value) in &x.0 {
                if let Some(w) = row.get(column as usize) {
                    *logit += w * value;
                }
            }
        }
        let temperature = if self.temperature > 0.0 {
            self.temperature
        } else {
            1.0
        };
        for logit in logits.iter_mut() {
            *logit /= temperature;
        }
        softmax_in_place(&mut logits);
        logits
    }
}

/// Probabilities as a softmax at another temperature would give them:
/// `softmax(ln p / t)`, the same as dividing the original logits by `t`.
pub fn rescale(probabilities: &[f32], temperature: f32) -> Vec<f32> {
    let mut logits: Vec<f32> = probabilities
        .iter()
        .map(|p| p.max(1e-12).ln() / temperature)
        .collect();
    softmax_in_place(&mut logits);
    logits
}

/// The temperature that minimises the negative log-likelihood of held-out
/// `(probabilities, true class)` pairs (Guo et al. 2017, "On calibration of modern
/// neural networks"), searched by golden section over ln t in [ln 0.25, ln 8].
pub fn fit_temperature(held_out: &[&(Vec<f32>, usize)]) -> f32 {
    if held_out.is_empty() {
        return 1.0;
    }
    let nll = |ln_t: f64| -> f64 {
        let t = ln_t.exp() as f32;
        held_out
            .iter()
            .map(|(p, truth)| -f64::from(rescale(p, t)[*truth].max(1e-12)).ln())
            .sum()
    };
    let ratio = (5f64.sqrt() - 1.0) / 2.0;
    let (mut lo, mut hi) = (0.25f64.ln(), 8f64.ln());
    let mut a = hi - ratio * (hi - lo);
    let mut b = lo + ratio * (hi - lo);
    let (mut fa, mut fb) = (nll(a), nll(b));
    for _ in 0..40 {
        if fa < fb {
            hi = b;
            b = a;
            fb = fa;
            a = hi - ratio * (hi - lo);
            fa = nll(a);
        } else {
            lo = a;
            a = b;
            fa = fb;
            b = lo + ratio * (hi - lo);
            fb = nll(b);
        }
    }
    ((lo + hi) / 2.0).exp() as f32
}

/// Replaces logits by probabilities, stably.
pub fn softmax_in_place(logits: &mut [f32]) {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for l in logits.iter_mut() {
        *l = (*l - max).exp();
        sum += *l;
    }
    for l in logits.iter_mut() {
        *l /= sum;
    }
}

struct Problem<'a> {
    x: &'a [&'a SparseVec],
    y: &'a [usize],
    classes: usize,
    width: usize,
    sample_weight: Vec<f64>,
    total_weight: f64,
    c: f64,
}

impl Problem<'_> {
    /// Objective value and, when asked, its gradient, in one pass over the data.
    fn evaluate(&self, params: &[f64], mut gradient: Option<&mut [f64]>) -> f64 {
        let (k, d) = (self.classes, self.width);
        let (weights, bias) = params.split_at(k * d);
        let mut loss = 0.0;
        let mut logits = vec![0.0f64; k];
        for ((x, &label), &sw) in self.x.iter().zip(self.y).zip(&self.sample_weight) {
            for (class, logit) in logits.iter_mut().enumerate() {
                let row = &weights[class * d..(class + 1) * d];
                *logit = bias[class]
                    + x.0
                        .iter()
                        .map(|&(c, v)| row[c as usize] * v as f64)
                        .sum::<f64>();
            }
            let max = logits.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let log_sum = logits.iter().map(|l| (l - max).exp()).sum::<f64>().ln() + max;
            loss += sw * (log_sum - logits[label]);
            if let Some(g) = gradient.as_deref_mut() {
                for (class, &logit) in logits.iter().enumerate() {
                    let p = (logit - log_sum).exp();
                    let residual = sw * (p - if class == label { 1.0 } else { 0.0 });
                    let row = &mut g[class * d..(class + 1) * d];
                    for &(c, v) in &x.0 {
                        row[c as usize] += residual * v as f64;
                    }
                    g[k * d + class] += residual;
                }
            }
        }
        let penalty: f64 = weights.iter().map(|w| w * w).sum::<f64>() / (2.0 * self.c);
        if let Some(g) = gradient {
            for (gi, &w) in g[..k * d].iter_mut().zip(weights) {
                *gi += w / self.c;
            }
            for gi in g.iter_mut() {
                *gi /= self.total_weight;
            }
        }
        (loss + penalty) / self.total_weight
    }
}

impl CostFunction for Problem<'_> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, params: &Self::Param) -> Result<f64, argmin::core::Error> {
        Ok(self.evaluate(params, None))
    }
}

impl Gradient for Problem<'_> {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;

    fn gradient(&self, params: &Self::Param) -> Result<Vec<f64>, argmin::core::Error> {
        let mut g = vec![0.0; params.len()];
        self.evaluate(params, Some(&mut g));
        Ok(g)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sv(entries: &[(u32, f32)]) -> SparseVec {
        SparseVec(entries.to_vec())
    }

    #[test]
    fn separates_classes_by_their_feature() {
        let data = [
            sv(&[(0, 1.0)]),
            sv(&[(0, 1.0)]),
            sv(&[(1, 1.0)]),
            sv(&[(1, 1.0)]),
            sv(&[(2, 1.0)]),
        ];
        let x: Vec<&SparseVec> = data.iter().collect();
        let y = [0, 0, 1, 1, 2];
        let model = Softmax::fit(&x, &y, 3, 3, FitOptions::default()).unwrap();
        for (xi, &yi) in data.iter().zip(&y) {
            let p = model.predict_proba(xi);
            let best = (0..3).max_by(|&a, &b| p[a].total_cmp(&p[b])).unwrap();
            assert_eq!(best, yi);
            assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        }
    }

    #[test]
    fn temperature_softens_overconfident_probabilities() {
        // Always 0.99 sure but right only 3 times in 4: the fitted temperature softens
        // the confidence towards 0.75 without changing the chosen class.
        let held_out: Vec<(Vec<f32>, usize)> = (0..40)
            .map(|i| (vec![0.99, 0.01], usize::from(i % 4 == 0)))
            .collect();
        let refs: Vec<&(Vec<f32>, usize)> = held_out.iter().collect();
        let t = fit_temperature(&refs);
        assert!(t > 1.0);
        let p = rescale(&[0.99, 0.01], t);
        assert!((p[0] - 0.75).abs() < 0.01, "{p:?}");
        assert!(rescale(&[0.2, 0.8], t)[1] > 0.5);
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let data = [sv(&[(0, 0.6), (1, 0.8)]), sv(&[(1, 1.0)]), sv(&[(0, 1.0)])];
        let x: Vec<&SparseVec> = data.iter().collect();
        let problem = Problem {
            x: &x,
            y: &[0, 1, 1],
            classes: 2,
            width: 2,
            sample_weight: vec![1.5, 0.75, 0.75],
            total_weight: 3.0,
            c: 2.0,
        };
        let params = vec![0.3, -0.2, 0.1, 0.4, 0.05, -0.05];
        let mut g = vec![0.0; params.len()];
        problem.evaluate(&params, Some(&mut g));
        for i in 0..params.len() {
            let h = 1e-6;
            let mut up = params.clone();
            up[i] += h;
            let mut down = params.clone();
            down[i] -= h;
            let numeric = (problem.evaluate(&up, None) - problem.evaluate(&down, None)) / (2.0 * h);
            assert!(
                (numeric - g[i]).abs() < 1e-6,
                "param {i}: {numeric} vs {}",
                g[i]
            );
        }
    }
}
