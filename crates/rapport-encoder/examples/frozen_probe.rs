//! What frozen sentence embeddings add to the TF-IDF coder, by the coder's own grouped
//! cross-validation: the same folds (`eval::assign_folds`), the same feature blocks
//! (`features::DEFAULT_BLOCKS`) and the same classifier (`linear::Softmax`, default
//! options), with the utterance's embedding (and the previous turn's) appended to each
//! sparse vector as dense columns scaled by a block weight.
//!
//! ```text
//! cargo run --release -p rapport-encoder --example embed_annomi     # writes the cache
//! cargo run --release -p rapport-encoder --example frozen_probe -- [--cache STEM] [--configs a,b,...]
//! ```

mod common;

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use rapport_coder::Corpus;
use rapport_coder::corpus::Label;
use rapport_coder::eval::assign_folds;
use rapport_coder::features::{DEFAULT_BLOCKS, FeatureSpace, View};
use rapport_coder::linear::{FitOptions, Softmax};
use rapport_coder::metrics::Confusion;
use rapport_coder::model::{argmax, turns_of};
use rapport_coder::vectorizer::SparseVec;
use rapport_core::{Behaviour, Talk};
use rayon::prelude::*;

const FOLDS: usize = 5;

/// One feature set to evaluate.
#[derive(Debug, Clone)]
struct Setup {
    name: String,
    tfidf: bool,
    /// Weight of the utterance's own embedding, if used.
    own: Option<f32>,
    /// Weight of the previous turn's embedding, if used.
    previous: Option<f32>,
    /// Which previous turn: the other speaker's (as the TF-IDF `Previous` view) or
    /// whoever spoke just before.
    previous_any_speaker: bool,
    c: f64,
}

fn setups() -> Vec<Setup> {
    let s = |name: &str, tfidf, own, previous, any, c| Setup {
        name: name.into(),
        tfidf,
        own,
        previous,
        previous_any_speaker: any,
        c,
    };
    let mut all = vec![s("tfidf", true, None, None, false, 5.0)];
    for w in [0.25, 0.5, 1.0, 2.0] {
        all.push(s(
            &format!("tfidf+own@{w}"),
            true,
            Some(w),
            None,
            false,
            5.0,
        ));
    }
    for w in [0.5, 1.0, 2.0] {
        all.push(s(
            &format!("tfidf+own+prev@{w}"),
            true,
            Some(w),
            Some(w),
            false,
            5.0,
        ));
    }
    all.push(s(
        "tfidf+own@0.5+prev@1",
        true,
        Some(0.5),
        Some(1.0),
        false,
        5.0,
    ));
    for w in [1.0, 2.0] {
        all.push(s(
            &format!("tfidf+own+prevany@{w}"),
            true,
            Some(w),
            Some(w),
            true,
            5.0,
        ));
    }
    for c in [1.0, 5.0, 20.0] {
        all.push(s(
            &format!("emb-only@C{c}"),
            false,
            Some(1.0),
            None,
            false,
            c,
        ));
    }
    all.push(s(
        "emb+prev-only@C5",
        false,
        Some(1.0),
        Some(1.0),
        false,
        5.0,
    ));
    all
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("frozen_probe: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let mut stem = common::DEFAULT_CACHE.to_string();
    let mut only: Option<Vec<String>> = None;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--cache" => stem = value()?,
            "--configs" => only = Some(value()?.split(',').map(str::to_string).collect()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    let (index, vectors) = common::read(&stem)?;
    let corpus =
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
    // Each session's rows of the cache.
    let mut starts = Vec::with_capacity(corpus.sessions.len());
    let mut at = 0;
    for s in &corpus.sessions {
        starts.push(at);
        at += s.utterances.len();
    }
    let dim = index.dim;
    let fold_of = assign_folds(&corpus.sessions, FOLDS).map_err(|e| e.to_string())?;

    // The TF-IDF vectors of every utterance, per fold (vocabulary fitted on the
    // training part), computed once and shared by every setup.
    let started = Instant::now();
    let tfidf: Vec<(usize, Vec<Vec<SparseVec>>)> = (0..FOLDS)
        .into_par_iter()
        .map(|fold| {
            let train: Vec<_> = corpus
                .sessions
                .iter()
                .zip(&fold_of)
                .filter(|(_, f)| **f != fold)
                .map(|(s, _)| turns_of(s))
                .collect();
            let space = FeatureSpace::fit(&DEFAULT_BLOCKS, &train);
            let vecs = corpus
                .sessions
                .iter()
                .map(|s| space.vectorize_all(&turns_of(s)))
                .collect();
            (space.width(), vecs)
        })
        .collect();
    eprintln!("tf-idf features: {:.1} s", started.elapsed().as_secs_f64());

    println!(
        "setup                      counsellor  client   (macro-F1, {FOLDS}-fold grouped by video_url)   seconds"
    );
    for setup in setups() {
        if let Some(only) = &only
            && !only.contains(&setup.name)
        {
            continue;
        }
        let started = Instant::now();
        let per_fold: Vec<Vec<(bool, usize, usize)>> = (0..FOLDS)
            .into_par_iter()
            .map(|fold| {
                let (sparse_width, sparse) = &tfidf[fold];
                let base = if setup.tfidf { *sparse_width } else { 0 };
                let width = base + setup.own.map_or(0, |_| dim) + setup.previous.map_or(0, |_| dim);
                // Features of every utterance of every session.
                let rows: Vec<Vec<SparseVec>> = corpus
                    .sessions
                    .iter()
                    .enumerate()
                    .map(|(si, s)| {
                        let turns = turns_of(s);
                        (0..s.utterances.len())
                            .map(|i| {
                                let mut entries = if setup.tfidf {
                                    sparse[si][i].0.clone()
                                } else {
                                    Vec::new()
                                };
                                let mut offset = base as u32;
                                if let Some(w) = setup.own {
                                    push_dense(&mut entries, offset, &vectors[starts[si] + i], w);
                                    offset += dim as u32;
                                }
                                if let Some(w) = setup.previous {
                                    let previous = i.checked_sub(1).filter(|_| {
                                        setup.previous_any_speaker
                                            || !View::Previous.text(&turns, i).is_empty()
                                    });
                                    if let Some(p) = previous {
                                        push_dense(
                                            &mut entries,
                                            offset,
                                            &vectors[starts[si] + p],
                                            w,
                                        );
                                    }
                                }
                                SparseVec(entries)
                            })
                            .collect()
                    })
                    .collect();
                let mut behaviour = (Vec::new(), Vec::new());
                let mut talk = (Vec::new(), Vec::new());
                for ((s, f), x) in corpus.sessions.iter().zip(&fold_of).zip(&rows) {
                    if *f == fold {
                        continue;
                    }
                    for (u, xi) in s.utterances.iter().zip(x) {
                        match u.label {
                            Label::Counselor { behaviour: b, .. } => {
                                behaviour.0.push(xi);
                                behaviour.1.push(position(&Behaviour::ALL, b));
                            }
                            Label::Client { talk: t } => {
                                talk.0.push(xi);
                                talk.1.push(position(&Talk::ALL, t));
                            }
                        }
                    }
                }
                let options = FitOptions {
                    c: setup.c,
                    ..FitOptions::default()
                };
                let (b_model, t_model) = rayon::join(
                    || {
                        Softmax::fit(
                            &behaviour.0,
                            &behaviour.1,
                            Behaviour::ALL.len(),
                            width,
                            options,
                        )
                    },
                    || Softmax::fit(&talk.0, &talk.1, Talk::ALL.len(), width, options),
                );
                let (b_model, t_model) = (
                    b_model.map_err(|e| e.to_string())?,
                    t_model.map_err(|e| e.to_string())?,
                );
                let mut out = Vec::new();
                for ((s, f), x) in corpus.sessions.iter().zip(&fold_of).zip(&rows) {
                    if *f != fold {
                        continue;
                    }
                    for (u, xi) in s.utterances.iter().zip(x) {
                        match u.label {
                            Label::Counselor { behaviour: b, .. } => out.push((
                                true,
                                position(&Behaviour::ALL, b),
                                argmax(&b_model.predict_proba(xi)),
                            )),
                            Label::Client { talk: t } => out.push((
                                false,
                                position(&Talk::ALL, t),
                                argmax(&t_model.predict_proba(xi)),
                            )),
                        }
                    }
                }
                Ok(out)
            })
            .collect::<Result<_, String>>()?;
        let mut behaviour = Confusion::new(&Behaviour::ALL.map(Behaviour::as_str));
        let mut talk = Confusion::new(&Talk::ALL.map(Talk::as_str));
        for &(counsellor, truth, predicted) in per_fold.iter().flatten() {
            if counsellor {
                behaviour.add(truth, predicted);
            } else {
                talk.add(truth, predicted);
            }
        }
        println!(
            "{:<26} {:>10.3} {:>7.3}   {:>5.0}",
            setup.name,
            behaviour.macro_f1(),
            talk.macro_f1(),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

/// Appends `weight * v` as columns `offset..offset + v.len()` (after the sparse
/// columns, so entries stay sorted by column).
fn push_dense(entries: &mut Vec<(u32, f32)>, offset: u32, v: &[f32], weight: f32) {
    entries.extend(
        v.iter()
            .enumerate()
            .map(|(j, x)| (offset + j as u32, weight * x)),
    );
}

fn position<T: PartialEq>(all: &[T], value: T) -> usize {
    all.iter().position(|v| *v == value).unwrap_or(0)
}
