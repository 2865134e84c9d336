//! `rapport analyze`: read transcripts, code every utterance, summarise, write the report.

use std::fs;
use std::io::Read;
use std::path::Path;

use anyhow::{Context, Result};
use rapport_coder::Coder;
use rapport_core::{InputFormat, ReadOptions, Report, read_transcripts};

use crate::cli::{AnalyzeArgs, InputFormatArg};
use crate::exit::BadInput;

/// Runs `rapport analyze`.
pub fn run(args: AnalyzeArgs) -> Result<()> {
    let coder = match &args.model {
        Some(path) => Coder::load(path)?,
        None => Coder::builtin()?,
    };
    let options = ReadOptions {
        counselor_names: args.counselors.clone(),
    };
    let mut transcripts = Vec::new();
    for path in &args.inputs {
        let format = input_format(path, args.input_format)?;
        let (name, bytes) = read_input(path)?;
        let outcome = read_transcripts(&name, &bytes, format, &options)?;
        for notice in &outcome.notices {
            eprintln!("rapport: {notice}");
        }
        transcripts.extend(outcome.transcripts);
    }
    let report = Report {
        sessions: transcripts.iter().map(|t| coder.code(t)).collect(),
    };
    write_output(&args, &report)
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
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let format = match extension.as_deref() {
        Some("vtt") => InputFormat::Vtt,
        Some("srt") => InputFormat::Srt,
        Some("txt") | Some("text") => InputFormat::Text,
        Some("csv") => InputFormat::Csv,
        Some("json") => InputFormat::Json,
        _ => {
            return Err(BadInput(format!(
                "{}: cannot tell the format from the extension; name it with \
                 --input-format vtt|srt|text|csv|json",
                path.display()
            ))
            .into());
        }
    };
    Ok(format)
}

fn read_input(path: &Path) -> Result<(String, Vec<u8>)> {
    if path == Path::new("-") {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .context("reading standard input")?;
        return Ok(("-".to_string(), bytes));
    }
    let name = path.display().to_string();
    let bytes = fs::read(path).map_err(|err| match err.kind() {
        std::io::ErrorKind::NotFound => BadInput(format!("{name}: no such file")),
        _ => BadInput(format!("{name}: cannot read: {err}")),
    })?;
    Ok((name, bytes))
}

fn write_output(args: &AnalyzeArgs, report: &Report) -> Result<()> {
    // The coder will supply its model card's figures here; until then the report says
    // the accuracy was not recorded rather than invent it.
    crate::output::write(args, report, &rapport_report::ModelAccuracy::unknown())
}
