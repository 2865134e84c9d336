//! The two coding modes: the default model (n-grams and the sentence encoder's
//! embeddings) and the fast one (n-grams only).

use serde::{Deserialize, Serialize};

/// Which shipped model codes a transcript, or which one a command trains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// N-grams and the sentence encoder's embeddings: the more accurate.
    Default,
    /// N-grams only, no encoder: for batch work over thousands of sessions.
    Fast,
}

impl Mode {
    /// Both modes, the default first.
    pub const ALL: [Mode; 2] = [Mode::Default, Mode::Fast];

    /// The model's name, as its file and card give it.
    pub fn model_name(self) -> &'static str {
        match self {
            Mode::Default => "rapport-coder",
            Mode::Fast => "rapport-coder-fast",
        }
    }

    /// The model's file name.
    pub fn file_name(self) -> &'static str {
        match self {
            Mode::Default => "rapport-coder.safetensors",
            Mode::Fast => "rapport-coder-fast.safetensors",
        }
    }

    /// How reports name the mode (`rapport`, `rapport --fast`).
    pub fn label(self) -> &'static str {
        match self {
            Mode::Default => "rapport",
            Mode::Fast => "rapport --fast",
        }
    }

    /// Whether this mode's model reads the sentence encoder.
    pub fn reads_encoder(self) -> bool {
        self == Mode::Default
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_mode_names_its_own_file_and_only_the_default_reads_the_encoder() {
        assert_eq!(Mode::Default.file_name(), "rapport-coder.safetensors");
        assert_eq!(Mode::Fast.file_name(), "rapport-coder-fast.safetensors");
        assert_eq!(Mode::Fast.label(), "rapport --fast");
        assert!(Mode::Default.reads_encoder() && !Mode::Fast.reads_encoder());
        assert_eq!(Mode::ALL, [Mode::Default, Mode::Fast]);
    }
}
