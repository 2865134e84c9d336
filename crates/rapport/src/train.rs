//! `rapport train`: fit the coders on expert-coded data (the default model with the
//! sentence encoder, the fast model without), measure each by grouped cross-validation,
//! and write each model file with its model card.

use std::fs;
use std::path::Path;

use anyhow::{Context, Result};
use rapport_analysis::{AnalysisError, training};
use rapport_coder::Corpus;

use crate::cli::TrainArgs;
use crate::progress::Bars;

/// Runs `rapport train`.
pub fn run(args: TrainArgs) -> Result<()> {
    let mut corpus = Corpus::from_path(&args.data, &args.group_by).map_err(AnalysisError::from)?;
    tracing::info!(
        sessions = corpus.sessions.len(),
        utterances = corpus.utterances(),
        "training data read"
    );
    let modes = args.mode.modes();
    let progress = Bars::default();
    let encoder = training::embed_for(&mut corpus, &modes, &progress)?;
    // The model cards also give the figures on machine-like transcripts.
    let machine_like = if args.folds > 0 {
        Some(training::machine_like_copy(&corpus, &modes, &progress)?)
    } else {
        None
    };
    fs::create_dir_all(&args.output_dir)
        .with_context(|| format!("creating {}", args.output_dir.display()))?;

    for mode in modes {
        let evaluation = if args.folds > 0 {
            let report = training::cross_validate(
                &corpus,
                machine_like.as_ref(),
                mode,
                args.folds,
                &args.group_by,
                &progress,
            )?;
            eprintln!("{}:", mode.model_name());
            eprint!("{report}");
            Some(report.summary())
        } else {
            None
        };
        let model = training::fit(&corpus, mode, evaluation, encoder.as_ref(), &progress)?;
        let (bytes, card) = training::model_file(&model, &rebuild_command(&args))?;
        let path = args.output_dir.join(mode.file_name());
        write_atomically(&path, &bytes)?;
        let card_path = path.with_extension("md");
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
