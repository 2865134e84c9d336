//! `rapport bench`: times both coding modes on the same input, each as a whole process
//! (`rapport analyze` started afresh: loading, reading, embedding, coding, writing), and
//! the peer baseline's prediction speed on the same file, and prints the ratios.

use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use rapport_core::ReadOptions;

use crate::analyze::read_all;
use crate::cli::BenchArgs;
use crate::exit::BadInput;

/// Runs `rapport bench`.
pub fn run(args: BenchArgs) -> Result<()> {
    if args.runs == 0 {
        return Err(BadInput("--runs must be at least 1".into()).into());
    }
    let (transcripts, _) = read_all(&args.inputs, None, &ReadOptions::default())?;
    let sessions = transcripts.len();
    let utterances: usize = transcripts.iter().map(|t| t.utterances.len()).sum();
    println!(
        "input: {sessions} sessions, {utterances} utterances; {} CPU threads; best of {} runs",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        args.runs
    );

    let peer_data = match (&args.peer, args.inputs.as_slice()) {
        (None, _) => None,
        (Some(_), [data]) => Some(data),
        (Some(_), _) => {
            return Err(BadInput(
                "--peer runs the peer on one coded CSV; give exactly one input file".into(),
            )
            .into());
        }
    };
    let mut rows: Vec<(&str, f64)> = Vec::new();
    for (name, fast) in [("rapport analyze", false), ("rapport analyze --fast", true)] {
        let seconds = best_of(args.runs, || analyze_once(&args.inputs, fast))?;
        rows.push((name, utterances as f64 / seconds));
        println!(
            "{name:<24} {seconds:>8.2} s   {:>9.0} utterances/s (whole process)",
            utterances as f64 / seconds
        );
    }
    if let (Some(script), Some(data)) = (&args.peer, peer_data) {
        let peer = rapport_analysis::peer::run(script, data)?;
        let speed = peer
            .predict_speed()
            .context("the peer printed no prediction speed")?;
        println!(
            "{:<24} {:>8} {speed:>11.0} utterances/s (predict only)",
            "peer baseline", ""
        );
        println!();
        for (name, ours) in &rows {
            println!("{name:<24} {:>7.2}x the peer", ours / speed);
        }
    }
    Ok(())
}

/// The shortest of `runs` timings.
fn best_of(runs: usize, mut once: impl FnMut() -> Result<f64>) -> Result<f64> {
    let mut best = f64::INFINITY;
    for _ in 0..runs {
        best = best.min(once()?);
    }
    Ok(best)
}

/// Wall-clock seconds of one `rapport analyze` process over the inputs.
fn analyze_once(inputs: &[std::path::PathBuf], fast: bool) -> Result<f64> {
    let exe = std::env::current_exe().context("finding the rapport executable")?;
    let out = tempfile_path();
    let mut command = Command::new(exe);
    command.arg("analyze").arg("--output").arg(&out);
    if fast {
        command.arg("--fast");
    }
    command.args(inputs);
    let started = Instant::now();
    let output = command.output().context("starting rapport analyze")?;
    let seconds = started.elapsed().as_secs_f64();
    let _ = std::fs::remove_file(&out);
    if !output.status.success() {
        bail!(
            "rapport analyze{} failed: {}",
            if fast { " --fast" } else { "" },
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(seconds)
}

fn tempfile_path() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("rapport-bench-{}.json", std::process::id()))
}
