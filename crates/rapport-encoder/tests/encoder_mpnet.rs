//! The shipped encoder, all-mpnet-base-v2 (MPNet's forward pass), against an
//! independent implementation.
//!
//! These tests need its weights (`scripts/fetch-encoder.sh`). Without them they print
//! why and pass, except under CI (`CI` set), where a missing encoder is a failure: CI
//! must exercise the real encoder path.

mod common;

use common::{assert_close, load_or_skip, norm};
use rapport_encoder::{Encoder, EncoderError, EncoderOptions, locate};

/// The loaded encoder, or `None` (with a message) when the weights are absent outside CI.
fn mpnet(options: EncoderOptions) -> Option<Encoder> {
    let found = match locate() {
        Ok(dir) => Ok(dir),
        Err(err @ (EncoderError::NotFound { .. } | EncoderError::EnvDirIncomplete { .. })) => {
            Err(format!(
                "encoder weights absent; run `scripts/fetch-encoder.sh` to run this test ({err})"
            ))
        }
        Err(err) => panic!("{err}"),
    };
    load_or_skip(found, options)
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

    let Some(encoder) = mpnet(EncoderOptions::default()) else {
        return;
    };
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

// The same sentence after 6 of the 12 layers (numpy_reference_mpnet.py ... 6): the
// default coder stacks it after the last layer's.
const SENTENCE_LAYER6_MEAN_NORM: f32 = 4.037_662;
const SENTENCE_LAYER6_UNIT_HEAD: [f32; 8] = [
    -0.012204, 0.062136, -0.001553, -0.002532, 0.017825, 0.008921, 0.008187, 0.026705,
];
const SENTENCE_LAYER6_UNIT_SUM: f32 = 2.331588;

#[test]
fn stacks_the_last_and_middle_layers_each_matching_the_reference() {
    let Some(stacked) = mpnet(EncoderOptions {
        layers: vec![12, 6],
        ..EncoderOptions::default()
    }) else {
        return;
    };
    assert_eq!(stacked.dim(), 2 * 768);
    let v = stacked.embed_one(SENTENCE).unwrap();
    let (last, middle) = v.split_at(768);
    assert_close(&last[..8], &SENTENCE_UNIT_HEAD, 1e-4, "layer 12");
    assert!((norm(middle) - 1.0).abs() < 1e-5);
    assert_close(&middle[..8], &SENTENCE_LAYER6_UNIT_HEAD, 1e-4, "layer 6");
    assert!((middle.iter().sum::<f32>() - SENTENCE_LAYER6_UNIT_SUM).abs() < 2e-4);

    let raw = mpnet(EncoderOptions {
        layers: vec![6],
        normalize: false,
        ..EncoderOptions::default()
    })
    .unwrap();
    let mean = raw.embed_one(SENTENCE).unwrap();
    assert!((norm(&mean) - SENTENCE_LAYER6_MEAN_NORM).abs() < 2e-4);
    // Layers outside 1 to 12 are refused.
    let dir = locate().unwrap();
    let err = Encoder::load(
        &dir,
        EncoderOptions {
            layers: vec![13],
            ..EncoderOptions::default()
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("layers 1 to 12"), "{err}");
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
