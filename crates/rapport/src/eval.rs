//! `rapport eval`: grouped cross-validation of the coder, optionally beside the peer
//! baseline script run on the same file.

use std::process::Command;

use anyhow::{Context, Result, bail};
use rapport_coder::{Corpus, EvalSummary, TrainOptions, cross_validate};

use crate::cli::EvalArgs;
use crate::progress;

/// Runs `rapport eval`.
pub fn run(args: EvalArgs) -> Result<()> {
    let corpus = Corpus::from_path(&args.data, &args.group_by)?;
    let bar = progress::bar(args.folds as u64, "cross-validating");
    let report = cross_validate(
        &corpus,
        args.folds,
        &args.group_by,
        &TrainOptions::default(),
        &|| bar.inc(1),
    )?;
    bar.finish_and_clear();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    print!("{report}");
    if let Some(script) = &args.peer {
        let peer = run_peer(script, &args.data)?;
        print_side_by_side(&report.summary(), &peer);
    }
    Ok(())
}

/// The peer's macro-F1 for therapist behaviour and client talk.
struct PeerFigures {
    therapist: f64,
    client: f64,
    raw: String,
}

fn run_peer(script: &std::path::Path, data: &std::path::Path) -> Result<PeerFigures> {
    let output = Command::new("python3")
        .arg(script)
        .arg(data)
        .output()
        .with_context(|| format!("running python3 {}", script.display()))?;
    if !output.status.success() {
        bail!(
            "the peer script {} failed ({}); it needs `python3 -m pip install scikit-learn`:\n{}",
            script.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let raw = String::from_utf8_lossy(&output.stdout).into_owned();
    let figure = |who: &str| -> Result<f64> {
        raw.lines()
            .find(|l| l.starts_with(who))
            .and_then(|l| l.split("macro-F1").nth(1))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .with_context(|| format!("the peer printed no macro-F1 for {who}"))
    };
    Ok(PeerFigures {
        therapist: figure("therapist")?,
        client: figure("client")?,
        raw,
    })
}

fn print_side_by_side(ours: &EvalSummary, peer: &PeerFigures) {
    println!();
    println!("peer baseline (TF-IDF + logistic regression), same data, 5-fold by video:");
    for line in peer.raw.lines() {
        println!("  {line}");
    }
    println!();
    println!("{:<22} {:>8} {:>8}", "macro-F1", "rapport", "peer");
    for (task, theirs) in [
        ("counselor_behaviour", peer.therapist),
        ("client_talk", peer.client),
    ] {
        if let Some(t) = ours.task(task) {
            println!("{task:<22} {:>8.3} {theirs:>8.3}", t.macro_f1);
        }
    }
}
