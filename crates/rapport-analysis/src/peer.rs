//! The peer baseline (a TF-IDF + logistic-regression coder run as a Python script on the
//! same file): its figures, read from what it prints, to report beside Rapport's.

use std::path::Path;
use std::process::Command;

use crate::error::AnalysisError;

/// The peer's macro-F1 for therapist behaviour and client talk, and its printout.
#[derive(Debug, Clone)]
pub struct PeerFigures {
    /// Macro-F1 on counsellor (therapist) behaviour.
    pub therapist: f64,
    /// Macro-F1 on client talk.
    pub client: f64,
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
        Ok(PeerFigures {
            therapist: figure("therapist")?,
            client: figure("client")?,
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
