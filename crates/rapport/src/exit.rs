//! Maps errors to the exit codes the README promises: 2 for bad usage or input, 1 for
//! any other failure. Each library marks its input errors with its own error type.

use std::process::ExitCode;

use rapport_core::Fault;

/// An error caused by what the user supplied (a file, a flag value): exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadInput(pub String);

/// Prints the error chain once on stderr and picks the exit code.
pub fn report(err: &anyhow::Error) -> ExitCode {
    if is_broken_pipe(err) {
        return ExitCode::SUCCESS;
    }
    eprintln!("{}", message(err));
    if is_bad_input(err) {
        ExitCode::from(2)
    } else {
        ExitCode::from(1)
    }
}

/// The one-line message for an error: `rapport: ` and its chain of causes.
pub fn message(err: &anyhow::Error) -> String {
    let mut message = format!("rapport: {err}");
    for cause in err.chain().skip(1) {
        message.push_str(&format!(": {cause}"));
    }
    message
}

/// The first error in the chain that knows whose fault it is decides; an error nobody
/// classified is ours.
pub fn is_bad_input(err: &anyhow::Error) -> bool {
    err.chain().find_map(fault_of) == Some(Fault::Input)
}

fn fault_of(cause: &(dyn std::error::Error + 'static)) -> Option<Fault> {
    if let Some(analysis) = cause.downcast_ref::<rapport_analysis::AnalysisError>() {
        return Some(analysis.fault());
    }
    // These libraries' errors are all about their input.
    let input = cause.is::<BadInput>()
        || cause.is::<rapport_core::ReadError>()
        || cause.is::<rapport_core::EncodingError>()
        || cause.is::<rapport_measures::InputError>()
        || cause.is::<rapport_measures::InstrumentError>()
        || cause.is::<rapport_measures::SettingsError>();
    input.then_some(Fault::Input)
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
