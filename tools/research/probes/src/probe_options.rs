//! Research probe: the coder's own grouped cross-validation (`eval::cross_validate`) of
//! chosen training options, over embeddings cached by `embed_annomi`, so that settings
//! can be compared without re-embedding the corpus each time.
//!
//! ```text
//! cargo run --release --manifest-path tools/research/probes/Cargo.toml --bin embed_annomi     # writes the cache
//! cargo run --release --manifest-path tools/research/probes/Cargo.toml --bin probe_options -- \
//!     [--cache STEM] [--dense VIEW:LAYER:WEIGHT]...
//! ```
//!
//! The conversation layer it once measured (`--context`: a second pass reading the
//! first pass's codes of the turns around each utterance) was dropped from the coder
//! after these measurements; its figures are in `docs/research.md`, and its code in the
//! repository's history (`crates/rapport-coder/src/context.rs` before 2026-12-02).
//!
//! `VIEW` is `own`, `previous`, `next` or `counselor_before`; `LAYER` the encoder layer
//! the vector is pooled from. Without `--dense`, the default model's blocks. The cache
//! must stack the layers in order of first use (`embed_annomi --layers`).

mod common;

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use rapport_coder::features::{DenseSpec, View, embedding_layers};
use rapport_coder::{Corpus, TrainOptions, cross_validate};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("probe_options: {message}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let mut stem = common::DEFAULT_CACHE.to_string();
    let mut options = TrainOptions::encoder();
    let mut dense = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--cache" => stem = value()?,
            "--dense" => dense.push(dense_spec(&value()?)?),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if !dense.is_empty() {
        options.dense = dense;
    }
    let (index, vectors) = common::read(&stem)?;
    let cached = if index.layers.is_empty() {
        vec![6]
    } else {
        index.layers.clone()
    };
    let wanted = embedding_layers(&options.dense);
    if cached != wanted {
        return Err(format!(
            "{stem} stacks layers {cached:?}, these options read {wanted:?}: re-run embed_annomi --layers {}",
            wanted
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(",")
        ));
    }
    let mut corpus =
        Corpus::from_path(Path::new(&index.source), "video_url").map_err(|e| e.to_string())?;
    let expected: Vec<(String, usize)> = corpus
        .sessions
        .iter()
        .map(|s| (s.id.clone(), s.utterances.len()))
        .collect();
    if expected != index.sessions {
        return Err(format!(
            "{stem}.json does not match {}: re-run embed_annomi",
            index.source
        ));
    }
    corpus
        .attach_embeddings(vectors)
        .map_err(|e| e.to_string())?;
    let started = Instant::now();
    let report =
        cross_validate(&corpus, None, 5, "video_url", &options, &|| {}).map_err(|e| e.to_string())?;
    println!(
        "dense {:?} ({:.0} s)",
        options.dense,
        started.elapsed().as_secs_f64()
    );
    for t in &report.summary().tasks {
        println!("  {:<20} macro-F1 {:.3}", t.task, t.macro_f1);
    }
    if let Some(q) = &report.original.mi_quality {
        println!("  mi_quality AUC {:.3}", q.auc);
    }
    Ok(())
}

/// Reads `VIEW:LAYER:WEIGHT`.
fn dense_spec(text: &str) -> Result<DenseSpec, String> {
    let bad = || format!("--dense {text}: expected VIEW:LAYER:WEIGHT, e.g. own:6:0.5");
    let mut parts = text.split(':');
    let (Some(view), Some(layer), Some(weight), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    let view: View =
        serde_json::from_value(serde_json::Value::String(view.into())).map_err(|_| bad())?;
    Ok(DenseSpec {
        view,
        layer: layer.parse().map_err(|_| bad())?,
        weight: weight.parse().map_err(|_| bad())?,
    })
}
