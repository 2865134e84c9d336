//! Tokenisation of utterance text into the n-grams the model counts.
//!
//! Mirrors scikit-learn's `TfidfVectorizer` analysers so the model can be compared with
//! the peer baseline feature for feature: words are runs of two or more word characters
//! after lower-casing (`(?u)\b\w\w+\b`); `char_wb` n-grams are taken inside each
//! whitespace-separated token padded with one space on each side, which keeps
//! punctuation such as a closing `?`.

/// Which n-grams a feature block counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Analyzer {
    /// Word n-grams from `min` to `max` words.
    Words {
        /// Shortest n-gram, in words.
        min: usize,
        /// Longest n-gram, in words.
        max: usize,
    },
    /// Character n-grams within padded tokens, from `min` to `max` characters.
    CharsInWords {
        /// Shortest n-gram, in characters.
        min: usize,
        /// Longest n-gram, in characters.
        max: usize,
    },
}

impl Analyzer {
    /// Every n-gram of `text`, with repeats, in order of appearance.
    pub fn ngrams(self, text: &str) -> Vec<String> {
        let lower = text.to_lowercase();
        match self {
            Analyzer::Words { min, max } => word_ngrams(&words(&lower), min, max),
            Analyzer::CharsInWords { min, max } => char_wb_ngrams(&lower, min, max),
        }
    }
}

/// Runs of two or more word characters (letters, digits, underscore).
fn words(text: &str) -> Vec<&str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| w.chars().nth(1).is_some())
        .collect()
}

fn word_ngrams(tokens: &[&str], min: usize, max: usize) -> Vec<String> {
    let mut out = Vec::new();
    for n in min.max(1)..=max {
        for window in tokens.windows(n) {
            out.push(window.join(" "));
        }
    }
    out
}

fn char_wb_ngrams(text: &str, min: usize, max: usize) -> Vec<String> {
    let mut out = Vec::new();
    for token in text.split_whitespace() {
        let padded: Vec<char> = std::iter::once(' ')
            .chain(token.chars())
            .chain(std::iter::once(' '))
            .collect();
        for n in min.max(1)..=max {
            if padded.len() <= n {
                // Like scikit-learn: a token shorter than n yields itself once, then stops.
                out.push(padded.iter().collect());
                break;
            }
            for window in padded.windows(n) {
                out.push(window.iter().collect());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_drop_single_characters_and_punctuation() {
        let grams = Analyzer::Words { min: 1, max: 2 }.ngrams("So, I'd say NO to a drink?");
        assert_eq!(
            grams,
            vec![
                "so", "say", "no", "to", "drink", "so say", "say no", "no to", "to drink"
            ]
        );
    }

    #[test]
    fn char_ngrams_keep_a_closing_question_mark() {
        let grams = Analyzer::CharsInWords { min: 2, max: 3 }.ngrams("Why?");
        assert!(grams.contains(&"y?".to_string()));
        assert!(grams.contains(&"? ".to_string()));
        assert!(grams.contains(&" wh".to_string()));
    }

    #[test]
    fn short_tokens_stop_at_their_own_length() {
        let grams = Analyzer::CharsInWords { min: 2, max: 5 }.ngrams("I");
        assert_eq!(grams, vec![" i", "i ", " i "]);
    }
}
