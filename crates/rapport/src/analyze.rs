//! `rapport analyze`: read transcripts, code every utterance, summarise, write the report.
//!
//! In a batch, a file that cannot be read does not stop the others: each such file is
//! reported (`rapport: file:line: ...`) as it is met, every readable file is coded and
//! written, and the run then ends with exit code 2 so that scripts notice.

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
    let batch = read_each(&args.inputs, args.input_format, &options);
    let transcripts = batch.transcripts;
    let total = args.inputs.len();
    let failed = batch.failures.len();
    let bad_input = batch.failures.iter().all(crate::exit::is_bad_input);
    if transcripts.is_empty() && failed > 0 {
        // One input: its error, as before. Several: each was reported as it was met.
        if let (1, Some(only)) = (failed, batch.failures.into_iter().next()) {
            return Err(only);
        }
        return Err(batch_error(
            bad_input,
            format!("none of the {total} inputs could be read"),
        ));
    }
    let sessions = analyzer.code(&transcripts, &Bars::default())?;
    let report = Report { sessions };
    crate::output::write(&args, &report, &analyzer.accuracy())?;
    if failed > 0 {
        return Err(batch_error(
            bad_input,
            format!(
                "{failed} of {total} inputs could not be read (see above); the other {} \
                 were coded",
                total - failed
            ),
        ));
    }
    Ok(())
}

/// The error a batch ends with when some inputs could not be read: exit code 2 when
/// every one of them was the input's fault, 1 otherwise.
fn batch_error(bad_input: bool, message: String) -> anyhow::Error {
    if bad_input {
        BadInput(message).into()
    } else {
        anyhow::anyhow!(message)
    }
}

/// What reading a batch gave: the sessions of every readable input, and the error of
/// each input that could not be read (already reported on stderr, with the notices).
pub struct Batch {
    /// Sessions, in input order.
    pub transcripts: Vec<Transcript>,
    /// One error per unreadable input, in input order.
    pub failures: Vec<anyhow::Error>,
}

/// Reads every input (`-` is standard input), in order, printing the readers' notices
/// and, when more than one input was named, each unreadable input's error as it goes.
pub fn read_each(
    inputs: &[PathBuf],
    forced: Option<InputFormatArg>,
    options: &ReadOptions,
) -> Batch {
    let mut batch = Batch {
        transcripts: Vec::new(),
        failures: Vec::new(),
    };
    for path in inputs {
        let read = input_format(path, forced).and_then(|format| {
            let input = read_input(path)?;
            Ok(read_transcripts(
                &input.source,
                &input.bytes,
                format,
                options,
            )?)
        });
        match read {
            Ok(outcome) => {
                for notice in &outcome.notices {
                    eprintln!("rapport: {notice}");
                }
                batch.transcripts.extend(outcome.transcripts);
            }
            Err(err) => {
                if inputs.len() > 1 {
                    eprintln!("{}", crate::exit::message(&err));
                }
                batch.failures.push(err);
            }
        }
    }
    batch
}

/// Reads every input (`-` is standard input), in order, stopping at the first that
/// cannot be read; notices are returned, not printed.
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
