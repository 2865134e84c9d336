//! `rapport analyze`: read transcripts, code every utterance, summarise, write the report.

use std::path::{Path, PathBuf};

use anyhow::Result;
use rapport_coder::ModelInfo;
use rapport_core::{InputFormat, ReadOptions, Report, Transcript, read_transcripts};

use rapport_core::{Agreement, ModelAccuracy};
use rayon::prelude::*;

use crate::cli::{AnalyzeArgs, InputFormatArg};
use crate::exit::BadInput;
use crate::io::read_input;
use crate::pipeline::Pipeline;
use crate::progress;

/// Runs `rapport analyze`.
pub fn run(args: AnalyzeArgs) -> Result<()> {
    let pipeline = Pipeline::load(args.fast, args.model.as_deref())?;
    let coder = &pipeline.coder;
    let options = ReadOptions {
        counselor_names: args.counselors.clone(),
    };
    let (transcripts, notices) = read_all(&args.inputs, args.input_format, &options)?;
    for notice in &notices {
        eprintln!("rapport: {notice}");
    }
    let embeddings = pipeline.embed(&transcripts)?;
    let bar = progress::bar(transcripts.len() as u64, "coding sessions");
    let sessions = transcripts
        .par_iter()
        .zip(&embeddings)
        .map(|(t, e)| {
            let session = coder.code(t, e.as_deref());
            bar.inc(1);
            session
        })
        .collect::<Result<_, _>>()?;
    bar.finish_and_clear();
    let report = Report { sessions };
    crate::output::write(&args, &report, &accuracy(&coder.model().info))
}

/// Reads every input (`-` is standard input), in order, with the notices the readers gave.
pub fn read_all(
    inputs: &[PathBuf],
    forced: Option<InputFormatArg>,
    options: &ReadOptions,
) -> Result<(Vec<Transcript>, Vec<String>)> {
    let mut transcripts = Vec::new();
    let mut notices = Vec::new();
    for path in inputs {
        let format = input_format(path, forced)?;
        let input = read_input(path)?;
        let outcome = read_transcripts(&input.source, &input.bytes, format, options)?;
        notices.extend(outcome.notices.iter().map(ToString::to_string));
        transcripts.extend(outcome.transcripts);
    }
    Ok((transcripts, notices))
}

/// The model card's cross-validated figures, as the reports state them.
fn accuracy(info: &ModelInfo) -> ModelAccuracy {
    let agreement = |task: &str| {
        let figures = info.evaluation.as_ref()?.task(task)?;
        Some(Agreement {
            macro_f1: figures.macro_f1,
            kappa: figures.kappa,
        })
    };
    ModelAccuracy {
        model: info.name.clone(),
        method: info.evaluation.as_ref().map(|e| {
            format!(
                "{}-fold cross-validation on {} grouped by {} ({} sessions)",
                e.folds, info.data, e.group_by, e.sessions
            )
        }),
        counselor: agreement("counselor_behaviour"),
        client: agreement("client_talk"),
    }
}

fn input_format(path: &Path, forced: Option<InputFormatArg>) -> Result<InputFormat> {
    if let Some(forced) = forced {
        return Ok(match forced {
            InputFormatArg::Vtt => InputFormat::Vtt,
            InputFormatArg::Srt => InputFormat::Srt,
            InputFormatArg::Text => InputFormat::Text,
            InputFormatArg::Csv => InputFormat::Csv,
            InputFormatArg::Json => InputFormat::Json,
        });
    }
    InputFormat::from_extension(path).ok_or_else(|| {
        BadInput(format!(
            "{}: cannot tell the format from the extension; name it with \
             --input-format vtt|srt|text|csv|json",
            path.display()
        ))
        .into()
    })
}
