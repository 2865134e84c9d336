//! Grouped folds: every session of one group (one video) in the same fold, so that no
//! conversation is split between training and test, with folds balanced by utterances.

use std::borrow::Borrow;
use std::collections::HashMap;

use crate::corpus::LabelledSession;

/// Sessions that cannot be split into the folds asked for.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FoldError {
    /// Fewer groups than folds.
    #[error(
        "{groups} groups cannot fill {folds} folds: each fold needs a group of its own; use fewer folds or more data"
    )]
    TooFewGroups {
        /// Distinct groups in the data.
        groups: usize,
        /// Folds asked for.
        folds: usize,
    },
    /// Fewer than two folds.
    #[error("cross-validation needs at least 2 folds, not {0}")]
    TooFewFolds(usize),
}

/// Assigns each session a fold in `0..folds`, keeping groups whole and balancing
/// utterance counts: groups, largest first, go to the fold with fewest utterances (as
/// scikit-learn's `GroupKFold`).
pub fn assign_folds<S: Borrow<LabelledSession>>(
    sessions: &[S],
    folds: usize,
) -> Result<Vec<usize>, FoldError> {
    if folds < 2 {
        return Err(FoldError::TooFewFolds(folds));
    }
    let mut sizes: HashMap<&str, usize> = HashMap::new();
    for s in sessions.iter().map(Borrow::borrow) {
        *sizes.entry(s.group.as_str()).or_default() += s.utterances.len();
    }
    if sizes.len() < folds {
        return Err(FoldError::TooFewGroups {
            groups: sizes.len(),
            folds,
        });
    }
    let mut groups: Vec<(&str, usize)> = sizes.into_iter().collect();
    groups.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let mut load = vec![0usize; folds];
    let mut fold_of: HashMap<&str, usize> = HashMap::new();
    for (group, size) in groups {
        let fold = (0..folds).min_by_key(|&f| (load[f], f)).unwrap_or(0);
        load[fold] += size;
        fold_of.insert(group, fold);
    }
    Ok(sessions
        .iter()
        .map(|s| fold_of.get(s.borrow().group.as_str()).copied().unwrap_or(0))
        .collect())
}
