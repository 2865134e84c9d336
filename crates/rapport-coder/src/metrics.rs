//! Agreement figures between expert codes and predicted codes: per-class and macro F1,
//! accuracy, Cohen's kappa, the confusion matrix, the expected calibration error of
//! the model's confidence, the AUC of a score, and the intraclass correlation of session
//! figures.

use serde::{Deserialize, Serialize};

/// Counts of (expert code, predicted code) pairs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Confusion {
    /// Class names, in index order.
    pub labels: Vec<String>,
    /// `counts[truth][predicted]`.
    pub counts: Vec<Vec<usize>>,
}

impl Confusion {
    /// An empty matrix over `labels`.
    pub fn new(labels: &[&str]) -> Confusion {
        Confusion {
            labels: labels.iter().map(|l| l.to_string()).collect(),
            counts: vec![vec![0; labels.len()]; labels.len()],
        }
    }

    /// Records one pair.
    pub fn add(&mut self, truth: usize, predicted: usize) {
        self.counts[truth][predicted] += 1;
    }

    /// Number of pairs.
    pub fn total(&self) -> usize {
        self.counts.iter().flatten().sum()
    }

    /// Share of pairs that agree.
    pub fn accuracy(&self) -> f64 {
        let agree: usize = (0..self.labels.len()).map(|k| self.counts[k][k]).sum();
        safe_div(agree as f64, self.total() as f64)
    }

    /// F1 of class `k` (0 where it is never expected nor predicted).
    pub fn f1(&self, k: usize) -> f64 {
        let tp = self.counts[k][k] as f64;
        let expected: usize = self.counts[k].iter().sum();
        let predicted: usize = self.counts.iter().map(|row| row[k]).sum();
        safe_div(2.0 * tp, (expected + predicted) as f64)
    }

    /// Unweighted mean of the per-class F1.
    pub fn macro_f1(&self) -> f64 {
        let n = self.labels.len();
        safe_div((0..n).map(|k| self.f1(k)).sum(), n as f64)
    }

    /// Cohen's kappa: agreement corrected for chance.
    pub fn kappa(&self) -> f64 {
        let total = self.total() as f64;
        if total == 0.0 {
            return 0.0;
        }
        let observed = self.accuracy();
        let chance: f64 = (0..self.labels.len())
            .map(|k| {
                let expected: usize = self.counts[k].iter().sum();
                let predicted: usize = self.counts.iter().map(|row| row[k]).sum();
                (expected as f64 / total) * (predicted as f64 / total)
            })
            .sum();
        if chance >= 1.0 {
            return 0.0;
        }
        (observed - chance) / (1.0 - chance)
    }
}

/// Expected calibration error over equal-width confidence bins: the mean gap between
/// confidence and accuracy, weighted by each bin's share of predictions.
pub fn expected_calibration_error(predictions: &[(f32, bool)], bins: usize) -> f64 {
    if predictions.is_empty() || bins == 0 {
        return 0.0;
    }
    let mut sums = vec![(0usize, 0.0f64, 0usize); bins];
    for &(confidence, correct) in predictions {
        let bin = ((confidence.clamp(0.0, 1.0) * bins as f32) as usize).min(bins - 1);
        sums[bin].0 += 1;
        sums[bin].1 += confidence as f64;
        sums[bin].2 += usize::from(correct);
    }
    let n = predictions.len() as f64;
    sums.iter()
        .filter(|(count, _, _)| *count > 0)
        .map(|&(count, confidence, correct)| {
            let c = count as f64;
            (c / n) * (confidence / c - correct as f64 / c).abs()
        })
        .sum()
}

fn safe_div(a: f64, b: f64) -> f64 {
    if b == 0.0 { 0.0 } else { a / b }
}

/// Area under the ROC curve of `scores` for telling `positive` items from the others:
/// the Mann-Whitney probability that a random positive scores above a random negative,
/// ties counted half. `None` when either class is absent or the slices differ in length.
/// Scores are ordered by [`f32::total_cmp`], so NaN ranks above every number.
pub fn auc(scores: &[f32], positive: &[bool]) -> Option<f64> {
    if scores.len() != positive.len() {
        return None;
    }
    let positives = positive.iter().filter(|&&p| p).count();
    let negatives = positive.len() - positives;
    if positives == 0 || negatives == 0 {
        return None;
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_unstable_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    // Sum of the (1-based, tie-averaged) ranks of the positives.
    let mut positive_ranks = 0.0f64;
    let mut start = 0;
    for group in order.chunk_by(|&a, &b| scores[a].total_cmp(&scores[b]).is_eq()) {
        let mean_rank = start as f64 + (group.len() as f64 + 1.0) / 2.0;
        let in_group = group.iter().filter(|&&i| positive[i]).count();
        positive_ranks += mean_rank * in_group as f64;
        start += group.len();
    }
    let (p, n) = (positives as f64, negatives as f64);
    Some((positive_ranks - p * (p + 1.0) / 2.0) / (p * n))
}

/// ICC(A,1) of paired ratings (McGraw & Wong, 1996; Shrout & Fleiss's ICC(2,1)):
/// two-way model, absolute agreement, single measure, here between an expert's figure
/// and a model's for each session. A model that is off by a constant loses agreement,
/// unlike with a correlation. `None` for fewer than two pairs or no variance at all.
pub fn icc_agreement(pairs: &[(f64, f64)]) -> Option<f64> {
    let n = pairs.len() as f64;
    if pairs.len() < 2 {
        return None;
    }
    let k = 2.0;
    let grand = pairs.iter().map(|(a, b)| a + b).sum::<f64>() / (n * k);
    let (mean_a, mean_b) = (
        pairs.iter().map(|(a, _)| a).sum::<f64>() / n,
        pairs.iter().map(|(_, b)| b).sum::<f64>() / n,
    );
    let rows = k * pairs
        .iter()
        .map(|(a, b)| ((a + b) / k - grand).powi(2))
        .sum::<f64>();
    let columns = n * ((mean_a - grand).powi(2) + (mean_b - grand).powi(2));
    let total = pairs
        .iter()
        .map(|(a, b)| (a - grand).powi(2) + (b - grand).powi(2))
        .sum::<f64>();
    let error = (total - rows - columns).max(0.0);
    let (ms_rows, ms_columns, ms_error) =
        (rows / (n - 1.0), columns / (k - 1.0), error / (n - 1.0));
    let denominator = ms_rows + (k - 1.0) * ms_error + k * (ms_columns - ms_error) / n;
    (denominator > 0.0).then(|| (ms_rows - ms_error) / denominator)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn icc_agreement_by_hand() {
        // The model reads one more than the expert every time: perfectly consistent,
        // but not in agreement. MSR 2, MSC 1.5, MSE 0: 2 / (2 + 2 x 1.5 / 3).
        let shifted = [(1.0, 2.0), (2.0, 3.0), (3.0, 4.0)];
        let icc = icc_agreement(&shifted).unwrap();
        assert!((icc - 2.0 / 3.0).abs() < 1e-12, "{icc}");
        let same = [(1.0, 1.0), (2.0, 2.0), (5.0, 5.0)];
        assert!((icc_agreement(&same).unwrap() - 1.0).abs() < 1e-12);
        // Model and expert cross: MSR 0, MSC 0, MSE 2 over three sessions, so
        // (0 - 2) / (0 + 2 + 2 x (0 - 2) / 3) = -3: worse than no agreement.
        let crossed = [(1.0, 3.0), (3.0, 1.0), (2.0, 2.0)];
        assert!((icc_agreement(&crossed).unwrap() + 3.0).abs() < 1e-12);
        assert_eq!(icc_agreement(&[(1.0, 1.0)]), None);
        assert_eq!(icc_agreement(&[(2.0, 2.0), (2.0, 2.0)]), None);
    }

    /// Truth/prediction pairs worked by hand:
    /// truth a a a b b c, predicted a a b b c c.
    fn example() -> Confusion {
        let mut m = Confusion::new(&["a", "b", "c"]);
        for (t, p) in [(0, 0), (0, 0), (0, 1), (1, 1), (1, 2), (2, 2)] {
            m.add(t, p);
        }
        m
    }

    #[test]
    fn f1_and_macro_f1_by_hand() {
        let m = example();
        // a: tp 2, expected 3, predicted 2 -> 4/5. b: tp 1, 2, 2 -> 1/2. c: tp 1, 1, 2 -> 2/3.
        assert!((m.f1(0) - 0.8).abs() < 1e-12);
        assert!((m.f1(1) - 0.5).abs() < 1e-12);
        assert!((m.f1(2) - 2.0 / 3.0).abs() < 1e-12);
        assert!((m.macro_f1() - (0.8 + 0.5 + 2.0 / 3.0) / 3.0).abs() < 1e-12);
        assert!((m.accuracy() - 4.0 / 6.0).abs() < 1e-12);
    }

    #[test]
    fn kappa_by_hand() {
        // chance = (3/6)(2/6) + (2/6)(2/6) + (1/6)(2/6) = 12/36 = 1/3; kappa = (2/3 - 1/3) / (2/3).
        assert!((example().kappa() - 0.5).abs() < 1e-12);
    }

    #[test]
    fn calibration_error_by_hand() {
        // Bin 0.8-0.9: confidence 0.8 twice, one right -> gap 0.3. Bin 0.9-1.0: 1.0, right -> 0.
        let ece = expected_calibration_error(&[(0.8, true), (0.8, false), (1.0, true)], 10);
        assert!((ece - (2.0 / 3.0) * 0.3).abs() < 1e-6);
    }

    #[test]
    fn auc_perfect_inverse_and_absent_classes() {
        let positive = [false, false, true, true];
        assert_eq!(auc(&[0.1, 0.2, 0.8, 0.9], &positive), Some(1.0));
        assert_eq!(auc(&[0.9, 0.8, 0.2, 0.1], &positive), Some(0.0));
        assert_eq!(auc(&[0.1, 0.2], &[true, true]), None);
        assert_eq!(auc(&[0.1, 0.2], &[false, false]), None);
        assert_eq!(auc(&[], &[]), None);
        assert_eq!(auc(&[0.1, 0.2], &[true]), None);
    }

    #[test]
    fn auc_counts_ties_half_by_hand() {
        // All tied: every positive-negative pair counts half.
        assert_eq!(auc(&[0.5; 4], &[true, false, true, false]), Some(0.5));
        // Positives 0.4, 0.7; negatives 0.4, 0.2, 0.9. Pairs (pos, neg):
        // 0.4: vs 0.4 tie (1/2), vs 0.2 win, vs 0.9 loss -> 1.5;
        // 0.7: vs 0.4 win, vs 0.2 win, vs 0.9 loss -> 2. AUC = 3.5 / 6.
        let scores = [0.4, 0.4, 0.2, 0.7, 0.9];
        let positive = [true, false, false, true, false];
        let value = auc(&scores, &positive).unwrap();
        assert!((value - 3.5 / 6.0).abs() < 1e-12, "{value}");
    }
}
