//! What needs a counsellor's attention before the next session, derived from the
//! clinic's current scores on each request (so an alert can never disagree with the
//! data; the scores and what they imply are kept between requests by
//! [`crate::caseload`]), less those a counsellor has acknowledged with a note.
//!
//! The kinds, most urgent first (OpenFIT publishes similar rules; the rupture rules are
//! `rapport measures track`'s):
//! - `self_harm_item`: PHQ-9 item 9 (or any instrument's item flag) above 0;
//! - `rupture`: an alliance rupture not repaired within the repair window;
//! - `below_cutoff`: the latest alliance score below the instrument's cut-off;
//! - `reliable_deterioration`: an outcome measure reliably worse than at the start;
//! - `not_answered`: a link that expired unanswered.

use std::collections::{BTreeMap, HashMap, HashSet};

use rapport_measures::{
    Construct, Registry, ReliableChange, ScoreReport, ScoredResponse, TrackReport,
};
use serde::{Deserialize, Serialize};

use crate::clients::Client;
use crate::db::{Db, DbError, exec, from_row, run};

/// The kinds of alert, most urgent first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// An item flagged for safety (PHQ-9 item 9 above 0).
    SelfHarmItem,
    /// An unrepaired alliance rupture.
    Rupture,
    /// The latest alliance score under the cut-off.
    BelowCutoff,
    /// Reliable deterioration on an outcome measure.
    ReliableDeterioration,
    /// A link that expired unanswered.
    NotAnswered,
}

impl AlertKind {
    /// As stored and written in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::SelfHarmItem => "self_harm_item",
            AlertKind::Rupture => "rupture",
            AlertKind::BelowCutoff => "below_cutoff",
            AlertKind::ReliableDeterioration => "reliable_deterioration",
            AlertKind::NotAnswered => "not_answered",
        }
    }

    /// The kind with this name.
    pub fn parse(text: &str) -> Option<AlertKind> {
        [
            AlertKind::SelfHarmItem,
            AlertKind::Rupture,
            AlertKind::BelowCutoff,
            AlertKind::ReliableDeterioration,
            AlertKind::NotAnswered,
        ]
        .into_iter()
        .find(|k| k.as_str() == text)
    }
}

/// One open alert: a client's [`Finding`], with the client's id (JSON: `client` and
/// the finding's fields side by side).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    /// The client's id.
    pub client: i64,
    /// What needs attention.
    #[serde(flatten)]
    pub finding: Finding,
}

impl Alert {
    fn key(&self) -> (i64, &'static str, &str, u32) {
        let f = &self.finding;
        (self.client, f.kind.as_str(), &f.instrument, f.session)
    }
}

struct Expired {
    client_id: i64,
    session_number: i64,
    instruments: String,
}

from_row!(Expired {
    client_id,
    session_number,
    instruments
});

struct Ack {
    client_id: i64,
    kind: String,
    instrument: String,
    session_number: i64,
}

from_row!(Ack {
    client_id,
    kind,
    instrument,
    session_number
});

/// What needs a counsellor's attention about one client, by code. The scores alone
/// imply every kind but `not_answered` (see [`derive()`]), which also needs the clinic's
/// links and the time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// The client's code.
    pub client_code: String,
    /// What kind.
    pub kind: AlertKind,
    /// The instrument.
    pub instrument: String,
    /// The session.
    pub session: u32,
    /// What happened, in words (no answers, only totals and rules).
    pub detail: String,
}

/// Every alert a clinic's scores imply, for all its clients: worked out once per change
/// of the scores (see [`crate::caseload`]), then filtered per caller by [`open`].
pub fn derive(scored: &ScoreReport, tracked: &TrackReport, registry: &Registry) -> Vec<Finding> {
    let scored_at: HashMap<(&str, &str, u32), &ScoredResponse> = scored
        .responses
        .iter()
        .map(|r| ((r.client.as_str(), r.instrument.as_str(), r.session), r))
        .collect();
    let mut alerts = Vec::new();
    let mut push = |client: &str, kind, instrument: &str, session, detail: String| {
        alerts.push(Finding {
            client_code: client.to_string(),
            kind,
            instrument: instrument.to_string(),
            session,
            detail,
        });
    };
    for r in &scored.responses {
        // Only item flags (PHQ-9 item 9) are safety alerts; a cut-off flag, whatever an
        // instrument names it, is read by the alliance and outcome rules below.
        let Some(instrument) = registry.get(&r.instrument) else {
            continue;
        };
        let item_flags = &instrument.scoring.item_flags;
        for flag in r
            .flags
            .iter()
            .filter(|f| item_flags.iter().any(|i| i.flag == **f))
        {
            push(
                &r.client,
                AlertKind::SelfHarmItem,
                &r.instrument,
                r.session,
                format!(
                    "{} session {}: {flag} raised; follow the clinic's safety protocol",
                    r.instrument, r.session
                ),
            );
        }
    }
    for client_track in &tracked.clients {
        let client = client_track.client.as_str();
        for t in &client_track.instruments {
            let Some(instrument) = registry.get(&t.instrument) else {
                continue;
            };
            for rupture in t.ruptures.iter().filter(|r| r.repaired_at.is_none()) {
                push(
                    client,
                    AlertKind::Rupture,
                    &t.instrument,
                    rupture.session,
                    format!(
                        "{} session {}: rupture ({}), not repaired",
                        t.instrument,
                        rupture.session,
                        rupture.rules.join(", ")
                    ),
                );
            }
            if instrument.scoring.construct == Construct::Alliance
                && let Some(last) = t.series.last()
                && let Some(latest) = scored_at.get(&(client, t.instrument.as_str(), last.session))
                && latest.flags.iter().any(|f| f == "below_cutoff")
            {
                push(
                    client,
                    AlertKind::BelowCutoff,
                    &t.instrument,
                    last.session,
                    format!(
                        "{} session {}: total {} is below the cut-off",
                        t.instrument,
                        last.session,
                        rapport_measures::fmt_num(last.total)
                    ),
                );
            }
            if let Some(change) = &t.change
                && change.reliable_change == Some(ReliableChange::Deteriorated)
                && let Some(last) = t.series.last()
            {
                push(
                    client,
                    AlertKind::ReliableDeterioration,
                    &t.instrument,
                    last.session,
                    format!(
                        "{}: reliably worse, {} -> {}",
                        t.instrument,
                        rapport_measures::fmt_num(change.first),
                        rapport_measures::fmt_num(change.last)
                    ),
                );
            }
        }
    }
    alerts
}

/// What was answered, as (client code, session, instrument): a link's instrument that
/// was answered (through the link or from paper) is not `not_answered`.
pub type Answered = HashSet<(String, u32, String)>;

/// The answered set of a clinic's scores.
pub fn answered(scored: &ScoreReport) -> Answered {
    scored
        .responses
        .iter()
        .map(|r| (r.client.clone(), r.session, r.instrument.clone()))
        .collect()
}

/// The open alerts of `clients` (a caller's visible clients), most urgent first, then
/// by client code and session: the clinic's `derived` alerts of those clients, plus
/// links that expired unanswered, less those acknowledged.
pub async fn open(
    db: &Db,
    clinic: i64,
    clients: &[Client],
    derived: &[Finding],
    answered: &Answered,
    now: i64,
) -> Result<Vec<Alert>, DbError> {
    let by_code: HashMap<&str, &Client> = clients.iter().map(|c| (c.code.as_str(), c)).collect();
    let mut alerts: Vec<Alert> = derived
        .iter()
        .filter_map(|d| {
            by_code.get(d.client_code.as_str()).map(|client| Alert {
                client: client.id,
                finding: d.clone(),
            })
        })
        .collect();
    let expired = run!(
        db,
        fetch_all,
        sqlx::query_as::<_, Expired>(
            // Found through the index of unanswered links by expiry (schema 2), not
            // through every link of every client: `+` keeps SQLite from preferring the
            // client index, and is a plain unary plus to PostgreSQL.
            "SELECT l.client_id, l.session_number, l.instruments FROM links l \
             WHERE l.used_at IS NULL AND l.expires_at <= $2 \
             AND +l.client_id IN (SELECT c.id FROM clients c WHERE c.clinic_id = $1)"
        )
        .bind(clinic)
        .bind(now)
    )?;
    let by_id: BTreeMap<i64, &Client> = clients.iter().map(|c| (c.id, c)).collect();
    for link in expired {
        let (Some(client), Ok(session)) = (
            by_id.get(&link.client_id),
            u32::try_from(link.session_number),
        ) else {
            continue;
        };
        let ids: Vec<String> = serde_json::from_str(&link.instruments).unwrap_or_default();
        for id in ids {
            if !answered.contains(&(client.code.clone(), session, id.clone())) {
                alerts.push(Alert {
                    client: client.id,
                    finding: Finding {
                        client_code: client.code.clone(),
                        kind: AlertKind::NotAnswered,
                        detail: format!("{id} session {session}: the link expired unanswered"),
                        instrument: id,
                        session,
                    },
                });
            }
        }
    }
    let acked = run!(
        db,
        fetch_all,
        sqlx::query_as::<_, Ack>(
            "SELECT a.client_id, a.kind, a.instrument, a.session_number FROM alert_acks a \
             JOIN clients c ON c.id = a.client_id WHERE c.clinic_id = $1"
        )
        .bind(clinic)
    )?;
    let acked: HashSet<(i64, String, String, i64)> = acked
        .into_iter()
        .map(|a| (a.client_id, a.kind, a.instrument, a.session_number))
        .collect();
    alerts.retain(|a| {
        let (client, kind, instrument, session) = a.key();
        !acked.contains(&(
            client,
            kind.to_string(),
            instrument.to_string(),
            i64::from(session),
        ))
    });
    alerts.sort_by(|a, b| {
        let (a, b) = (&a.finding, &b.finding);
        (a.kind, &a.client_code, a.session, &a.instrument).cmp(&(
            b.kind,
            &b.client_code,
            b.session,
            &b.instrument,
        ))
    });
    alerts.dedup();
    Ok(alerts)
}

/// An acknowledgement of one alert.
#[derive(Debug, Clone, Deserialize)]
pub struct Acknowledgement {
    /// The client's id.
    pub client: i64,
    /// The alert's kind.
    pub kind: AlertKind,
    /// Its instrument.
    pub instrument: String,
    /// Its session.
    pub session: u32,
    /// What the counsellor did or decided (kept; never logged or audited).
    pub note: String,
}

/// Records an acknowledgement; false when that alert was already acknowledged.
pub async fn acknowledge(
    db: &Db,
    ack: &Acknowledgement,
    by: i64,
    now: i64,
) -> Result<bool, DbError> {
    let stored = exec!(
        db,
        sqlx::query(
            "INSERT INTO alert_acks (client_id, kind, instrument, session_number, note, acknowledged_by, acknowledged_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (client_id, kind, instrument, session_number) DO NOTHING"
        )
        .bind(ack.client)
        .bind(ack.kind.as_str())
        .bind(&ack.instrument)
        .bind(i64::from(ack.session))
        .bind(&ack.note)
        .bind(by)
        .bind(now)
    )?;
    Ok(stored == 1)
}
