//! The client's side: a one-time link (`/a/<token>`) or a kiosk code opens the
//! questionnaire; answers come back as a form or as JSON
//! (`{"answers": {"srs": {"relationship": 9.5, ...}, "phq-9": {"item1": 2, ...}}}`).
//!
//! Every answer is checked before anything is stored; a missing or out-of-range one is
//! a 422 naming the item, nothing is stored and the link still works. A good set is
//! stored in one `BEGIN IMMEDIATE` transaction that also marks the link used and writes
//! the audit entry; the client is thanked only after it commits, which on SQLite
//! (`synchronous=FULL`) means the answers are on disk. A used or expired link is a 410
//! and records nothing.

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use minijinja::{Value, context};
use rapport_measures::check_answers;
use serde_json::json;

use crate::access::Address;
use crate::audit::{self, Actor, Outcome};
use crate::error::AppError;
use crate::links::{self, Link, LinkKey, LinkState};
use crate::pages::{self, parse_number};
use crate::responses::{self, Source};
use crate::state::AppState;
use crate::view::{redirect, render};

/// Answers as they arrived: instrument id -> item linkId -> the value as given.
type RawAnswers = BTreeMap<String, BTreeMap<String, String>>;

/// Why a submission was refused.
enum Refusal {
    /// The link cannot be answered.
    Gone(LinkState),
    /// The session already holds this instrument's answers (entered from paper by
    /// the counsellor after the link was made).
    Recorded(String),
    /// An answer is missing or out of range.
    Invalid {
        item: String,
        instrument: String,
        message: String,
    },
    /// A failure of ours.
    Error(AppError),
}

impl From<AppError> for Refusal {
    fn from(e: AppError) -> Refusal {
        Refusal::Error(e)
    }
}

impl From<crate::db::DbError> for Refusal {
    fn from(e: crate::db::DbError) -> Refusal {
        Refusal::Error(e.into())
    }
}

fn gone_words(state: LinkState) -> (&'static str, &'static str) {
    match state {
        LinkState::Used => (
            "This link has already been used",
            "These answers were sent already: a link works once.",
        ),
        _ => (
            "This link has expired",
            "Links stay open for a few days only.",
        ),
    }
}

/// The link for `key`, open or not; `None` when there is none.
async fn link_for(state: &AppState, key: &LinkKey) -> Result<Option<Link>, AppError> {
    Ok(links::find(&state.db, key).await?)
}

/// The form for a link, with the answers given so far and the problem to fix.
fn form_page(
    state: &AppState,
    link: &Link,
    action: &str,
    kiosk_code: Option<&str>,
    given: &RawAnswers,
    problem: Option<(&str, &str, &str)>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let forms: Vec<Value> = link
        .instrument_ids()
        .iter()
        .filter_map(|id| state.registry.get(id))
        .map(|instrument| {
            let values = given.get(&instrument.id).cloned().unwrap_or_default();
            let bad = problem
                .filter(|(_, i, _)| *i == instrument.id)
                .map(|(item, _, _)| item);
            context! {
                id => instrument.id.clone(),
                title => instrument.title.clone(),
                intro => instrument.questionnaire.get("description").and_then(|d| d.as_str()),
                items => item_views(instrument, &values, bad),
            }
        })
        .collect();
    let mut response = render(
        status,
        "server/answer.html",
        None,
        context! {
            forms => forms,
            action => action,
            kiosk_code => kiosk_code,
            problem => problem.map(|(_, _, message)| message),
        },
    )?;
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

fn item_views(
    instrument: &rapport_measures::Instrument,
    values: &BTreeMap<String, String>,
    bad: Option<&str>,
) -> Vec<Value> {
    pages::item_views(instrument, values, bad)
}

fn gone_page(state: LinkState) -> Result<Response, AppError> {
    let (heading, message) = gone_words(state);
    render(
        StatusCode::GONE,
        "server/gone.html",
        None,
        context! {
            heading => heading,
            message => message,
            note => "Nothing was recorded. Ask your counsellor for a new link if you still want to answer.",
        },
    )
}

fn no_such_link() -> AppError {
    AppError::NotFound
}

/// `GET /a/{token}`: the form, or a plain page saying the link is used or expired.
pub async fn show(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, crate::view::PageError> {
    let key = LinkKey::Token(token.clone());
    let link = link_for(&state, &key).await?.ok_or_else(no_such_link)?;
    match link.state(state.clock.now()) {
        LinkState::Open => Ok(form_page(
            &state,
            &link,
            &format!("/a/{token}"),
            None,
            &RawAnswers::new(),
            None,
            StatusCode::OK,
        )?),
        other => Ok(gone_page(other)?),
    }
}

/// Reads answers from a JSON body (`{"answers": {...}}`) or a form (`srs.goals=9.1`).
/// Whether a submission is JSON (else a form, answered with pages).
fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

fn read_answers(
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(RawAnswers, bool, Option<String>), AppError> {
    let json = is_json(headers);
    let mut answers = RawAnswers::new();
    if json {
        let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
            AppError::BadRequest(format!(
                "the body is not JSON of the form {{\"answers\": {{\"srs\": {{\"relationship\": 9.5}}}}}} (line {}, column {})",
                e.line(),
                e.column()
            ))
        })?;
        let Some(by_instrument) = value.get("answers").and_then(|a| a.as_object()) else {
            return Err(AppError::BadRequest(
                "the body needs an \"answers\" object: instrument id to item answers".into(),
            ));
        };
        for (instrument, items) in by_instrument {
            let Some(items) = items.as_object() else {
                return Err(AppError::item(
                    instrument.clone(),
                    format!("the answers to {instrument} must be an object of item answers"),
                ));
            };
            let entry = answers.entry(instrument.clone()).or_default();
            for (item, value) in items {
                let text = match value {
                    serde_json::Value::Number(n) => n.to_string(),
                    serde_json::Value::String(s) => s.clone(),
                    serde_json::Value::Null => continue,
                    _ => "not a number".to_string(),
                };
                entry.insert(item.clone(), text);
            }
        }
        return Ok((answers, true, None));
    }
    let pairs: Vec<(String, String)> = serde_urlencoded_pairs(body);
    let mut kiosk = None;
    for (key, value) in pairs {
        if key == "kiosk_code" {
            kiosk = Some(value);
            continue;
        }
        if let Some((instrument, item)) = key.split_once('.') {
            let value = value.trim().to_string();
            if !value.is_empty() {
                answers
                    .entry(instrument.to_string())
                    .or_default()
                    .insert(item.to_string(), value);
            }
        }
    }
    Ok((answers, false, kiosk))
}

/// Decodes `application/x-www-form-urlencoded` pairs.
fn serde_urlencoded_pairs(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// Checks and stores a link's answers.
async fn submit(
    state: &AppState,
    address: &Address,
    link: &Link,
    given: &RawAnswers,
) -> Result<Vec<String>, Refusal> {
    let now = state.clock.now();
    if link.state(now) != LinkState::Open {
        return Err(Refusal::Gone(link.state(now)));
    }
    let asked = link.instrument_ids();
    let mut checked = Vec::new();
    for (instrument_key, _) in given.iter() {
        let known = state.registry.get(instrument_key).map(|i| i.id.clone());
        if !known.as_ref().is_some_and(|id| asked.contains(id)) {
            return Err(Refusal::Invalid {
                item: instrument_key.clone(),
                instrument: instrument_key.clone(),
                message: format!(
                    "{instrument_key} is not one of this link's measures ({})",
                    asked.join(", ")
                ),
            });
        }
    }
    for id in &asked {
        let Some(instrument) = state.registry.get(id) else {
            continue;
        };
        let raw = given
            .iter()
            .find(|(k, _)| state.registry.get(k).is_some_and(|i| i.id == *id))
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        let mut values = BTreeMap::new();
        for (item, text) in &raw {
            match parse_number(text) {
                Some(v) => {
                    values.insert(item.clone(), v);
                }
                None => {
                    return Err(Refusal::Invalid {
                        item: item.clone(),
                        instrument: id.clone(),
                        message: format!("{id} {item}: the answer is not a number"),
                    });
                }
            }
        }
        match check_answers(instrument, &values) {
            Ok(answers) => checked.push((instrument.id.clone(), answers)),
            Err(problems) => {
                let first = &problems[0];
                return Err(Refusal::Invalid {
                    item: first.item.clone(),
                    instrument: id.clone(),
                    message: first.message.clone(),
                });
            }
        }
    }
    let mut tx = state.db.write().await?;
    if !links::mark_used(&mut tx, link.id, now).await? {
        return Err(Refusal::Gone(LinkState::Used));
    }
    let session = u32::try_from(link.session_number).unwrap_or(0);
    let date = state.clock.today();
    for (instrument, answers) in &checked {
        let answered = responses::Answered {
            client: link.client_id,
            session,
            instrument,
            date,
            answers,
            source: Source::Link(link.id),
        };
        let stored = responses::insert(&mut tx, &answered, now).await?;
        if !stored {
            // The transaction is dropped: the link stays unused, nothing is stored.
            return Err(Refusal::Recorded(instrument.clone()));
        }
    }
    audit::record(
        &mut tx,
        now,
        Actor::Link {
            id: link.id,
            clinic: link.clinic_id,
        },
        "response.submit",
        &format!("client:{}", link.client_id),
        &address.0,
        Outcome::Ok,
    )
    .await?;
    tx.commit().await?;
    crate::notify::answer_stored(state, link.client_id, session);
    Ok(checked.into_iter().map(|(id, _)| id).collect())
}

/// Answers a submission: JSON in, JSON out; a form in, a page or redirect out.
async fn respond(
    state: &AppState,
    address: &Address,
    link: &Link,
    action: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, AppError> {
    let (given, json, kiosk) = read_answers(headers, body)?;
    match submit(state, address, link, &given).await {
        Ok(stored) if json => {
            Ok((StatusCode::CREATED, Json(json!({ "stored": stored }))).into_response())
        }
        Ok(_) => Ok(redirect("/thanks")),
        Err(Refusal::Gone(s)) if json => Err(AppError::Gone(gone_words(s).0.to_string())),
        Err(Refusal::Gone(s)) => gone_page(s),
        Err(Refusal::Recorded(instrument)) if json => Err(AppError::Conflict(format!(
            "this session's {instrument} answers are recorded already (your counsellor entered them); nothing more is needed"
        ))),
        Err(Refusal::Recorded(instrument)) => render(
            StatusCode::CONFLICT,
            "server/gone.html",
            None,
            context! {
                heading => "These answers are recorded already",
                message => format!("Your counsellor has already entered this session's {instrument} answers."),
                note => "Nothing more was recorded, and nothing more is needed.",
            },
        ),
        Err(Refusal::Invalid { item, message, .. }) if json => Err(AppError::item(item, message)),
        Err(Refusal::Invalid {
            item,
            instrument,
            message,
        }) => form_page(
            state,
            link,
            action,
            kiosk.as_deref(),
            &given,
            Some((&item, &instrument, &message)),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(Refusal::Error(e)) => Err(e),
    }
}

/// `POST /a/{token}`: the answers.
pub async fn answer(
    State(state): State<AppState>,
    address: Address,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let answered = async {
        let link = link_for(&state, &LinkKey::Token(token.clone()))
            .await?
            .ok_or_else(no_such_link)?;
        respond(
            &state,
            &address,
            &link,
            &format!("/a/{token}"),
            &headers,
            &body,
        )
        .await
    }
    .await;
    match answered {
        Ok(response) => response,
        Err(e) if is_json(&headers) => e.into_response(),
        // A browser's form gets a page, not JSON, whatever went wrong.
        Err(e) => crate::view::PageError(e).into_response(),
    }
}

/// `GET /kiosk`: the code form.
pub async fn kiosk_page() -> Result<Response, crate::view::PageError> {
    Ok(render(
        StatusCode::OK,
        "server/kiosk.html",
        None,
        context! { problem => () },
    )?)
}

/// `POST /kiosk`: a code; its link's form, or the code form again.
pub async fn kiosk_code(
    State(state): State<AppState>,
    address: Address,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, crate::view::PageError> {
    let (_, _, code) = read_answers(&headers, &body)?;
    let code = code.unwrap_or_default().trim().to_string();
    let now = state.clock.now();
    let throttle_key = format!("kiosk@{}", address.0);
    if let Some(wait) = state.kiosk_throttle.wait(&throttle_key, &address.0, now) {
        return Ok(render(
            StatusCode::TOO_MANY_REQUESTS,
            "server/kiosk.html",
            None,
            context! { problem => format!("Too many wrong codes from this device; try again in {} minutes.", (wait + 59) / 60) },
        )?);
    }
    let found = if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        link_for(&state, &LinkKey::Kiosk(code.clone())).await?
    } else {
        None
    };
    match found {
        Some(link) if link.state(now) == LinkState::Open => {
            state.kiosk_throttle.succeeded(&throttle_key);
            Ok(form_page(
                &state,
                &link,
                "/kiosk/answer",
                Some(&code),
                &RawAnswers::new(),
                None,
                StatusCode::OK,
            )?)
        }
        _ => {
            state.kiosk_throttle.failed(&throttle_key, &address.0, now);
            Ok(render(
                StatusCode::UNPROCESSABLE_ENTITY,
                "server/kiosk.html",
                None,
                context! { problem => "That code does not open a questionnaire. Check it with your counsellor." },
            )?)
        }
    }
}

/// `POST /kiosk/answer`: the answers of a form opened by a kiosk code. The code is
/// checked against the same per-device throttle as `POST /kiosk`, so this door cannot
/// be used to try codes either.
pub async fn kiosk_answer(
    State(state): State<AppState>,
    address: Address,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, crate::view::PageError> {
    let (_, _, code) = read_answers(&headers, &body)?;
    let code = code.unwrap_or_default().trim().to_string();
    let now = state.clock.now();
    let throttle_key = format!("kiosk@{}", address.0);
    if let Some(wait) = state.kiosk_throttle.wait(&throttle_key, &address.0, now) {
        return Err(AppError::TooMany(wait).into());
    }
    let found = if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        link_for(&state, &LinkKey::Kiosk(code)).await?
    } else {
        None
    };
    let Some(link) = found.filter(|l| l.state(now) == LinkState::Open) else {
        state.kiosk_throttle.failed(&throttle_key, &address.0, now);
        return Err(AppError::Gone("This code no longer opens a questionnaire.".into()).into());
    };
    Ok(respond(&state, &address, &link, "/kiosk/answer", &headers, &body).await?)
}

/// `GET /thanks`.
pub async fn thanks() -> Result<Response, crate::view::PageError> {
    Ok(render(
        StatusCode::OK,
        "server/thanks.html",
        None,
        context! {},
    )?)
}
