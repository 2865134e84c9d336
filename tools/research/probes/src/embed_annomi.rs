//! Embeds every utterance of an AnnoMI file with the sentence encoder, writes the
//! vectors to a cache (f32 little-endian + JSON index) and reports the speed.
//!
//! ```text
//! scripts/fetch-encoder.sh
//! cargo run --release --manifest-path tools/research/probes/Cargo.toml --bin embed_annomi -- \
//!     [--data FILE.csv] [--batch 256] [--tokens 1024] [--out /tmp/rapport-annomi-minilm] [--limit N] \
//!     [--layers 6,3]
//! ```
//!
//! `--layers` stacks the pooled states of those encoder layers (default: the last).

mod common;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use rapport_coder::Corpus;
use rapport_encoder::{Encoder, EncoderOptions, locate};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("embed_annomi: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let started = Instant::now();
    let mut data = PathBuf::from(common::DEFAULT_DATA);
    let mut out = common::DEFAULT_CACHE.to_string();
    let mut batch_size = rapport_encoder::encoder::DEFAULT_BATCH_SIZE;
    let mut batch_tokens = rapport_encoder::encoder::DEFAULT_BATCH_TOKENS;
    let mut limit = usize::MAX;
    let mut layers = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--data" => data = PathBuf::from(value()?),
            "--out" => out = value()?,
            "--batch" => batch_size = value()?.parse().map_err(|e| format!("--batch: {e}"))?,
            "--tokens" => batch_tokens = value()?.parse().map_err(|e| format!("--tokens: {e}"))?,
            "--limit" => limit = value()?.parse().map_err(|e| format!("--limit: {e}"))?,
            "--layers" => {
                layers = value()?
                    .split(',')
                    .map(|l| l.parse().map_err(|e| format!("--layers: {e}")))
                    .collect::<Result<_, String>>()?
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }

    let corpus = Corpus::from_path(&data, "video_url").map_err(|e| e.to_string())?;
    let texts: Vec<&str> = corpus
        .sessions
        .iter()
        .flat_map(|s| s.utterances.iter().map(|u| u.text.as_str()))
        .take(limit)
        .collect();

    let load_started = Instant::now();
    let dir = locate().map_err(|e| e.to_string())?;
    let encoder = Encoder::load(
        &dir,
        EncoderOptions {
            batch_size,
            batch_tokens,
            layers,
            ..EncoderOptions::default()
        },
    )
    .map_err(|e| e.to_string())?;
    let load = load_started.elapsed().as_secs_f64();

    let embed_started = Instant::now();
    let vectors = encoder.embed(&texts).map_err(|e| e.to_string())?;
    let seconds = embed_started.elapsed().as_secs_f64();

    if limit == usize::MAX {
        let index = common::Index {
            source: data.display().to_string(),
            model_dir: dir.display().to_string(),
            dim: encoder.dim(),
            layers: encoder.layers().to_vec(),
            count: vectors.len(),
            sessions: corpus
                .sessions
                .iter()
                .map(|s| (s.id.clone(), s.utterances.len()))
                .collect(),
            batch_size,
            seconds,
        };
        common::write(&out, &index, &vectors).map_err(|e| format!("{out}: {e}"))?;
        println!("wrote {out}.f32 and {out}.json");
    }
    let total = started.elapsed().as_secs_f64();
    println!(
        "{} utterances, batch {batch_size} texts / {batch_tokens} word pieces, threads {}: model load {load:.2} s, embedding {seconds:.1} s = {:.1} utterances/s; whole process {total:.1} s = {:.1} utterances/s; peak RSS {:.0} MiB",
        texts.len(),
        candle_core::utils::get_num_threads(),
        texts.len() as f64 / seconds,
        texts.len() as f64 / total,
        common::peak_rss_mib().unwrap_or(f64::NAN),
    );
    Ok(())
}
