//! The MPNet forward pass (all-mpnet-base-v2) against an independent implementation.
//!
//! These tests need that model's weights in `models/encoder/all-mpnet-base-v2`
//! (`scripts/fetch-mpnet.sh`, about 440 MB); without them they print why and
//! pass: the shipped models read all-MiniLM-L6-v2, which tests/encoder.rs checks.

use std::path::PathBuf;

use rapport_encoder::{Encoder, EncoderOptions};

fn mpnet(options: EncoderOptions) -> Option<Encoder> {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models/encoder/all-mpnet-base-v2");
    if !dir.join("model.safetensors").is_file() {
        eprintln!(
            "SKIPPED: all-mpnet-base-v2 absent; run `scripts/fetch-mpnet.sh` to run this test"
        );
        return None;
    }
    Some(Encoder::load(&dir, options).expect("the fetched MPNet loads"))
}

fn norm(v: &[f32]) -> f32 {
    v.iter().map(|x| x * x).sum::<f32>().sqrt()
}

fn assert_close(got: &[f32], want: &[f32], tolerance: f32, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= tolerance,
            "{what}: dim {i} is {g}, expected {w} (tolerance {tolerance})"
        );
    }
}

// Reference values from tests/reference/numpy_reference_mpnet.py: a float64 numpy MPNet
// forward pass over the same safetensors, with its own WordPiece tokenizer, then masked
// mean pooling and L2 normalisation (sentence-transformers' modules for this model).
const SENTENCE: &str = "I've been thinking about cutting down on drinking, but it's hard.";
const SENTENCE_MEAN_NORM: f32 = 2.769_767;
const SENTENCE_UNIT_HEAD: [f32; 8] = [
    0.033150, 0.069782, -0.024083, -0.049171, 0.009248, 0.025161, -0.055277, 0.013818,
];
const SENTENCE_UNIT_SUM: f32 = -0.201124;

// 30 copies make over 384 word pieces, cut to 384 (<s> and </s> included): distances
// up to 383 positions, past the last logarithmic bucket at 128.
const LONG_UNIT: &str = "So you feel torn between wanting to change and not being ready yet.";
const LONG_MEAN_NORM: f32 = 2.304_295;
const LONG_UNIT_HEAD: [f32; 8] = [
    0.005286, 0.079373, -0.016304, -0.019461, -0.002037, 0.025957, -0.048272, -0.053512,
];
const LONG_UNIT_SUM: f32 = -0.459350;

#[test]
fn matches_an_independent_mpnet_forward_pass() {
    let Some(raw) = mpnet(EncoderOptions {
        normalize: false,
        ..EncoderOptions::default()
    }) else {
        return;
    };
    assert_eq!(raw.dim(), 768);
    assert_eq!(raw.max_tokens(), 384);
    let long = vec![LONG_UNIT; 30].join(" ");
    let means = raw.embed(&[SENTENCE, long.as_str()]).unwrap();
    for (mean, want) in means.iter().zip([SENTENCE_MEAN_NORM, LONG_MEAN_NORM]) {
        assert!(
            (norm(mean) - want).abs() < 2e-4,
            "norm {} vs {want}",
            norm(mean)
        );
    }

    let encoder = mpnet(EncoderOptions::default()).unwrap();
    // Batched with a short text, so the sentence is padded: padding must not count.
    let units = encoder.embed(&[SENTENCE, long.as_str(), "Okay."]).unwrap();
    for (unit, head, sum, what) in [
        (&units[0], SENTENCE_UNIT_HEAD, SENTENCE_UNIT_SUM, "sentence"),
        (&units[1], LONG_UNIT_HEAD, LONG_UNIT_SUM, "long text"),
    ] {
        assert!((norm(unit) - 1.0).abs() < 1e-5);
        assert_close(&unit[..8], &head, 1e-4, what);
        let got: f32 = unit.iter().sum();
        assert!((got - sum).abs() < 2e-4, "{what}: sum {got} vs {sum}");
    }
}

#[test]
fn paraphrases_sit_closer_than_unrelated_sentences() {
    let Some(encoder) = mpnet(EncoderOptions::default()) else {
        return;
    };
    let v = encoder
        .embed(&[
            "I want to stop smoking.",
            "I'd like to quit cigarettes.",
            "The train leaves at noon tomorrow.",
        ])
        .unwrap();
    let cos = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>();
    assert!(cos(&v[0], &v[1]) > 0.6, "{}", cos(&v[0], &v[1]));
    assert!(cos(&v[0], &v[2]) < 0.2, "{}", cos(&v[0], &v[2]));
}
