//! Tokenisation of utterance text into the n-grams the model counts.
//!
//! Mirrors scikit-learn's `TfidfVectorizer` analysers so the model can be compared with
//! the peer baseline feature for feature: words are runs of two or more word characters
//! after lower-casing (`(?u)\b\w\w+\b`); `char_wb` n-grams are taken inside each
//! whitespace-separated token padded with one space on each side, which keeps
//! punctuation such as a closing `?`.

/// The text as speech-to-text often writes it: lower case, without punctuation (an
/// apostrophe inside a word stays, as in "don't"), single spaces. Evaluation codes such
/// copies to measure how far the figures hold on machine transcripts.
pub fn machine_like(text: &str) -> String {
    let lower = text.to_lowercase();
    let chars: Vec<char> = lower.chars().collect();
    let kept: String = chars
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let inside_word = c == '\''
                && i > 0
                && chars[i - 1].is_alphanumeric()
                && chars.get(i + 1).is_some_and(|n| n.is_alphanumeric());
            if c.is_alphanumeric() || c.is_whitespace() || inside_word {
                c
            } else {
                ' '
            }
        })
        .collect();
    kept.split_whitespace().collect::<Vec<_>>().join(" ")
}

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

impl Analyzer {
    /// Calls `f` with the [`term_hash`] of every n-gram of `text`, in the order and with
    /// the repeats of [`Analyzer::ngrams`], without building the n-gram strings: coding
    /// only looks n-grams up, so this is the hot path.
    pub fn for_each_ngram_hash(self, text: &str, mut f: impl FnMut(u64)) {
        let lower = text.to_lowercase();
        match self {
            Analyzer::Words { min, max } => {
                let tokens = words(&lower);
                for n in min.max(1)..=max {
                    for window in tokens.windows(n) {
                        let mut hash = FNV_OFFSET;
                        for (i, token) in window.iter().enumerate() {
                            if i > 0 {
                                hash = fnv1a(hash, b" ");
                            }
                            hash = fnv1a(hash, token.as_bytes());
                        }
                        f(hash);
                    }
                }
            }
            Analyzer::CharsInWords { min, max } => {
                let mut padded = Vec::new();
                let mut starts = Vec::new();
                for token in lower.split_whitespace() {
                    padded.clear();
                    padded.push(b' ');
                    padded.extend_from_slice(token.as_bytes());
                    padded.push(b' ');
                    starts.clear();
                    starts.push(0);
                    starts.extend(token.char_indices().map(|(i, _)| i + 1));
                    starts.push(padded.len() - 1);
                    starts.push(padded.len());
                    // `starts` holds each char's first byte, then the end of the buffer.
                    let chars = starts.len() - 1;
                    for n in min.max(1)..=max {
                        if chars <= n {
                            f(fnv1a(FNV_OFFSET, &padded));
                            break;
                        }
                        for i in 0..=chars - n {
                            f(fnv1a(FNV_OFFSET, &padded[starts[i]..starts[i + n]]));
                        }
                    }
                }
            }
        }
    }
}

/// The hash under which a vocabulary term is looked up (64-bit FNV-1a of its UTF-8
/// bytes; byte by byte, so an n-gram can be hashed piece by piece).
pub fn term_hash(term: &str) -> u64 {
    fnv1a(FNV_OFFSET, term.as_bytes())
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

fn fnv1a(mut hash: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
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
    fn machine_like_text_drops_case_and_punctuation_but_not_contractions() {
        assert_eq!(
            machine_like("So, you don't drink?  \"Never\" on Sundays -- right?"),
            "so you don't drink never on sundays right"
        );
        assert_eq!(machine_like("'Quoted.' Ok"), "quoted ok");
        assert_eq!(machine_like("?!"), "");
    }

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

    proptest::proptest! {
        #[test]
        fn hashes_match_the_ngram_strings(text in "[a-zA-Z?!.,' éüß\\-]{0,40}") {
            for analyzer in [
                Analyzer::Words { min: 1, max: 2 },
                Analyzer::CharsInWords { min: 2, max: 5 },
            ] {
                let expected: Vec<u64> = analyzer.ngrams(&text).iter().map(|g| term_hash(g)).collect();
                let mut got = Vec::new();
                analyzer.for_each_ngram_hash(&text, |h| got.push(h));
                proptest::prop_assert_eq!(got, expected);
            }
        }
    }

    #[test]
    fn short_tokens_stop_at_their_own_length() {
        let grams = Analyzer::CharsInWords { min: 2, max: 5 }.ngrams("I");
        assert_eq!(grams, vec![" i", "i ", " i "]);
    }
}
