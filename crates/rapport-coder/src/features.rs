//! Features of an utterance in its conversation: TF-IDF blocks over the utterance's own
//! words and characters, the turn before it (what a reflection reflects, what change
//! talk answers) and the turn after it (how the other side took it), and, for models
//! that use the sentence encoder, dense blocks holding those turns' embeddings.

use rapport_core::Speaker;
use serde::{Deserialize, Serialize};

use crate::text::Analyzer;
use crate::vectorizer::{SparseVec, TfidfBlock};

/// One turn as the features see it.
#[derive(Debug, Clone, Copy)]
pub struct Turn<'a> {
    /// Who spoke.
    pub speaker: Speaker,
    /// What was said.
    pub text: &'a str,
    /// The sentence encoder's vector of `text`, where the model reads embeddings.
    pub embedding: Option<&'a [f32]>,
}

/// Which text of the conversation a block reads, relative to the coded utterance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum View {
    /// The utterance itself.
    Own,
    /// The turn just before, when the other side spoke it (else nothing).
    Previous,
    /// The turn just after, whoever spoke it.
    Next,
    /// For a client utterance, the counsellor's turn just before it (what it answers);
    /// nothing for a counsellor utterance.
    CounselorBefore,
}

impl View {
    /// The turn this view reads for utterance `i`, if there is one.
    pub fn turn<'a>(self, turns: &[Turn<'a>], i: usize) -> Option<Turn<'a>> {
        match self {
            View::Own => turns.get(i).copied(),
            View::Previous => match i.checked_sub(1).map(|p| turns[p]) {
                Some(prev) if prev.speaker != turns[i].speaker => Some(prev),
                _ => None,
            },
            View::Next => turns.get(i + 1).copied(),
            // The previous turn is the other side's, so a client's is the counsellor's.
            View::CounselorBefore => View::Previous
                .turn(turns, i)
                .filter(|_| turns[i].speaker == Speaker::Client),
        }
    }

    /// The text this view reads for utterance `i` (empty where there is no such turn).
    pub fn text<'a>(self, turns: &[Turn<'a>], i: usize) -> &'a str {
        self.turn(turns, i).map_or("", |t| t.text)
    }
}

/// How to build one block: which view, which n-grams, how rare a term may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockSpec {
    /// Which text the block reads.
    pub view: View,
    /// Which n-grams it counts.
    pub analyzer: Analyzer,
    /// Terms seen in fewer training utterances than this are dropped.
    pub min_df: usize,
}

/// A dense block: the sentence embedding of one view's turn, mean-pooled from one of
/// the encoder's layers, scaled by `weight` (zeros where the view has no turn).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DenseSpec {
    /// Which turn's embedding the block holds.
    pub view: View,
    /// Which encoder layer it is pooled from (1 = the first transformer layer). Model
    /// files written before this field read the last layer of all-MiniLM-L6-v2 (6), the
    /// encoder's sentence embedding proper.
    #[serde(default = "last_minilm_layer")]
    pub layer: usize,
    /// Scale of the embedding (unit length) against the TF-IDF blocks (unit length each).
    pub weight: f32,
}

fn last_minilm_layer() -> usize {
    6
}

/// The encoder layers a set of dense blocks reads, each once, in order of first use: an
/// utterance's embedding stacks the pooled outputs of these layers in this order.
pub fn embedding_layers(dense: &[DenseSpec]) -> Vec<usize> {
    let mut layers = Vec::new();
    for spec in dense {
        if !layers.contains(&spec.layer) {
            layers.push(spec.layer);
        }
    }
    layers
}

/// The dense blocks of the encoder model: the utterance's embedding from the encoder's
/// last layer at half the weight of a TF-IDF block and from its middle layer at full
/// weight, and, for a client utterance, the last layer's embedding of the counsellor's
/// turn it answers. Chosen on all-MiniLM-L6-v2 (layers 6 and 3) by grouped
/// cross-validation (macro-F1): the last layer x0.5 lifted counsellor behaviour from
/// 0.721 to 0.739 and client talk from 0.482 to 0.495; the counsellor's turn before
/// lifted client talk to 0.502; the middle layer lifted counsellor behaviour to 0.757,
/// client talk to 0.504 (its mean-pooled states keep more of an utterance's form than
/// the last layer, tuned for meaning). The same blocks on all-mpnet-base-v2 (layers 12
/// and 6, no further tuning) reach 0.764 and 0.527 (docs/research.md).
pub const ENCODER_DENSE: [DenseSpec; 3] = [
    DenseSpec {
        view: View::Own,
        layer: 12,
        weight: 0.5,
    },
    DenseSpec {
        view: View::Own,
        layer: 6,
        weight: 1.0,
    },
    DenseSpec {
        view: View::CounselorBefore,
        layer: 12,
        weight: 1.0,
    },
];

/// Utterances lack the embeddings a model with dense blocks reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmbeddingError {
    /// An utterance has no embedding.
    #[error("utterance {index} has no sentence embedding; this model reads the encoder's")]
    Missing {
        /// Position in its conversation.
        index: usize,
    },
    /// Embeddings whose length cannot hold the layers read, one equal part each.
    #[error(
        "embeddings of {found} values cannot stack {layers} encoder layers of equal width; embed with the layers the model reads"
    )]
    Layers {
        /// Values found.
        found: usize,
        /// Layers the dense blocks read.
        layers: usize,
    },
    /// An embedding of another size than the model's.
    #[error("utterance {index} has an embedding of {found} values, the model reads {expected}")]
    Size {
        /// Position in its conversation.
        index: usize,
        /// Values found.
        found: usize,
        /// Values the model reads.
        expected: usize,
    },
}

/// The default blocks: word 1-2-grams and character 2-5-grams of the utterance (the
/// peer's features), plus word 1-2-grams of the previous and next turns.
pub const DEFAULT_BLOCKS: [BlockSpec; 4] = [
    BlockSpec {
        view: View::Own,
        analyzer: Analyzer::Words { min: 1, max: 2 },
        min_df: 2,
    },
    BlockSpec {
        view: View::Own,
        analyzer: Analyzer::CharsInWords { min: 2, max: 5 },
        min_df: 2,
    },
    BlockSpec {
        view: View::Previous,
        analyzer: Analyzer::Words { min: 1, max: 2 },
        min_df: 2,
    },
    BlockSpec {
        view: View::Next,
        analyzer: Analyzer::Words { min: 1, max: 2 },
        min_df: 2,
    },
];

/// The fitted blocks, laid side by side in one feature space: the TF-IDF blocks, then
/// the dense blocks.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureSpace {
    /// Each block with the spec it was built from.
    pub blocks: Vec<(BlockSpec, TfidfBlock)>,
    /// The dense blocks, each `dense_dim` columns wide.
    pub dense: Vec<DenseSpec>,
    /// Size of one embedding (0 without dense blocks).
    pub dense_dim: usize,
}

impl FeatureSpace {
    /// Learns every block's vocabulary from the training conversations; with dense
    /// blocks, every turn must carry an embedding of one size.
    pub fn fit(
        specs: &[BlockSpec],
        dense: &[DenseSpec],
        conversations: &[Vec<Turn<'_>>],
    ) -> Result<FeatureSpace, EmbeddingError> {
        let dense_dim = if dense.is_empty() {
            0
        } else {
            let first = conversations
                .iter()
                .flatten()
                .next()
                .map_or(Some(0), |t| t.embedding.map(<[f32]>::len));
            let stacked = first.ok_or(EmbeddingError::Missing { index: 0 })?;
            let layers = embedding_layers(dense).len();
            if stacked % layers != 0 {
                return Err(EmbeddingError::Layers {
                    found: stacked,
                    layers,
                });
            }
            for turns in conversations {
                check_embeddings(turns, stacked)?;
            }
            stacked / layers
        };
        let blocks = specs
            .iter()
            .map(|spec| {
                let texts = conversations
                    .iter()
                    .flat_map(|turns| (0..turns.len()).map(|i| spec.view.text(turns, i)));
                (*spec, TfidfBlock::fit(spec.analyzer, spec.min_df, texts))
            })
            .collect();
        Ok(FeatureSpace {
            blocks,
            dense: dense.to_vec(),
            dense_dim,
        })
    }

    /// Whether the space reads sentence embeddings.
    pub fn reads_embeddings(&self) -> bool {
        !self.dense.is_empty()
    }

    /// The encoder layers this space reads, in the order an embedding stacks them.
    pub fn layers(&self) -> Vec<usize> {
        embedding_layers(&self.dense)
    }

    /// Checks that a conversation carries the embeddings this space reads.
    pub fn check(&self, turns: &[Turn<'_>]) -> Result<(), EmbeddingError> {
        if self.reads_embeddings() {
            check_embeddings(turns, self.dense_dim * self.layers().len())
        } else {
            Ok(())
        }
    }

    /// Total number of columns.
    pub fn width(&self) -> usize {
        self.blocks.iter().map(|(_, b)| b.width()).sum::<usize>()
            + self.dense.len() * self.dense_dim
    }

    /// The feature vector of utterance `i` of a conversation (checked by
    /// [`FeatureSpace::check`]; a missing embedding reads as zeros).
    pub fn vectorize(&self, turns: &[Turn<'_>], i: usize) -> SparseVec {
        let mut entries = Vec::new();
        let mut offset = 0u32;
        for (spec, block) in &self.blocks {
            block.transform(spec.view.text(turns, i), offset, &mut entries);
            offset += block.width() as u32;
        }
        let layers = self.layers();
        for spec in &self.dense {
            let segment = layers.iter().position(|&l| l == spec.layer).unwrap_or(0);
            let start = segment * self.dense_dim;
            if let Some(embedding) = spec.view.turn(turns, i).and_then(|t| t.embedding) {
                entries.extend(
                    embedding
                        .iter()
                        .skip(start)
                        .take(self.dense_dim)
                        .enumerate()
                        .filter(|(_, v)| **v != 0.0)
                        .map(|(j, v)| (offset + j as u32, v * spec.weight)),
                );
            }
            offset += self.dense_dim as u32;
        }
        SparseVec(entries)
    }

    /// Feature vectors of every utterance of a conversation.
    pub fn vectorize_all(&self, turns: &[Turn<'_>]) -> Vec<SparseVec> {
        (0..turns.len()).map(|i| self.vectorize(turns, i)).collect()
    }
}

fn check_embeddings(turns: &[Turn<'_>], dim: usize) -> Result<(), EmbeddingError> {
    for (index, turn) in turns.iter().enumerate() {
        match turn.embedding {
            None => return Err(EmbeddingError::Missing { index }),
            Some(e) if e.len() != dim => {
                return Err(EmbeddingError::Size {
                    index,
                    found: e.len(),
                    expected: dim,
                });
            }
            Some(_) => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turns() -> Vec<Turn<'static>> {
        vec![
            Turn {
                speaker: Speaker::Counselor,
                text: "How are you?",
                embedding: None,
            },
            Turn {
                speaker: Speaker::Client,
                text: "Tired.",
                embedding: None,
            },
            Turn {
                speaker: Speaker::Client,
                text: "Very tired.",
                embedding: None,
            },
        ]
    }

    #[test]
    fn previous_view_reads_only_the_other_side() {
        let t = turns();
        assert_eq!(View::Previous.text(&t, 0), "");
        assert_eq!(View::Previous.text(&t, 1), "How are you?");
        assert_eq!(View::Previous.text(&t, 2), "");
        assert_eq!(View::Next.text(&t, 1), "Very tired.");
        assert_eq!(View::Next.text(&t, 2), "");
        assert_eq!(View::CounselorBefore.text(&t, 0), "");
        assert_eq!(View::CounselorBefore.text(&t, 1), "How are you?");
        assert_eq!(View::CounselorBefore.text(&t, 2), "");
    }

    /// `turns()` with the embeddings given, one per turn.
    fn turns_with<'a>(vectors: &[&'a [f32]]) -> Vec<Turn<'a>> {
        let mut t = turns();
        for (turn, v) in t.iter_mut().zip(vectors) {
            turn.embedding = Some(v);
        }
        t
    }

    /// The dense columns of utterance `i`'s features, numbered from the first dense one.
    fn dense_columns(space: &FeatureSpace, t: &[Turn<'_>], i: usize) -> Vec<(usize, f32)> {
        let sparse = space.width() - space.dense.len() * space.dense_dim;
        space
            .vectorize(t, i)
            .0
            .iter()
            .filter(|(c, _)| *c as usize >= sparse)
            .map(|&(c, x)| (c as usize - sparse, x))
            .collect()
    }

    #[test]
    fn blocks_occupy_disjoint_columns() {
        let t = turns();
        let space = FeatureSpace::fit(&DEFAULT_BLOCKS, &[], &[t.clone(), t.clone()]).unwrap();
        let v = space.vectorize(&t, 1);
        let width = space.width() as u32;
        assert!(v.0.iter().all(|&(c, _)| c < width));
        assert!(v.0.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn dense_blocks_follow_the_tfidf_columns() {
        let t = turns_with(&[&[1.0, 0.0], &[0.0, 2.0], &[3.0, 4.0]]);
        let dense = [
            DenseSpec {
                view: View::Own,
                layer: 6,
                weight: 0.5,
            },
            DenseSpec {
                view: View::Previous,
                layer: 6,
                weight: 1.0,
            },
        ];
        let space = FeatureSpace::fit(&DEFAULT_BLOCKS, &dense, std::slice::from_ref(&t)).unwrap();
        assert_eq!(space.dense_dim, 2);
        // own [0, 2] * 0.5, then the counsellor's previous turn [1, 0].
        assert_eq!(dense_columns(&space, &t, 1), vec![(1, 1.0), (2, 1.0)]);
    }

    #[test]
    fn each_dense_block_reads_its_layers_part_of_the_stacked_embedding() {
        // Each turn's embedding stacks layer 6 then layer 3, two values each.
        let mut t = turns_with(&[&[1.0, 2.0, 3.0, 4.0], &[5.0, 6.0, 7.0, 8.0], &[0.0; 4]]);
        let dense = [
            DenseSpec {
                view: View::Own,
                layer: 6,
                weight: 1.0,
            },
            DenseSpec {
                view: View::Own,
                layer: 3,
                weight: 0.5,
            },
            DenseSpec {
                view: View::CounselorBefore,
                layer: 3,
                weight: 1.0,
            },
        ];
        assert_eq!(embedding_layers(&dense), vec![6, 3]);
        let space = FeatureSpace::fit(&DEFAULT_BLOCKS, &dense, &[t.clone()]).unwrap();
        assert_eq!(space.dense_dim, 2);
        // own layer 6 [5, 6], own layer 3 [7, 8] * 0.5, the counsellor's layer 3 [3, 4].
        assert_eq!(
            dense_columns(&space, &t, 1),
            vec![(0, 5.0), (1, 6.0), (2, 3.5), (3, 4.0), (4, 3.0), (5, 4.0)]
        );
        // Embeddings that cannot hold the two layers in equal parts are refused.
        let three: &[f32] = &[1.0, 2.0, 3.0];
        let odd = turns_with(&[three, three, three]);
        assert_eq!(
            FeatureSpace::fit(&DEFAULT_BLOCKS, &dense, &[odd]).unwrap_err(),
            EmbeddingError::Layers {
                found: 3,
                layers: 2
            }
        );
        // An embedding of one layer's width where two are stacked is refused.
        let short = [1.0f32, 2.0];
        t[2].embedding = Some(&short);
        assert_eq!(
            space.check(&t).unwrap_err(),
            EmbeddingError::Size {
                index: 2,
                found: 2,
                expected: 4
            }
        );
    }

    #[test]
    fn a_missing_embedding_is_named() {
        let mut t = turns();
        let v = [1.0f32, 0.0];
        t[0].embedding = Some(&v);
        let dense = [DenseSpec {
            view: View::Own,
            layer: 6,
            weight: 1.0,
        }];
        assert_eq!(
            FeatureSpace::fit(&DEFAULT_BLOCKS, &dense, &[t]).unwrap_err(),
            EmbeddingError::Missing { index: 1 }
        );
    }
}
