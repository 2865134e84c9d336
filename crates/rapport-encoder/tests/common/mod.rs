//! What the encoder's test files share: loading an encoder or skipping without its
//! weights (a failure under CI), and comparing vectors.

use std::path::PathBuf;

use rapport_encoder::{Encoder, EncoderOptions};

/// Loads the encoder in `dir`, or, where its weights are absent (`Err` saying why and
/// what fetches them), prints `SKIPPED` and returns `None`; under CI (`CI` set) a
/// missing encoder fails the test instead: CI must exercise the real encoder path.
pub fn load_or_skip(dir: Result<PathBuf, String>, options: EncoderOptions) -> Option<Encoder> {
    match dir {
        Ok(dir) => Some(Encoder::load(&dir, options).expect("the fetched encoder loads")),
        Err(why) => {
            if std::env::var_os("CI").is_some() {
                panic!("CI must run the real encoder: {why}");
            }
            eprintln!("SKIPPED: {why}");
            None
        }
    }
}

/// Asserts that `got` and `want` agree value by value within `tolerance`.
pub fn assert_close(got: &[f32], want: &[f32], tolerance: f32, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= tolerance,
            "{what}: dim {i} is {g}, expected {w} (tolerance {tolerance})"
        );
    }
}

/// Euclidean length.
pub fn norm(v: &[f32]) -> f32 {
    v.iter().map(|x| x * x).sum::<f32>().sqrt()
}
