//! TF-IDF feature blocks and the sparse vectors they produce.
//!
//! Each block owns a vocabulary (n-grams seen in at least `min_df` training
//! utterances) and its inverse document frequencies, weighted as scikit-learn does with
//! `sublinear_tf=True, smooth_idf=True, norm="l2"`: `tf = 1 + ln(count)`,
//! `idf = ln((1 + n) / (1 + df)) + 1`, then the block is scaled to unit length.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::text::{Analyzer, term_hash};

/// A sparse feature vector: `(index, value)` pairs sorted by index.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SparseVec(pub Vec<(u32, f32)>);

/// One TF-IDF block over one view of an utterance (its own text, the previous turn...).
#[derive(Debug, Clone, PartialEq)]
pub struct TfidfBlock {
    /// How the text is cut into n-grams.
    pub analyzer: Analyzer,
    /// N-gram to column, in `0..vocabulary.len()`.
    pub vocabulary: HashMap<String, u32>,
    /// Inverse document frequency of each column.
    pub idf: Vec<f32>,
    /// [`term_hash`] of each term to its column: what coding looks n-grams up in.
    by_hash: HashMap<u64, u32, BuildHasherDefault<PassThrough>>,
}

/// A hasher for keys that are already hashes.
#[derive(Default)]
struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only u64 keys are hashed; fold any other input in, just in case.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}

fn index_by_hash(
    vocabulary: &HashMap<String, u32>,
) -> HashMap<u64, u32, BuildHasherDefault<PassThrough>> {
    vocabulary
        .iter()
        .map(|(term, &column)| (term_hash(term), column))
        .collect()
}

impl TfidfBlock {
    /// Learns the vocabulary and idf from training texts.
    pub fn fit<'a>(
        analyzer: Analyzer,
        min_df: usize,
        texts: impl IntoIterator<Item = &'a str>,
    ) -> TfidfBlock {
        let mut df: HashMap<String, usize> = HashMap::new();
        let mut documents = 0usize;
        for text in texts {
            documents += 1;
            let mut grams = analyzer.ngrams(text);
            grams.sort_unstable();
            grams.dedup();
            for gram in grams {
                *df.entry(gram).or_default() += 1;
            }
        }
        // Sorted so that column numbers, and so the model file, are deterministic.
        let mut kept: Vec<(String, usize)> = df.into_iter().filter(|(_, n)| *n >= min_df).collect();
        kept.sort_unstable();
        let n = documents as f64;
        let idf = kept
            .iter()
            .map(|(_, d)| (((1.0 + n) / (1.0 + *d as f64)).ln() + 1.0) as f32)
            .collect();
        let vocabulary = kept
            .into_iter()
            .enumerate()
            .map(|(i, (gram, _))| (gram, i as u32))
            .collect();
        TfidfBlock {
            analyzer,
            by_hash: index_by_hash(&vocabulary),
            vocabulary,
            idf,
        }
    }

    /// Rebuilds a block from a stored vocabulary, in column order, and its idf.
    pub fn from_parts(analyzer: Analyzer, terms: Vec<String>, idf: Vec<f32>) -> TfidfBlock {
        let vocabulary = terms
            .into_iter()
            .enumerate()
            .map(|(i, t)| (t, i as u32))
            .collect();
        TfidfBlock {
            analyzer,
            by_hash: index_by_hash(&vocabulary),
            vocabulary,
            idf,
        }
    }

    /// The vocabulary in column order.
    pub fn terms(&self) -> Vec<String> {
        let mut terms = vec![String::new(); self.vocabulary.len()];
        for (term, &i) in &self.vocabulary {
            terms[i as usize] = term.clone();
        }
        terms
    }

    /// Number of columns.
    pub fn width(&self) -> usize {
        self.idf.len()
    }

    /// The unit-length TF-IDF vector of `text`, columns shifted by `offset`.
    pub fn transform(&self, text: &str, offset: u32, out: &mut Vec<(u32, f32)>) {
        let mut columns = Vec::new();
        self.analyzer.for_each_ngram_hash(text, |hash| {
            if let Some(&column) = self.by_hash.get(&hash) {
                columns.push(column);
            }
        });
        columns.sort_unstable();
        let mut entries: Vec<(u32, f32)> = Vec::new();
        for group in columns.chunk_by(|a, b| a == b) {
            let c = group[0];
            entries.push((c, (1.0 + (group.len() as f32).ln()) * self.idf[c as usize]));
        }
        let norm = entries.iter().map(|(_, v)| v * v).sum::<f32>().sqrt();
        if norm > 0.0 {
            out.extend(entries.into_iter().map(|(c, v)| (c + offset, v / norm)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WORDS: Analyzer = Analyzer::Words { min: 1, max: 1 };

    #[test]
    fn idf_and_sublinear_tf_follow_scikit_learn() {
        let block = TfidfBlock::fit(WORDS, 1, ["we drink", "we talk"]);
        // n = 2: "we" in both, idf = ln(3/3) + 1 = 1; "drink" in one, ln(3/2) + 1.
        let we = block.vocabulary["we"] as usize;
        let drink = block.vocabulary["drink"] as usize;
        assert!((block.idf[we] - 1.0).abs() < 1e-6);
        assert!((block.idf[drink] - (1.5f32.ln() + 1.0)).abs() < 1e-6);

        let mut v = Vec::new();
        block.transform("we we drink", 10, &mut v);
        let tf_we = 1.0 + 2f32.ln();
        let tf_drink = 1.5f32.ln() + 1.0;
        let norm = (tf_we * tf_we + tf_drink * tf_drink).sqrt();
        assert_eq!(v.len(), 2);
        for (column, value) in v {
            let expected = if column == we as u32 + 10 {
                tf_we / norm
            } else {
                tf_drink / norm
            };
            assert!((value - expected).abs() < 1e-6);
        }
    }

    #[test]
    fn min_df_drops_rare_terms_and_unknown_text_gives_nothing() {
        let block = TfidfBlock::fit(WORDS, 2, ["we drink", "we talk"]);
        assert_eq!(block.terms(), vec!["we".to_string()]);
        let mut v = Vec::new();
        block.transform("nothing known", 0, &mut v);
        assert!(v.is_empty());
    }
}
