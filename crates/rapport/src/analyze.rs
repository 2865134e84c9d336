//! `rapport analyze`: read transcripts, code every utterance, summarise, write the report.

use std::path::{Path, PathBuf};

use anyhow::Result;
use rapport_analysis::{Analyzer, Mode};
use rapport_core::{InputFormat, ReadOptions, Report, Transcript, read_transcripts};

use crate::cli::{AnalyzeArgs, InputFormatArg};
use crate::exit::BadInput;
use crate::io::read_input;
use crate::progress::Bars;

/// Runs `rapport analyze`.
pub fn run(args: AnalyzeArgs) -> Result<()> {
    let mode = if args.fast { Mode::Fast } else { Mode::Default };
    let analyzer = Analyzer::load(mode, args.model.as_deref())?;
    let options = ReadOptions {
        counselor_names: args.counselors.clone(),
    };
    let (transcripts, notices) = read_all(&args.inputs, args.input_format, &options)?;
    for notice in &notices {
        eprintln!("rapport: {notice}");
    }
    let sessions = analyzer.code(&transcripts, &Bars::default())?;
    let report = Report { sessions };
    crate::output::write(&args, &report, &analyzer.accuracy())
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
