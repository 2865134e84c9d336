//! Features of an utterance in its conversation: TF-IDF blocks over the utterance's own
//! words and characters, the turn before it (what a reflection reflects, what change
//! talk answers) and the turn after it (how the other side took it).

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
}

impl View {
    /// The text this view reads for utterance `i`.
    pub fn text<'a>(self, turns: &[Turn<'a>], i: usize) -> &'a str {
        match self {
            View::Own => turns[i].text,
            View::Previous => match i.checked_sub(1).map(|p| turns[p]) {
                Some(prev) if prev.speaker != turns[i].speaker => prev.text,
                _ => "",
            },
            View::Next => turns.get(i + 1).map_or("", |t| t.text),
        }
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

/// The fitted blocks, laid side by side in one feature space.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureSpace {
    /// Each block with the spec it was built from.
    pub blocks: Vec<(BlockSpec, TfidfBlock)>,
}

impl FeatureSpace {
    /// Learns every block's vocabulary from the training conversations.
    pub fn fit(specs: &[BlockSpec], conversations: &[Vec<Turn<'_>>]) -> FeatureSpace {
        let blocks = specs
            .iter()
            .map(|spec| {
                let texts = conversations
                    .iter()
                    .flat_map(|turns| (0..turns.len()).map(|i| spec.view.text(turns, i)));
                (*spec, TfidfBlock::fit(spec.analyzer, spec.min_df, texts))
            })
            .collect();
        FeatureSpace { blocks }
    }

    /// Total number of columns.
    pub fn width(&self) -> usize {
        self.blocks.iter().map(|(_, b)| b.width()).sum()
    }

    /// The feature vector of utterance `i` of a conversation.
    pub fn vectorize(&self, turns: &[Turn<'_>], i: usize) -> SparseVec {
        let mut entries = Vec::new();
        let mut offset = 0u32;
        for (spec, block) in &self.blocks {
            block.transform(spec.view.text(turns, i), offset, &mut entries);
            offset += block.width() as u32;
        }
        SparseVec(entries)
    }

    /// Feature vectors of every utterance of a conversation.
    pub fn vectorize_all(&self, turns: &[Turn<'_>]) -> Vec<SparseVec> {
        (0..turns.len()).map(|i| self.vectorize(turns, i)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turns() -> Vec<Turn<'static>> {
        vec![
            Turn {
                speaker: Speaker::Counselor,
                text: "How are you?",
            },
            Turn {
                speaker: Speaker::Client,
                text: "Tired.",
            },
            Turn {
                speaker: Speaker::Client,
                text: "Very tired.",
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
    }

    #[test]
    fn blocks_occupy_disjoint_columns() {
        let t = turns();
        let space = FeatureSpace::fit(&DEFAULT_BLOCKS, &[t.clone(), t.clone()]);
        let v = space.vectorize(&t, 1);
        let width = space.width() as u32;
        assert!(v.0.iter().all(|&(c, _)| c < width));
        assert!(v.0.windows(2).all(|w| w[0].0 < w[1].0));
    }
}
