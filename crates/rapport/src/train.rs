//! `rapport train`: fit the coders on expert-coded data (the default model with the
//! sentence encoder, the fast model without), measure each by grouped cross-validation,
//! and write each model file with its model card.

use std::fs;
use std::path::Path;

use anyhow::{Context, Result};
use rapport_coder::{Corpus, Model, TrainOptions, cross_validate};

use crate::cli::TrainArgs;
use crate::pipeline;
use crate::progress;

/// The default model's file name.
pub const DEFAULT_FILE: &str = "rapport-coder.safetensors";
/// The fast model's file name.
pub const FAST_FILE: &str = "rapport-coder-fast.safetensors";

/// Runs `rapport train`.
pub fn run(args: TrainArgs) -> Result<()> {
    let mut corpus = Corpus::from_path(&args.data, &args.group_by)?;
    tracing::info!(
        sessions = corpus.sessions.len(),
        utterances = corpus.utterances(),
        "training data read"
    );
    let modes = args.mode.fast_flags();
    let encoder = if modes.contains(&false) {
        Some(pipeline::embed_corpus(
            &mut corpus,
            &TrainOptions::encoder(),
        )?)
    } else {
        None
    };
    fs::create_dir_all(&args.output_dir)
        .with_context(|| format!("creating {}", args.output_dir.display()))?;

    for fast in modes {
        let (options, name, file) = if fast {
            (TrainOptions::fast(), "rapport-coder-fast", FAST_FILE)
        } else {
            (TrainOptions::encoder(), "rapport-coder", DEFAULT_FILE)
        };
        let evaluation = if args.folds > 0 {
            let bar = progress::bar(args.folds as u64, "cross-validating");
            let report = cross_validate(&corpus, args.folds, &args.group_by, &options, &|| {
                bar.inc(1)
            })?;
            bar.finish_and_clear();
            eprintln!("{name}:");
            eprint!("{report}");
            Some(report.summary())
        } else {
            None
        };

        let spinner = progress::spinner("training on all sessions");
        let mut model = Model::train(&corpus, &options)?;
        spinner.finish_and_clear();
        if let Some(evaluation) = &evaluation {
            model.calibrate(evaluation);
        }
        model.info.name = name.into();
        model.info.evaluation = evaluation;
        if !fast {
            model.info.encoder = encoder.clone();
        }

        let path = args.output_dir.join(file);
        let bytes = model.to_bytes()?;
        write_atomically(&path, &bytes)?;
        let card_path = path.with_extension("md");
        let card = rapport_coder::card::render(&model.info, &rebuild_command(&args));
        write_atomically(&card_path, card.as_bytes())?;
        eprintln!(
            "rapport: wrote {} ({} KiB) and its model card {}",
            path.display(),
            bytes.len() / 1024,
            card_path.display()
        );
    }
    Ok(())
}

fn rebuild_command(args: &TrainArgs) -> String {
    format!(
        "scripts/fetch-encoder.sh && cargo run --release -p rapport -- train --data {} --group-by {} --folds {} --output-dir {}",
        args.data.display(),
        args.group_by,
        args.folds,
        args.output_dir.display()
    )
}

/// Writes through a temporary file so an interrupted run never leaves half a model.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("partial");
    fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
    fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}
