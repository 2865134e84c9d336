//! `rapport train`: fit the coder on expert-coded data, measure it by grouped
//! cross-validation, and write the model file and its model card.

use std::fs;
use std::path::Path;

use anyhow::{Context, Result};
use rapport_coder::{Corpus, Model, TrainOptions, cross_validate};

use crate::cli::TrainArgs;
use crate::progress;

/// Runs `rapport train`.
pub fn run(args: TrainArgs) -> Result<()> {
    let corpus = Corpus::from_path(&args.data, &args.group_by)?;
    let options = TrainOptions::default();
    tracing::info!(
        sessions = corpus.sessions.len(),
        utterances = corpus.utterances(),
        "training data read"
    );

    let evaluation = if args.folds > 0 {
        let bar = progress::bar(args.folds as u64, "cross-validating");
        let report = cross_validate(&corpus, args.folds, &args.group_by, &options, &|| {
            bar.inc(1)
        })?;
        bar.finish_and_clear();
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
    model.info.evaluation = evaluation;

    if let Some(dir) = args.output.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let bytes = model.to_bytes()?;
    write_atomically(&args.output, &bytes)?;
    let card_path = args.output.with_extension("md");
    let card = rapport_coder::card::render(&model.info, &rebuild_command(&args));
    write_atomically(&card_path, card.as_bytes())?;
    eprintln!(
        "rapport: wrote {} ({} KiB) and its model card {}",
        args.output.display(),
        bytes.len() / 1024,
        card_path.display()
    );
    Ok(())
}

fn rebuild_command(args: &TrainArgs) -> String {
    format!(
        "cargo run --release -p rapport -- train --data {} --group-by {} --folds {} --output {}",
        args.data.display(),
        args.group_by,
        args.folds,
        args.output.display()
    )
}

/// Writes through a temporary file so an interrupted run never leaves half a model.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("partial");
    fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
    fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}
