//! The BERT forward pass on all-MiniLM-L6-v2 against an independent implementation, and
//! batching against one-by-one.
//!
//! These tests need that model's weights (`scripts/fetch-encoder.sh --minilm`; the
//! shipped encoder, all-mpnet-base-v2, is checked in tests/encoder_mpnet.rs). Without
//! them they print why and pass, except under CI (`CI` set, and `.ci/run` fetches
//! them), where a missing encoder is a failure.

mod common;

use std::path::PathBuf;

use common::{assert_close, load_or_skip, norm};
use rapport_encoder::{Encoder, EncoderError, EncoderOptions};

/// Where `scripts/fetch-encoder.sh --minilm` installs all-MiniLM-L6-v2.
fn minilm_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models/encoder/all-MiniLM-L6-v2")
}

/// The loaded encoder, or `None` (with a message) when the weights are absent outside CI.
fn encoder(options: EncoderOptions) -> Option<Encoder> {
    let dir = minilm_dir();
    let found = if dir.join("model.safetensors").is_file() {
        Ok(dir)
    } else {
        Err(format!(
            "all-MiniLM-L6-v2 absent from {}; run `scripts/fetch-encoder.sh --minilm` to run this test",
            dir.display()
        ))
    };
    load_or_skip(found, options)
}

// Reference values from tests/reference/numpy_reference.py: a float64 numpy BERT forward
// pass over the same safetensors, with its own WordPiece tokenizer, then masked mean
// pooling and L2 normalisation (sentence-transformers' modules for this model).
const SENTENCE: &str = "I've been thinking about cutting down on drinking, but it's hard.";
const SENTENCE_MEAN_NORM: f32 = 4.317_007;
const SENTENCE_UNIT_HEAD: [f32; 8] = [
    0.032149, -0.007286, 0.021159, 0.057369, -0.013907, -0.020848, -0.019777, -0.050839,
];
const SENTENCE_UNIT_SUM: f32 = 0.430549;

// 20 copies of this sentence make 281 word pieces, cut to 256 ([CLS] and [SEP] included).
const LONG_UNIT: &str = "So you feel torn between wanting to change and not being ready yet.";
const LONG_MEAN_NORM: f32 = 2.427_313;
const LONG_UNIT_HEAD: [f32; 8] = [
    0.008093, -0.052512, 0.026171, 0.035108, 0.056765, 0.038232, 0.020060, 0.049141,
];
const LONG_UNIT_SUM: f32 = -0.451502;

#[test]
fn matches_an_independent_forward_pass_on_a_fixed_sentence() {
    let Some(raw) = encoder(EncoderOptions {
        normalize: false,
        ..EncoderOptions::default()
    }) else {
        return;
    };
    assert_eq!(raw.dim(), 384);
    assert_eq!(raw.max_tokens(), 256);
    let mean = raw.embed_one(SENTENCE).unwrap();
    assert!(
        (norm(&mean) - SENTENCE_MEAN_NORM).abs() < 1e-4,
        "mean-pooled norm {} vs {SENTENCE_MEAN_NORM}",
        norm(&mean)
    );

    let Some(encoder) = encoder(EncoderOptions::default()) else {
        return;
    };
    let unit = encoder.embed_one(SENTENCE).unwrap();
    assert!((norm(&unit) - 1.0).abs() < 1e-5);
    assert_close(&unit[..8], &SENTENCE_UNIT_HEAD, 1e-4, "first 8 dims");
    let sum: f32 = unit.iter().sum();
    assert!((sum - SENTENCE_UNIT_SUM).abs() < 1e-4, "sum {sum}");
}

// The same sentence after 3 of the 6 layers (numpy_reference.py ... 3).
const SENTENCE_LAYER3_MEAN_NORM: f32 = 5.817_435;
const SENTENCE_LAYER3_UNIT_HEAD: [f32; 8] = [
    -0.011036, -0.061900, 0.001618, 0.029521, 0.050597, -0.010034, 0.003909, 0.011123,
];
const SENTENCE_LAYER3_UNIT_SUM: f32 = 1.117001;

#[test]
fn stacks_the_layers_asked_for_each_matching_the_reference() {
    let Some(stacked) = encoder(EncoderOptions {
        layers: vec![6, 3],
        ..EncoderOptions::default()
    }) else {
        return;
    };
    assert_eq!(stacked.dim(), 768);
    assert_eq!(stacked.layers(), &[6, 3]);
    let v = stacked.embed_one(SENTENCE).unwrap();
    let (last, middle) = v.split_at(384);
    // The last layer's part is the sentence embedding proper, unchanged by stacking.
    assert_close(
        &last[..8],
        &SENTENCE_UNIT_HEAD,
        1e-4,
        "layer 6, first 8 dims",
    );
    assert!((last.iter().sum::<f32>() - SENTENCE_UNIT_SUM).abs() < 1e-4);
    // Each part is normalised on its own.
    assert!((norm(middle) - 1.0).abs() < 1e-5);
    assert_close(
        &middle[..8],
        &SENTENCE_LAYER3_UNIT_HEAD,
        1e-4,
        "layer 3, first 8 dims",
    );
    assert!((middle.iter().sum::<f32>() - SENTENCE_LAYER3_UNIT_SUM).abs() < 1e-4);

    let Some(raw) = encoder(EncoderOptions {
        layers: vec![3],
        normalize: false,
        ..EncoderOptions::default()
    }) else {
        return;
    };
    let mean = raw.embed_one(SENTENCE).unwrap();
    assert!((norm(&mean) - SENTENCE_LAYER3_MEAN_NORM).abs() < 1e-4);
}

#[test]
fn a_layer_the_encoder_lacks_is_refused() {
    if encoder(EncoderOptions::default()).is_none() {
        return;
    }
    let dir = minilm_dir();
    for layers in [vec![0], vec![6, 7]] {
        let err = Encoder::load(
            &dir,
            EncoderOptions {
                layers: layers.clone(),
                ..EncoderOptions::default()
            },
        )
        .unwrap_err();
        assert!(matches!(err, EncoderError::Options(_)), "{layers:?}: {err}");
        assert!(err.to_string().contains("layers 1 to 6"), "{err}");
    }
}

#[test]
fn truncates_at_the_models_maximum_length() {
    let Some(raw) = encoder(EncoderOptions {
        normalize: false,
        ..EncoderOptions::default()
    }) else {
        return;
    };
    let long = vec![LONG_UNIT; 20].join(" ");
    let mean = raw.embed_one(&long).unwrap();
    assert!(
        (norm(&mean) - LONG_MEAN_NORM).abs() < 1e-4,
        "mean-pooled norm {} vs {LONG_MEAN_NORM}",
        norm(&mean)
    );
    let unit: Vec<f32> = mean.iter().map(|x| x / norm(&mean)).collect();
    assert_close(&unit[..8], &LONG_UNIT_HEAD, 1e-4, "first 8 dims");
    assert!((unit.iter().sum::<f32>() - LONG_UNIT_SUM).abs() < 1e-4);
}

#[test]
fn length_sorted_batches_give_the_same_vectors_as_one_by_one() {
    // Small batches so the inputs span several batches, each padded to its longest text.
    let Some(encoder) = encoder(EncoderOptions {
        batch_size: 4,
        batch_tokens: 64,
        layers: vec![6, 3],
        ..EncoderOptions::default()
    }) else {
        return;
    };
    let texts = [
        "Mm-hmm.",
        "So you're not sure you want to quit right now, and at the same time you're worried about your lungs.",
        "",
        "Yeah.",
        "What would be different if you cut down?",
        "I don't know, my wife keeps bugging me about it, and honestly I'm tired of hearing it every single night when I come home from work.",
        "Okay.",
        "On a scale of zero to ten, how important is it for you to make this change?",
        "Maybe a seven.",
        "You've already taken some steps.",
        "I guess I could try.",
    ];
    let batched = encoder.embed(&texts).unwrap();
    assert_eq!(batched.len(), texts.len());
    for (text, got) in texts.iter().zip(&batched) {
        let alone = encoder.embed_one(text).unwrap();
        assert_close(got, &alone, 1e-5, "batched vs alone");
        for part in got.chunks(384) {
            assert!((norm(part) - 1.0).abs() < 1e-5);
        }
    }
    assert!(encoder.embed::<&str>(&[]).unwrap().is_empty());
}

#[test]
fn a_directory_without_weights_says_which_command_fetches_them() {
    let dir = std::env::temp_dir().join("rapport-encoder-test-no-weights");
    let err = Encoder::load(&dir, EncoderOptions::default()).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("scripts/fetch-encoder.sh"), "{message}");
    assert!(message.contains("config.json"), "{message}");
}

#[test]
fn a_zero_batch_size_or_word_piece_budget_is_refused() {
    let dir = std::env::temp_dir();
    for options in [
        EncoderOptions {
            batch_size: 0,
            ..EncoderOptions::default()
        },
        EncoderOptions {
            batch_tokens: 0,
            ..EncoderOptions::default()
        },
    ] {
        let err = Encoder::load(&dir, options).unwrap_err();
        assert!(matches!(err, EncoderError::Options(_)), "{err}");
    }
}
