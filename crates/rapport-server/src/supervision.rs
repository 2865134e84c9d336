//! Supervision: each counsellor's practice on one page, for them and their supervisor.
//! What the counsellor did (the coded sessions' R:Q, %CR, % open questions and change
//! talk, drawn as the series index `rapport analyze --output-dir` draws, against the
//! MITI 4.2.1 thresholds), beside how their clients experienced it (alliance: mean
//! totals, ruptures found and repaired within the window) and how the clients are
//! doing (reliable improvement and deterioration per outcome measure), and whether
//! reflections and the clients' alliance ratings of the same sessions move together.
//!
//! Who may see a counsellor's practice: the counsellor and their supervisor; anyone
//! else gets 404. A supervisor's list shows their supervisees only. Every view is
//! audited.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use rapport_core::{CodedSession, ModelAccuracy, Summary};
use rapport_measures::{Construct, Registry, ReliableChange, ScoredResponse, TrackReport};
use serde::Serialize;
use serde_json::{Value, json};

use crate::access::Address;
use crate::api::{self, audit};
use crate::audit::Outcome;
use crate::error::AppError;
use crate::sessions::Caller;
use crate::state::AppState;
use crate::transcripts::{self, SummaryRow};
use crate::users::{self, User};
use crate::view::{self, PageError, render};

/// One coded session in a counsellor's series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionPoint {
    /// The client's id.
    pub client: i64,
    /// The client's code.
    pub code: String,
    /// The session number.
    pub session: i64,
    /// When it was coded (seconds since the epoch).
    pub coded_at: i64,
    /// The session's figures.
    pub summary: Summary,
    /// The client's SRS total for that session, where answered.
    pub srs: Option<f64>,
}

/// An alliance measure across a counsellor's clients.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AllianceFigures {
    /// The instrument's id.
    pub instrument: String,
    /// Answers.
    pub answers: usize,
    /// Mean total.
    pub mean: Option<f64>,
    /// Ruptures found.
    pub ruptures: usize,
    /// Of which repaired within the repair window.
    pub repaired: usize,
}

/// An outcome measure across a counsellor's clients.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutcomeFigures {
    /// The instrument's id.
    pub instrument: String,
    /// Clients with a first and last total (a change to judge).
    pub clients: usize,
    /// Of which reliably improved.
    pub improved: usize,
    /// Of which reliably deteriorated.
    pub deteriorated: usize,
    /// Improved share (0-1).
    pub improved_rate: Option<f64>,
    /// Deteriorated share (0-1).
    pub deteriorated_rate: Option<f64>,
}

/// Whether two series move together: Pearson's r over paired sessions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Together {
    /// Sessions with both figures.
    pub sessions: usize,
    /// Pearson's r, where at least three sessions pair and neither series is constant.
    pub r: Option<f64>,
}

/// A counsellor's practice.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Practice {
    /// The counsellor's id.
    pub counsellor: i64,
    /// Their name.
    pub name: String,
    /// Their supervisor's id.
    pub supervisor: Option<i64>,
    /// Clients on their caseload.
    pub clients: usize,
    /// Sessions coded.
    pub sessions_coded: usize,
    /// Mean of each figure over the coded sessions (`reflection_to_question_ratio`, ...).
    pub means: BTreeMap<&'static str, Option<f64>>,
    /// The coded sessions, in the order they were coded.
    pub sessions: Vec<SessionPoint>,
    /// Alliance measures.
    pub alliance: Vec<AllianceFigures>,
    /// Outcome measures.
    pub outcomes: Vec<OutcomeFigures>,
    /// R:Q against the client's SRS of the same session.
    pub reflections_and_srs: Together,
    /// The ids of the clients on the caseload (for the audit log).
    #[serde(skip)]
    pub client_ids: Vec<i64>,
}

/// Reads one figure of a session's summary.
type Figure = fn(&Summary) -> Option<f64>;

/// The figures a series shows, by their JSON key.
const FIGURES: [(&str, Figure); 4] = [
    ("reflection_to_question_ratio", |s| {
        s.reflection_to_question_ratio
    }),
    ("percent_complex_reflections", |s| {
        s.percent_complex_reflections
    }),
    ("percent_open_questions", |s| s.percent_open_questions),
    ("change_talk_percent", |s| s.change_talk_percent),
];

fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    (n > 0).then(|| sum / n as f64)
}

/// Pearson's r of paired values; `None` below three pairs or where a side is constant.
pub fn pearson(pairs: &[(f64, f64)]) -> Option<f64> {
    if pairs.len() < 3 {
        return None;
    }
    let n = pairs.len() as f64;
    let mx = pairs.iter().map(|p| p.0).sum::<f64>() / n;
    let my = pairs.iter().map(|p| p.1).sum::<f64>() / n;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (x, y) in pairs {
        sxy += (x - mx) * (y - my);
        sxx += (x - mx).powi(2);
        syy += (y - my).powi(2);
    }
    (sxx > 0.0 && syy > 0.0).then(|| sxy / (sxx * syy).sqrt())
}

/// Works out a counsellor's practice from their coded sessions (`rows`) and the
/// scored and tracked answers of their clients (`codes`).
pub fn practice(
    counsellor: &User,
    codes: &[String],
    rows: &[SummaryRow],
    scored: &[ScoredResponse],
    tracked: &TrackReport,
    registry: &Registry,
) -> Result<Practice, AppError> {
    let own = |client: &str| codes.iter().any(|c| c == client);
    let scored: Vec<&ScoredResponse> = scored.iter().filter(|r| own(&r.client)).collect();
    let sessions = rows
        .iter()
        .map(|row| {
            let summary: Summary = serde_json::from_str(&row.summary)
                .map_err(|e| crate::counselling::stored_json_error("summary", &e))?;
            let srs = scored
                .iter()
                .find(|r| {
                    r.client == row.code
                        && i64::from(r.session) == row.session_number
                        && r.instrument == "srs"
                })
                .map(|r| r.total);
            Ok(SessionPoint {
                client: row.client_id,
                code: row.code.clone(),
                session: row.session_number,
                coded_at: row.coded_at,
                summary,
                srs,
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    let means = FIGURES
        .iter()
        .map(|(key, get)| (*key, mean(sessions.iter().filter_map(|s| get(&s.summary)))))
        .collect();
    let pairs: Vec<(f64, f64)> = sessions
        .iter()
        .filter_map(|s| Some((s.summary.reflection_to_question_ratio?, s.srs?)))
        .collect();
    let mut alliance = Vec::new();
    let mut outcomes = Vec::new();
    for instrument in registry.iter() {
        let tracks: Vec<_> = tracked
            .clients
            .iter()
            .filter(|c| own(&c.client))
            .flat_map(|c| c.instruments.iter())
            .filter(|t| t.instrument == instrument.id)
            .collect();
        let answers: Vec<f64> = scored
            .iter()
            .filter(|r| r.instrument == instrument.id)
            .map(|r| r.total)
            .collect();
        if answers.is_empty() {
            continue;
        }
        match instrument.scoring.construct {
            Construct::Alliance => alliance.push(AllianceFigures {
                instrument: instrument.id.clone(),
                answers: answers.len(),
                mean: mean(answers.iter().copied()),
                ruptures: tracks.iter().map(|t| t.ruptures.len()).sum(),
                repaired: tracks
                    .iter()
                    .flat_map(|t| &t.ruptures)
                    .filter(|r| r.repaired_at.is_some())
                    .count(),
            }),
            Construct::Outcome => {
                let judged: Vec<ReliableChange> = tracks
                    .iter()
                    .filter_map(|t| t.change.as_ref()?.reliable_change)
                    .collect();
                let count = |which| judged.iter().filter(|c| **c == which).count();
                let rate = |k: usize| (!judged.is_empty()).then(|| k as f64 / judged.len() as f64);
                let improved = count(ReliableChange::Improved);
                let deteriorated = count(ReliableChange::Deteriorated);
                outcomes.push(OutcomeFigures {
                    instrument: instrument.id.clone(),
                    clients: judged.len(),
                    improved,
                    deteriorated,
                    improved_rate: rate(improved),
                    deteriorated_rate: rate(deteriorated),
                });
            }
        }
    }
    Ok(Practice {
        counsellor: counsellor.id,
        name: counsellor.name.clone(),
        supervisor: counsellor.supervisor,
        clients: codes.len(),
        sessions_coded: sessions.len(),
        means,
        reflections_and_srs: Together {
            sessions: pairs.len(),
            r: pearson(&pairs),
        },
        sessions,
        alliance,
        outcomes,
        client_ids: Vec::new(),
    })
}

/// The counsellor `id`, if the caller may see their practice: themselves, or their
/// supervisor.
async fn counsellor_for(state: &AppState, caller: &Caller, id: i64) -> Result<User, AppError> {
    users::get(&state.db, caller.clinic_id, id)
        .await?
        .filter(|u| u.role().counsels())
        .filter(|u| u.id == caller.user_id || u.supervisor == Some(caller.user_id))
        .ok_or(AppError::NotFound)
}

/// A counsellor's practice, computed from the database.
async fn practice_of(
    state: &AppState,
    counsellor: &User,
    clinic: i64,
) -> Result<Practice, AppError> {
    let caseload: Vec<(i64, String)> = crate::db::run!(
        &state.db,
        fetch_all,
        sqlx::query_as::<_, (i64, String)>(
            "SELECT id, code FROM clients WHERE clinic_id = $1 AND counsellor_id = $2 ORDER BY code"
        )
        .bind(clinic)
        .bind(counsellor.id)
    )?;
    let codes: Vec<String> = caseload.iter().map(|(_, c)| c.clone()).collect();
    let rows = transcripts::summaries_of_counsellor(&state.db, clinic, counsellor.id).await?;
    let (_, scored) = api::scored_caseload(state, clinic).await?;
    let mut practice = practice(
        counsellor,
        &codes,
        &rows,
        &scored.scored.responses,
        &scored.tracked,
        &state.registry,
    )?;
    practice.client_ids = caseload.iter().map(|(id, _)| *id).collect();
    Ok(practice)
}

/// Audits a view of practices: one entry per client whose data they summarise.
async fn audit_practices(
    state: &AppState,
    caller: &Caller,
    address: &Address,
    action: &str,
    practices: &[&Practice],
) -> Result<(), AppError> {
    let mut objects = Vec::new();
    for p in practices {
        objects.push(format!("user:{}", p.counsellor));
        objects.extend(p.client_ids.iter().map(|id| format!("client:{id}")));
    }
    crate::audit::record_each(
        &state.db,
        state.clock.now(),
        api::actor(caller),
        action,
        &objects,
        &address.0,
    )
    .await?;
    Ok(())
}

/// Finds the counsellor for the caller, auditing a refusal.
async fn allowed(
    state: &AppState,
    caller: &Caller,
    address: &Address,
    id: i64,
) -> Result<User, AppError> {
    match counsellor_for(state, caller, id).await {
        Ok(user) => Ok(user),
        Err(e) => {
            let outcome = if matches!(e, AppError::NotFound) {
                Outcome::NotFound
            } else {
                return Err(e);
            };
            audit(
                state,
                caller,
                address,
                "practice.view",
                &format!("user:{id}"),
                outcome,
            )
            .await?;
            Err(e)
        }
    }
}

/// `GET /api/v1/counsellors/{id}/practice`: a counsellor's practice (themselves or
/// their supervisor).
pub async fn get_practice(
    State(state): State<AppState>,
    caller: Caller,
    address: Address,
    Path(id): Path<i64>,
) -> Result<Json<Practice>, AppError> {
    let counsellor = allowed(&state, &caller, &address, id).await?;
    let practice = practice_of(&state, &counsellor, caller.clinic_id).await?;
    audit_practices(&state, &caller, &address, "practice.view", &[&practice]).await?;
    Ok(Json(practice))
}

/// The people whose practice the caller follows: their supervisees, then themselves.
async fn followed(state: &AppState, caller: &Caller) -> Result<Vec<User>, AppError> {
    let mut people: Vec<User> = users::supervisees(&state.db, caller.user_id)
        .await?
        .into_iter()
        .filter(|u| u.role().counsels())
        .collect();
    if let Some(me) = users::get(&state.db, caller.clinic_id, caller.user_id).await? {
        people.push(me);
    }
    Ok(people)
}

/// `GET /api/v1/supervision`: the practice of each of the caller's supervisees (and
/// their own).
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    address: Address,
) -> Result<Json<Value>, AppError> {
    let mut all = Vec::new();
    for person in followed(&state, &caller).await? {
        all.push(practice_of(&state, &person, caller.clinic_id).await?);
    }
    let shown: Vec<&Practice> = all.iter().collect();
    audit_practices(&state, &caller, &address, "practice.list", &shown).await?;
    Ok(Json(json!({ "counsellors": all })))
}

fn fmt(v: Option<f64>, percent: bool) -> String {
    match v {
        Some(v) if percent => format!("{v:.0} %"),
        Some(v) => format!("{v:.2}"),
        None => "n/a".to_string(),
    }
}

/// A practice's headline figures, as the list page shows them.
fn headline(p: &Practice) -> minijinja::Value {
    let m = |k: &str| p.means.get(k).copied().flatten();
    let alliance: Vec<String> = p
        .alliance
        .iter()
        .map(|a| {
            format!(
                "{} mean {} ({} answers); ruptures {}, repaired {}",
                a.instrument,
                fmt(a.mean, false),
                a.answers,
                a.ruptures,
                a.repaired
            )
        })
        .collect();
    let outcomes: Vec<String> = p.outcomes.iter().map(outcome_line).collect();
    context! {
        id => p.counsellor,
        name => p.name.clone(),
        clients => p.clients,
        sessions => p.sessions_coded,
        rq => fmt(m("reflection_to_question_ratio"), false),
        cr => fmt(m("percent_complex_reflections"), true),
        open => fmt(m("percent_open_questions"), true),
        change => fmt(m("change_talk_percent"), true),
        alliance => alliance,
        outcomes => outcomes,
    }
}

fn outcome_line(o: &OutcomeFigures) -> String {
    format!(
        "{}: {} of {} clients reliably improved ({}), {} deteriorated ({})",
        o.instrument,
        o.improved,
        o.clients,
        fmt(o.improved_rate.map(|r| r * 100.0), true),
        o.deteriorated,
        fmt(o.deteriorated_rate.map(|r| r * 100.0), true)
    )
}

/// `GET /supervision`: a supervisor's supervisees, each with their headline figures
/// (a counsellor sees their own line).
pub async fn list_page(
    State(state): State<AppState>,
    caller: Caller,
    address: Address,
) -> Result<Response, PageError> {
    let mut practices = Vec::new();
    for person in followed(&state, &caller).await? {
        practices.push(practice_of(&state, &person, caller.clinic_id).await?);
    }
    let rows: Vec<minijinja::Value> = practices.iter().map(headline).collect();
    let shown: Vec<&Practice> = practices.iter().collect();
    audit_practices(&state, &caller, &address, "practice.list", &shown).await?;
    Ok(render(
        StatusCode::OK,
        "server/supervision.html",
        Some(&caller),
        context! { rows => rows },
    )?)
}

/// `GET /supervision/{id}`: one counsellor's practice over time.
pub async fn practice_page(
    State(state): State<AppState>,
    caller: Caller,
    address: Address,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let counsellor = allowed(&state, &caller, &address, id).await?;
    let p = practice_of(&state, &counsellor, caller.clinic_id).await?;
    let sessions: Vec<CodedSession> = p
        .sessions
        .iter()
        .map(|s| CodedSession {
            id: format!("{} · session {}", s.code, s.session),
            source: String::new(),
            utterances: Vec::new(),
            summary: s.summary.clone(),
        })
        .collect();
    let links: Vec<String> = p
        .sessions
        .iter()
        .map(|s| format!("/clients/{}/sessions/{}", s.client, s.session))
        .collect();
    let series = rapport_report::html::index_context(
        &sessions,
        &links,
        &ModelAccuracy::unknown(),
        view::LAYOUT,
    )?;
    let srs: Vec<String> = p
        .sessions
        .iter()
        .map(|s| s.srs.map_or_else(String::new, rapport_measures::fmt_num))
        .collect();
    let alliance: Vec<minijinja::Value> = p
        .alliance
        .iter()
        .map(|a| {
            context! {
                instrument => a.instrument.clone(),
                answers => a.answers,
                mean => fmt(a.mean, false),
                ruptures => a.ruptures,
                repaired => a.repaired,
            }
        })
        .collect();
    let together = match p.reflections_and_srs.r {
        Some(r) => format!(
            "Across {} sessions with both, R:Q and the client's SRS total of the same session \
             correlate at r = {r:.2} (Pearson; descriptive, not a test).",
            p.reflections_and_srs.sessions
        ),
        None => format!(
            "{} sessions have both an R:Q and an SRS total: too few (or too alike) to say \
             whether they move together.",
            p.reflections_and_srs.sessions
        ),
    };
    audit_practices(&state, &caller, &address, "practice.view", &[&p]).await?;
    Ok(render(
        StatusCode::OK,
        "server/practice.html",
        Some(&caller),
        context! {
            practice => headline(&p),
            own => counsellor.id == caller.user_id,
            srs => srs,
            alliance => alliance,
            outcomes => p.outcomes.iter().map(outcome_line).collect::<Vec<_>>(),
            together => together,
            ..series
        },
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pearson_needs_three_varying_pairs() {
        assert_eq!(pearson(&[(1.0, 2.0), (2.0, 4.0)]), None);
        assert_eq!(pearson(&[(1.0, 2.0), (1.0, 3.0), (1.0, 4.0)]), None);
        let r = pearson(&[(1.0, 2.0), (2.0, 4.0), (3.0, 6.5)]).unwrap();
        assert!(r > 0.99 && r <= 1.0);
        let r = pearson(&[(1.0, 6.0), (2.0, 4.0), (3.0, 2.0)]).unwrap();
        assert!((r + 1.0).abs() < 1e-12);
    }

    #[test]
    fn a_mean_of_nothing_is_none() {
        assert_eq!(mean(std::iter::empty()), None);
        assert_eq!(mean([1.0, 2.0, 6.0].into_iter()), Some(3.0));
    }
}
