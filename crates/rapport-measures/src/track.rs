//! Tracking: each client's series per instrument, ruptures and repairs for alliance
//! instruments, change for outcome instruments. Pure functions over scored responses.
//!
//! # Rupture rules
//! A session is a rupture when any enabled rule fires; its `rules` name every rule that
//! fired, in the order `below_cutoff`, `drop`, `statistical`. "Worse" follows the
//! instrument's direction.
//!
//! - `below_cutoff`: the total is on the concerning side of the cut-off (SRS: under 36).
//!   It can fire at the first session. WAI-SR has no published cut-off, so it never fires
//!   there unless a cut-off is given (`--cutoff wai-sr=N`).
//! - `drop`: the total is worse than the previous session's by at least the threshold
//!   (SRS 1 point, WAI-SR 3 points by default; see the instrument files).
//! - `statistical` (after Stiles et al. 2004 and Gumz et al. 2012): the fall from the
//!   previous session is larger than k × SD, where SD is the larger of the client's own
//!   and the caseload's session-to-session SD. A session-to-session SD is the sample
//!   standard deviation (n − 1 denominator, around their mean) of the successive
//!   differences between consecutive sessions (by session number) of one series; the
//!   client's SD uses all of that client's differences for the instrument (the drop being
//!   judged included, as in a post-hoc reading of the series), the caseload's pools the
//!   differences of every client in the input for that instrument. An SD needs at least
//!   two differences (three sessions); with only one of the two available that one is
//!   used; with neither, or an SD of 0, the rule does not fire.
//!
//! # Repairs
//! `repaired_at` is the first later session, at most `repair_window` session numbers
//! after the rupture, whose total is back to at least the last pre-rupture total: the
//! total of the latest earlier session where no rule fired. When every earlier session
//! was itself a rupture (or there is none), the repair is the first session in the window
//! back on the non-concerning side of the cut-off. Otherwise `null`: unrepaired.
//!
//! # Change
//! For outcome instruments with at least two sessions: `first` and `last` totals,
//! `delta` = last − first, `reliable_change` (`improved` or `deteriorated` when the
//! change in the better or worse direction is at least the reliable-change index,
//! otherwise `unchanged`), and `clinically_significant` (reliably improved and moved
//! from the clinical to the non-clinical side of the cut-off). Both are `null` when the
//! instrument has no reliable-change index; `clinically_significant` is also `null`
//! without a cut-off. `change` is `null` for alliance instruments and single sessions.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::instrument::{Construct, Instrument, Registry};
use crate::score::{ScoreReport, ScoredResponse, clean};
use crate::settings::{Rule, Settings};

/// Tolerance for comparing totals that went through subtraction.
const EPS: f64 = 1e-9;

/// The output of `rapport measures track`: `{"clients": [...]}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TrackReport {
    /// One entry per client, sorted by client id.
    pub clients: Vec<ClientTrack>,
}

/// One client's instruments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientTrack {
    /// The client.
    pub client: String,
    /// One entry per instrument the client completed, in registry order.
    pub instruments: Vec<InstrumentTrack>,
}

/// One client's series on one instrument.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstrumentTrack {
    /// The instrument's id.
    pub instrument: String,
    /// Totals by session, ascending.
    pub series: Vec<SeriesPoint>,
    /// Ruptures (alliance instruments; empty for outcome instruments).
    pub ruptures: Vec<Rupture>,
    /// Change from first to last session (outcome instruments with two or more sessions).
    pub change: Option<Change>,
}

/// One session's total.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesPoint {
    /// The session number.
    pub session: u32,
    /// The date.
    pub date: NaiveDate,
    /// The total.
    pub total: f64,
}

/// A session where at least one rupture rule fired.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rupture {
    /// The session.
    pub session: u32,
    /// The rules that fired (`below_cutoff`, `drop`, `statistical`).
    pub rules: Vec<String>,
    /// The session that repaired it, or `None` when unrepaired within the window.
    pub repaired_at: Option<u32>,
}

/// Reliable change classification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReliableChange {
    /// Better by at least the reliable-change index.
    Improved,
    /// Worse by at least the reliable-change index.
    Deteriorated,
    /// Neither.
    Unchanged,
}

/// Change over an outcome series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// The first session's total.
    pub first: f64,
    /// The last session's total.
    pub last: f64,
    /// last − first.
    pub delta: f64,
    /// Against the reliable-change index; `None` when the instrument has none.
    pub reliable_change: Option<ReliableChange>,
    /// Reliably improved and crossed from the clinical to the non-clinical side.
    pub clinically_significant: Option<bool>,
}

/// Sample SD (n − 1) of successive differences; `None` below two differences.
pub fn sd_of(differences: &[f64]) -> Option<f64> {
    if differences.len() < 2 {
        return None;
    }
    let n = differences.len() as f64;
    let mean = differences.iter().sum::<f64>() / n;
    let var = differences.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (n - 1.0);
    Some(var.sqrt())
}

/// Successive differences (later − earlier) of a series sorted by session.
pub fn differences(series: &[SeriesPoint]) -> Vec<f64> {
    series.windows(2).map(|w| w[1].total - w[0].total).collect()
}

/// Finds the ruptures in one alliance series (sorted by session). `caseload_sd` is the
/// pooled session-to-session SD of the instrument across the caseload, if estimable.
pub fn ruptures(
    instrument: &Instrument,
    series: &[SeriesPoint],
    caseload_sd: Option<f64>,
    settings: &Settings,
) -> Vec<Rupture> {
    let sign = instrument.scoring.direction.sign();
    let cutoff = settings.cutoff(instrument);
    let drop = settings.drop(instrument);
    let client_sd = sd_of(&differences(series));
    let sd = match (client_sd, caseload_sd) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
    .filter(|sd| *sd > 0.0 && sd.is_finite());

    let mut fired: Vec<Vec<Rule>> = Vec::with_capacity(series.len());
    for (i, point) in series.iter().enumerate() {
        let mut rules = Vec::new();
        if settings.rule_on(Rule::BelowCutoff)
            && cutoff.is_some_and(|c| instrument.clinical(point.total, c))
        {
            rules.push(Rule::BelowCutoff);
        }
        if i > 0 {
            let worsening = sign * (series[i - 1].total - point.total);
            if settings.rule_on(Rule::Drop)
                && let Some(d) = drop
                && worsening > 0.0
                && worsening >= d - EPS
            {
                rules.push(Rule::Drop);
            }
            if settings.rule_on(Rule::Statistical)
                && let Some(sd) = sd
                && worsening > settings.sd_k * sd + EPS
            {
                rules.push(Rule::Statistical);
            }
        }
        fired.push(rules);
    }

    let mut out = Vec::new();
    for (i, rules) in fired.iter().enumerate() {
        if rules.is_empty() {
            continue;
        }
        let reference = (0..i)
            .rev()
            .find(|&j| fired[j].is_empty())
            .map(|j| series[j].total);
        let window_end = u64::from(series[i].session) + u64::from(settings.repair_window);
        let repaired_at = series[i + 1..]
            .iter()
            .take_while(|p| u64::from(p.session) <= window_end)
            .find(|p| match reference {
                Some(r) => sign * (p.total - r) >= -EPS,
                None => cutoff.is_some_and(|c| !instrument.clinical(p.total, c)),
            })
            .map(|p| p.session);
        out.push(Rupture {
            session: series[i].session,
            rules: rules.iter().map(|r| r.name().to_string()).collect(),
            repaired_at,
        });
    }
    out
}

/// Change from the first to the last session of an outcome series.
pub fn change(
    instrument: &Instrument,
    series: &[SeriesPoint],
    settings: &Settings,
) -> Option<Change> {
    let (first, last) = match series {
        [first, .., last] => (first.total, last.total),
        _ => return None,
    };
    let delta = clean(last - first);
    let improvement = instrument.scoring.direction.sign() * delta;
    let rci = settings.reliable_change(instrument);
    let reliable = rci.map(|r| {
        if improvement >= r - EPS {
            ReliableChange::Improved
        } else if improvement <= -r + EPS {
            ReliableChange::Deteriorated
        } else {
            ReliableChange::Unchanged
        }
    });
    let clinically_significant = match (reliable, settings.cutoff(instrument)) {
        (Some(rc), Some(c)) => Some(
            rc == ReliableChange::Improved
                && instrument.clinical(first, c)
                && !instrument.clinical(last, c),
        ),
        _ => None,
    };
    Some(Change {
        first,
        last,
        delta,
        reliable_change: reliable,
        clinically_significant,
    })
}

/// Tracks every client and instrument in a score report.
pub fn track(registry: &Registry, report: &ScoreReport, settings: &Settings) -> TrackReport {
    // client → instrument → series
    let mut grouped: BTreeMap<&str, BTreeMap<(usize, &str), Vec<&ScoredResponse>>> =
        BTreeMap::new();
    for r in &report.responses {
        grouped
            .entry(r.client.as_str())
            .or_default()
            .entry((registry.position(&r.instrument), r.instrument.as_str()))
            .or_default()
            .push(r);
    }
    let series_of = |rs: &[&ScoredResponse]| -> Vec<SeriesPoint> {
        let mut s: Vec<SeriesPoint> = rs
            .iter()
            .map(|r| SeriesPoint {
                session: r.session,
                date: r.date,
                total: r.total,
            })
            .collect();
        s.sort_by_key(|p| p.session);
        s
    };
    // Caseload SD per instrument: every client's successive differences pooled.
    let mut pooled: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for instruments in grouped.values() {
        for ((_, id), rs) in instruments {
            pooled
                .entry(id)
                .or_default()
                .extend(differences(&series_of(rs)));
        }
    }
    let caseload_sd: BTreeMap<&str, Option<f64>> =
        pooled.iter().map(|(id, d)| (*id, sd_of(d))).collect();

    let mut clients = Vec::new();
    for (client, instruments) in &grouped {
        let mut tracks = Vec::new();
        for ((_, id), rs) in instruments {
            let series = series_of(rs);
            let (ruptures, change) = match registry.get(id) {
                Some(inst) if inst.scoring.construct == Construct::Alliance => (
                    ruptures(
                        inst,
                        &series,
                        caseload_sd.get(id).copied().flatten(),
                        settings,
                    ),
                    None,
                ),
                Some(inst) => (Vec::new(), change(inst, &series, settings)),
                None => (Vec::new(), None),
            };
            tracks.push(InstrumentTrack {
                instrument: id.to_string(),
                series,
                ruptures,
                change,
            });
        }
        clients.push(ClientTrack {
            client: client.to_string(),
            instruments: tracks,
        });
    }
    TrackReport { clients }
}
