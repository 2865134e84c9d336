//! Where the encoder's weights are looked for at run time, first match wins:
//!
//! 1. `$RAPPORT_ENCODER_DIR`, when set (and then nowhere else: a wrong setting is an
//!    error, not a reason to pick up some other copy);
//! 2. `models/encoder/all-mpnet-base-v2` in the current directory or any directory
//!    above it (so the repository's copy is found from any of its sub-directories,
//!    tests included);
//! 3. `models/encoder/all-mpnet-base-v2` beside the executable or in any directory
//!    above it (an installed binary shipped with its models).
//!
//! A directory counts only when it holds `model.safetensors`, `config.json` and
//! `tokenizer.json`.

use std::path::{Path, PathBuf};

use crate::error::EncoderError;

pub use crate::weights::{
    DEFAULT_RELATIVE_DIR, ENV_DIR, FETCH_COMMAND, MODEL_NAME, REQUIRED_FILES, WEIGHTS_SHA256,
};

/// Finds the model directory (see the module's documentation for the order).
pub fn locate() -> Result<PathBuf, EncoderError> {
    let env = std::env::var_os(ENV_DIR).filter(|v| !v.is_empty());
    let cwd = std::env::current_dir().ok();
    let exe_dir = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf));
    locate_from(env.map(PathBuf::from), cwd.as_deref(), exe_dir.as_deref())
}

/// [`locate`] with its inputs given: the variable's value, the current directory and
/// the executable's directory.
pub fn locate_from(
    env_dir: Option<PathBuf>,
    cwd: Option<&Path>,
    exe_dir: Option<&Path>,
) -> Result<PathBuf, EncoderError> {
    if let Some(dir) = env_dir {
        return match first_missing(&dir) {
            None => Ok(dir),
            Some(missing) => Err(EncoderError::EnvDirIncomplete { dir, missing }),
        };
    }
    let mut searched = Vec::new();
    for start in [cwd, exe_dir].into_iter().flatten() {
        for ancestor in start.ancestors() {
            let candidate = ancestor.join(DEFAULT_RELATIVE_DIR);
            if first_missing(&candidate).is_none() {
                return Ok(candidate);
            }
            if !searched.contains(&candidate) {
                searched.push(candidate);
            }
        }
    }
    Err(EncoderError::NotFound { searched })
}

/// The first required file missing from `dir`, if any.
pub fn first_missing(dir: &Path) -> Option<&'static str> {
    REQUIRED_FILES
        .into_iter()
        .find(|file| !dir.join(file).is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_weights_name_the_fetch_command() {
        let root = std::env::temp_dir().join("rapport-encoder-locate-test-missing");
        let err = locate_from(None, Some(&root), None).unwrap_err();
        let message = err.to_string();
        assert!(message.contains("scripts/fetch-encoder.sh"), "{message}");
        assert!(message.contains("RAPPORT_ENCODER_DIR"), "{message}");
    }

    #[test]
    fn an_incomplete_env_dir_is_an_error_not_a_fallback() {
        let dir = std::env::temp_dir().join("rapport-encoder-locate-test-env");
        let err = locate_from(Some(dir), None, None).unwrap_err();
        assert!(matches!(
            err,
            EncoderError::EnvDirIncomplete {
                missing: "model.safetensors",
                ..
            }
        ));
    }

    #[test]
    fn finds_the_directory_from_a_sub_directory() {
        let root = std::env::temp_dir().join(format!(
            "rapport-encoder-locate-test-{}",
            std::process::id()
        ));
        let model = root.join(DEFAULT_RELATIVE_DIR);
        std::fs::create_dir_all(&model).unwrap();
        for file in REQUIRED_FILES {
            std::fs::write(model.join(file), b"").unwrap();
        }
        let sub = root.join("crates/some-crate");
        std::fs::create_dir_all(&sub).unwrap();
        let found = locate_from(None, Some(&sub), None).unwrap();
        assert_eq!(found, model);
        std::fs::remove_dir_all(&root).unwrap();
    }
}
