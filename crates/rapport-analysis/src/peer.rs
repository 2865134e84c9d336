//! The peer baseline (a TF-IDF + logistic-regression coder run as a Python script on the
//! same file): its figures, read from what it prints, to report beside Rapport's. A peer
//! that also prints session figures (`tools/research/peer_sessions.py`: lines such as
//! `reflection_to_question_ratio   ICC(A,1) 0.234`) has them read too.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use rapport_core::Metric;

use crate::error::AnalysisError;

/// The peer's macro-F1 for therapist behaviour and client talk, and its printout.
#[derive(Debug, Clone)]
pub struct PeerFigures {
    /// Macro-F1 on counsellor (therapist) behaviour.
    pub therapist: f64,
    /// Macro-F1 on client talk.
    pub client: f64,
    /// ICC(A,1) of each session figure with the experts', where the peer prints it (the
    /// first value printed for each, which is the original transcripts').
    pub session_icc: BTreeMap<Metric, f64>,
    /// Everything the script printed.
    pub raw: String,
}

impl PeerFigures {
    /// Reads the figures from the script's printout.
    pub fn parse(raw: String) -> Result<PeerFigures, AnalysisError> {
        let figure = |who: &str| -> Result<f64, AnalysisError> {
            raw.lines()
                .find(|l| l.starts_with(who))
                .and_then(|l| l.split("macro-F1").nth(1))
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| {
                    AnalysisError::Peer(format!("the peer printed no macro-F1 for {who}"))
                })
        };
        let mut session_icc = BTreeMap::new();
        for line in raw.lines() {
            let mut words = line.split_whitespace();
            let (Some(key), Some("ICC(A,1)"), Some(value)) =
                (words.next(), words.next(), words.next())
            else {
                continue;
            };
            let metric = Metric::ALL.into_iter().find(|m| m.as_str() == key);
            if let (Some(metric), Ok(value)) = (metric, value.parse::<f64>()) {
                session_icc.entry(metric).or_insert(value);
            }
        }
        Ok(PeerFigures {
            therapist: figure("therapist")?,
            client: figure("client")?,
            session_icc,
            raw,
        })
    }

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

/// Runs `python3 SCRIPT DATA` and reads its figures.
pub fn run(script: &Path, data: &Path) -> Result<PeerFigures, AnalysisError> {
    let output = Command::new("python3")
        .arg(script)
        .arg(data)
        .output()
        .map_err(|e| AnalysisError::Peer(format!("running python3 {}: {e}", script.display())))?;
    if !output.status.success() {
        return Err(AnalysisError::Peer(format!(
            "the peer script {} failed ({}); it needs `python3 -m pip install scikit-learn`:\n{}",
            script.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    PeerFigures::parse(String::from_utf8_lossy(&output.stdout).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// As `peer_baseline.py` prints its figures.
    const PRINTOUT: &str = "\
therapist: macro-F1 0.700  accuracy 0.750  kappa 0.632  (4000 utterances, 4000 utterances/s predicted)
client: macro-F1 0.474  accuracy 0.600  kappa 0.223  (2000 utterances, 1000 utterances/s predicted)
";

    #[test]
    fn figures_and_speed_are_read_from_the_printout() {
        let peer = PeerFigures::parse(PRINTOUT.into()).unwrap();
        assert_eq!(peer.therapist, 0.700);
        assert_eq!(peer.client, 0.474);
        // 6000 utterances in 1 s + 2 s.
        assert_eq!(peer.predict_speed(), Some(2000.0));
    }

    #[test]
    fn session_figures_are_read_where_the_peer_prints_them() {
        assert!(
            PeerFigures::parse(PRINTOUT.into())
                .unwrap()
                .session_icc
                .is_empty()
        );
        let printout = format!(
            "== original\n{PRINTOUT}  reflection_to_question_ratio   ICC(A,1) 0.234 (84 sessions)\n  \
             change_talk_percent ICC(A,1) 0.380\n  unknown_figure ICC(A,1) 0.5\n\
             == machine-like\n  reflection_to_question_ratio   ICC(A,1) 0.185\n"
        );
        let peer = PeerFigures::parse(printout).unwrap();
        assert_eq!(
            peer.session_icc,
            BTreeMap::from([
                (Metric::ReflectionToQuestionRatio, 0.234),
                (Metric::ChangeTalkPercent, 0.380),
            ])
        );
    }

    #[test]
    fn a_printout_without_figures_is_an_error_naming_what_is_missing() {
        let err = PeerFigures::parse("therapist: macro-F1 0.7\n".into()).unwrap_err();
        assert!(err.to_string().contains("no macro-F1 for client"), "{err}");
        assert_eq!(
            PeerFigures::parse(PRINTOUT.replace("utterances/s", ""))
                .unwrap()
                .predict_speed(),
            None
        );
    }
}
