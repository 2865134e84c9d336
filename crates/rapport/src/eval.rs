//! `rapport eval`: grouped cross-validation of the coder, optionally beside the peer
//! baseline script run on the same file.

use anyhow::Result;
use rapport_analysis::peer::{self, PeerFigures};
use rapport_analysis::{AnalysisError, training};
use rapport_coder::eval::HeldOut;
use rapport_coder::{Corpus, EvalReport, EvalSummary, Task};
use rapport_core::Metric;

use crate::cli::EvalArgs;
use crate::progress::Bars;

/// Runs `rapport eval`.
pub fn run(args: EvalArgs) -> Result<()> {
    let mut corpus = Corpus::from_path(&args.data, &args.group_by).map_err(AnalysisError::from)?;
    let modes = args.mode.modes();
    let progress = Bars::default();
    training::embed_for(&mut corpus, &modes, &progress)?;
    let machine_like = if args.machine_like {
        Some(training::machine_like_copy(&corpus, &modes, &progress)?)
    } else {
        None
    };
    let mut reports = Vec::new();
    for mode in modes {
        let name = mode.label();
        let report = training::cross_validate(
            &corpus,
            machine_like.as_ref(),
            mode,
            args.folds,
            &args.group_by,
            &progress,
        )?;
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
        Some(script) => Some(peer::run(script, &args.data)?),
        None => None,
    };
    print_side_by_side(&reports, peer.as_ref());
    Ok(())
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
    for task in Task::ALL {
        print!("{task:<22}");
        for (_, summary) in &summaries {
            match summary.task(task) {
                Some(t) => print!(" {:>15.3}", t.macro_f1),
                None => print!(" {:>15}", "-"),
            }
        }
        if let Some(peer) = peer {
            let theirs = match task {
                Task::CounselorBehaviour => format!("{:.3}", peer.therapist),
                Task::ClientTalk => format!("{:.3}", peer.client),
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
    println!();
    print!("{:<22}", "session figures");
    for (name, _) in &summaries {
        print!(" {name:>15}");
    }
    if peer.is_some_and(|p| !p.session_icc.is_empty()) {
        print!(" {:>15}", "peer");
    }
    println!();
    println!("  ICC(A,1) with the experts' / 80% interval coverage");
    for metric in Metric::ALL {
        print!("{:<22}", short_name(metric));
        for (_, summary) in &summaries {
            match summary.session_figures.iter().find(|s| s.metric == metric) {
                Some(s) => {
                    let [counted, _, _, coverage, _] = s.cells();
                    print!(" {:>15}", format!("{counted} / {coverage}"));
                }
                None => print!(" {:>15}", "-"),
            }
        }
        if let Some(icc) = peer.and_then(|p| p.session_icc.get(&metric)) {
            print!(" {:>15}", format!("{icc:.3} / -"));
        }
        println!();
    }
    if reports.iter().any(|(_, r)| r.machine_like.is_some()) {
        println!();
        println!("lower-cased, punctuation-free copy (original -> copy)");
        for (task, name) in [
            (Task::CounselorBehaviour, "counsellor macro-F1"),
            (Task::ClientTalk, "client talk macro-F1"),
        ] {
            print!("{name:<22}");
            for (_, report) in reports {
                print!(
                    " {:>15}",
                    copy_change(report, |h| {
                        h.tasks
                            .iter()
                            .find(|t| t.task == task)
                            .map(|t| t.confusion.macro_f1())
                    })
                );
            }
            println!();
        }
        for metric in Metric::ALL {
            print!("{:<22}", format!("{} ICC", short_name(metric)));
            for (_, report) in reports {
                print!(
                    " {:>15}",
                    copy_change(report, |h| {
                        h.session_figures
                            .iter()
                            .find(|s| s.metric == metric)
                            .and_then(|s| s.icc_counted)
                    })
                );
            }
            println!();
        }
        print!("{:<22}", "mi_quality_score AUC");
        for (_, report) in reports {
            print!(
                " {:>15}",
                copy_change(report, |h| h.mi_quality.as_ref().map(|q| q.auc))
            );
        }
        println!();
    }
}

/// A figure's short name in the side-by-side table.
fn short_name(metric: Metric) -> &'static str {
    match metric {
        Metric::ReflectionToQuestionRatio => "R:Q",
        Metric::PercentComplexReflections => "%CR",
        Metric::PercentOpenQuestions => "% open questions",
        Metric::ChangeTalkPercent => "change talk %",
    }
}

/// `0.757 -> 0.713`: a figure on the original and on the machine-like copy.
fn copy_change(report: &EvalReport, figure: impl Fn(&HeldOut) -> Option<f64>) -> String {
    let show = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |v| format!("{v:.3}"));
    match &report.machine_like {
        Some(copy) => format!(
            "{} -> {}",
            show(figure(&report.original)),
            show(figure(copy))
        ),
        None => "-".to_string(),
    }
}
