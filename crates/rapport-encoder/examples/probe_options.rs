//! Research probe: the coder's own grouped cross-validation (`eval::cross_validate`) of
//! chosen training options, over embeddings cached by `embed_annomi`, so that settings
//! can be compared without re-embedding the corpus each time.
//!
//! ```text
//! cargo run --release -p rapport-encoder --example embed_annomi     # writes the cache
//! cargo run --release -p rapport-encoder --example probe_options -- \
//!     [--cache STEM] [--own 0.5] [--previous 0] [--next 0] [--counselor-before 0] [--context] [--context-weight 1]
//! ```

mod common;

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use rapport_coder::context::ContextSpec;
use rapport_coder::features::{DenseSpec, View};
use rapport_coder::{Corpus, TrainOptions, cross_validate};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("probe_options: {message}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let mut stem = common::DEFAULT_CACHE.to_string();
    let mut options = TrainOptions::encoder();
    options.dense.clear();
    let mut weights = [
        (View::Own, 0.5f32),
        (View::Previous, 0.0),
        (View::Next, 0.0),
        (View::CounselorBefore, 0.0),
    ];
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value"));
        let number = |v: String| v.parse::<f32>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--cache" => stem = value()?,
            "--own" => weights[0].1 = number(value()?)?,
            "--previous" => weights[1].1 = number(value()?)?,
            "--next" => weights[2].1 = number(value()?)?,
            "--counselor-before" => weights[3].1 = number(value()?)?,
            "--context" => options.context = Some(ContextSpec::default()),
            "--context-weight" => {
                let w = number(value()?)?;
                if let Some(c) = options.context.as_mut() {
                    c.weight = w;
                }
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    options.dense = weights
        .iter()
        .filter(|(_, w)| *w > 0.0)
        .map(|&(view, weight)| DenseSpec { view, weight })
        .collect();
    let (index, vectors) = common::read(&stem)?;
    let mut corpus =
        Corpus::from_path(Path::new(&index.source), "video_url").map_err(|e| e.to_string())?;
    let expected: Vec<(String, usize)> = corpus
        .sessions
        .iter()
        .map(|s| (s.id.clone(), s.utterances.len()))
        .collect();
    if expected != index.sessions {
        return Err(format!(
            "{stem}.json does not match {}: re-run embed_annomi",
            index.source
        ));
    }
    corpus
        .attach_embeddings(vectors)
        .map_err(|e| e.to_string())?;
    let started = Instant::now();
    let report =
        cross_validate(&corpus, 5, "video_url", &options, &|| {}).map_err(|e| e.to_string())?;
    println!(
        "dense {:?} context {:?} ({:.0} s)",
        options.dense,
        options.context.as_ref().map(|c| c.weight),
        started.elapsed().as_secs_f64()
    );
    for t in &report.summary().tasks {
        println!("  {:<20} macro-F1 {:.3}", t.task, t.macro_f1);
    }
    if let Some(q) = &report.mi_quality {
        println!("  mi_quality AUC {:.3}", q.auc);
    }
    Ok(())
}
