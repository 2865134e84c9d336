//! `rapport eval`: grouped cross-validation of the coder, optionally beside the peer
//! baseline script run on the same file.

use std::process::Command;

use anyhow::{Context, Result, bail};
use rapport_coder::{Corpus, EvalReport, EvalSummary, TrainOptions, cross_validate};

use crate::cli::EvalArgs;
use crate::pipeline;
use crate::progress;

/// Runs `rapport eval`.
pub fn run(args: EvalArgs) -> Result<()> {
    let mut corpus = Corpus::from_path(&args.data, &args.group_by)?;
    let modes = args.mode.fast_flags();
    if modes.contains(&false) {
        pipeline::embed_corpus(&mut corpus, &TrainOptions::encoder())?;
    }
    let mut reports = Vec::new();
    for fast in modes {
        let (options, name) = if fast {
            (TrainOptions::fast(), "rapport --fast")
        } else {
            (TrainOptions::encoder(), "rapport")
        };
        let bar = progress::bar(args.folds as u64, "cross-validating");
        let report = cross_validate(&corpus, args.folds, &args.group_by, &options, &|| {
            bar.inc(1)
        })?;
        bar.finish_and_clear();
        if !args.json {
            println!("== {name} ==");
            print!("{report}");
            println!();
        }
        reports.push((name, report));
    }
    if args.json {
        let by_mode: serde_json::Map<String, serde_json::Value> = reports
            .iter()
            .map(|(name, r)| Ok((name.to_string(), serde_json::to_value(r)?)))
            .collect::<Result<_>>()?;
        println!("{}", serde_json::to_string_pretty(&by_mode)?);
        return Ok(());
    }
    let peer = match &args.peer {
        Some(script) => Some(run_peer(script, &args.data)?),
        None => None,
    };
    print_side_by_side(&reports, peer.as_ref());
    Ok(())
}

/// The peer's macro-F1 for therapist behaviour and client talk.
pub struct PeerFigures {
    therapist: f64,
    client: f64,
    raw: String,
}

impl PeerFigures {
    /// Utterances per second over both of the peer's prediction runs (therapist and
    /// client), from the counts and speeds it prints.
    pub fn predict_speed(&self) -> Option<f64> {
        let mut utterances = 0.0;
        let mut seconds = 0.0;
        for line in self.raw.lines().filter(|l| l.contains("utterances/s")) {
            let inside = line.rsplit_once('(')?.1;
            let mut words = inside.split_whitespace();
            let n: f64 = words.next()?.parse().ok()?;
            let rate: f64 = words.nth(1)?.parse().ok()?;
            utterances += n;
            seconds += n / rate;
        }
        (seconds > 0.0).then(|| utterances / seconds)
    }
}

pub fn run_peer(script: &std::path::Path, data: &std::path::Path) -> Result<PeerFigures> {
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

fn print_side_by_side(reports: &[(&str, EvalReport)], peer: Option<&PeerFigures>) {
    if let Some(peer) = peer {
        println!("peer baseline (TF-IDF + logistic regression), same data, 5-fold by video:");
        for line in peer.raw.lines() {
            println!("  {line}");
        }
        println!();
    }
    let summaries: Vec<(&str, EvalSummary)> =
        reports.iter().map(|(n, r)| (*n, r.summary())).collect();
    print!("{:<22}", "macro-F1");
    for (name, _) in &summaries {
        print!(" {name:>15}");
    }
    if peer.is_some() {
        print!(" {:>15}", "peer");
    }
    println!();
    for task in [
        "counselor_behaviour",
        "question_type",
        "reflection_type",
        "client_talk",
    ] {
        print!("{task:<22}");
        for (_, summary) in &summaries {
            match summary.task(task) {
                Some(t) => print!(" {:>15.3}", t.macro_f1),
                None => print!(" {:>15}", "-"),
            }
        }
        if let Some(peer) = peer {
            let theirs = match task {
                "counselor_behaviour" => format!("{:.3}", peer.therapist),
                "client_talk" => format!("{:.3}", peer.client),
                _ => "-".into(),
            };
            print!(" {theirs:>15}");
        }
        println!();
    }
    print!("{:<22}", "mi_quality_score AUC");
    for (_, summary) in &summaries {
        match &summary.mi_quality {
            Some(q) => print!(" {:>15.3}", q.auc),
            None => print!(" {:>15}", "-"),
        }
    }
    println!();
}
