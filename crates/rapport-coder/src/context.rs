//! The conversation layer: a second pass whose features add, to each utterance's own
//! features, the first pass's code probabilities of the turns around it. Client talk
//! runs in streaks (sustain talk follows sustain talk) and answers the counsellor's
//! moves (change talk after an evocative question), which one utterance alone does not
//! show.

use serde::{Deserialize, Serialize};

use crate::model::Prediction;
use crate::vectorizer::SparseVec;

/// Probabilities per turn the layer reads: the four behaviours of a counsellor turn,
/// then the three talk types of a client turn (zeros in the other speaker's slots).
pub const CODES: usize = 7;

/// Which neighbouring turns the layer reads and how it is trained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContextSpec {
    /// Positions read, relative to the coded utterance (0 is the utterance itself).
    pub offsets: Vec<i32>,
    /// Scale of the probabilities against the TF-IDF blocks.
    pub weight: f32,
    /// Folds of the inner cross-validation whose held-out first-pass codes the second
    /// pass learns from (so it learns from codes as good as those it will see).
    pub inner_folds: usize,
}

impl Default for ContextSpec {
    /// The three turns before and two after, and the utterance's own first-pass codes.
    fn default() -> Self {
        ContextSpec {
            offsets: vec![-3, -2, -1, 0, 1, 2],
            weight: 1.0,
            inner_folds: 5,
        }
    }
}

impl ContextSpec {
    /// Columns the layer adds.
    pub fn width(&self) -> usize {
        self.offsets.len() * CODES
    }

    /// Appends the context block of utterance `i` to `x`, from column `offset` on.
    pub fn append(&self, first: &[[f32; CODES]], i: usize, offset: usize, x: &mut SparseVec) {
        for (slot, &delta) in self.offsets.iter().enumerate() {
            let Some(codes) = i
                .checked_add_signed(delta as isize)
                .and_then(|j| first.get(j))
            else {
                continue;
            };
            for (k, &p) in codes.iter().enumerate() {
                if p != 0.0 {
                    x.0.push(((offset + slot * CODES + k) as u32, p * self.weight));
                }
            }
        }
    }
}

/// The probabilities the layer reads of one first-pass prediction.
pub fn codes_of(prediction: &Prediction) -> [f32; CODES] {
    let mut codes = [0.0; CODES];
    match prediction {
        Prediction::Counselor { behaviour, .. } => {
            for (c, p) in codes.iter_mut().zip(behaviour) {
                *c = *p;
            }
        }
        Prediction::Client { talk } => {
            for (c, p) in codes[4..].iter_mut().zip(talk) {
                *c = *p;
            }
        }
    }
    codes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_places_each_neighbour_in_its_slot() {
        let spec = ContextSpec {
            offsets: vec![-1, 0, 1],
            weight: 2.0,
            inner_folds: 2,
        };
        let counsellor = codes_of(&Prediction::Counselor {
            behaviour: vec![0.5, 0.5, 0.0, 0.0],
            question_type: vec![0.5, 0.5],
            reflection_type: vec![0.5, 0.5],
        });
        let client = codes_of(&Prediction::Client {
            talk: vec![0.0, 0.25, 0.75],
        });
        let first = [counsellor, client];
        let mut x = SparseVec(vec![(0, 1.0)]);
        spec.append(&first, 0, 10, &mut x);
        // slot 0 (turn -1) is absent; slot 1 is the counsellor turn; slot 2 the client's.
        assert_eq!(
            x.0,
            vec![(0, 1.0), (17, 1.0), (18, 1.0), (24 + 5, 0.5), (24 + 6, 1.5)]
        );
        assert_eq!(spec.width(), 21);
    }
}
