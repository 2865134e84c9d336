//! The JSON API under `/api/v1`: everything the pages do. Who may call each route is
//! declared in [`crate::app`](mod@crate::app)'s table; each handler here checks the object (is this
//! client the caller's?) and audits every view and change of a client's data.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use rapport_measures::{Construct, check_answers, parse_date};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::access::Address;
use crate::alerts::{self, Acknowledgement};
use crate::audit::{self, Actor, Outcome};
use crate::caseload::Caseload;
use crate::clients::{self, ConsentScope, Intent};
use crate::clinic::{self, ClinicSettings};
use crate::error::AppError;
use crate::responses::{self, Source};
use crate::sessions::{self, Caller};
use crate::state::AppState;
use crate::users::{self, NewUser, UserError};
use crate::{links, secrets};

/// The actor a caller audits as: the user, or the API token they made.
pub fn actor(caller: &Caller) -> Actor {
    match caller.token {
        Some(id) => Actor::Token {
            id,
            user: caller.user_id,
            clinic: caller.clinic_id,
        },
        None => Actor::User {
            id: caller.user_id,
            clinic: caller.clinic_id,
        },
    }
}

/// Records an audit entry for the caller.
pub async fn audit(
    state: &AppState,
    caller: &Caller,
    address: &Address,
    action: &str,
    object: &str,
    outcome: Outcome,
) -> Result<(), AppError> {
    audit::record(
        &state.db,
        state.clock.now(),
        actor(caller),
        action,
        object,
        &address.0,
        outcome,
    )
    .await?;
    Ok(())
}

/// Audits a change refused as bad input (400, 409, 422: outcome `invalid`) or as
/// nothing to act on (404: `not_found`), then hands the error back; other errors are
/// handed back as they are.
pub async fn refused(
    state: &AppState,
    caller: &Caller,
    address: &Address,
    action: &str,
    object: &str,
    error: AppError,
) -> AppError {
    let outcome = match error {
        AppError::BadRequest(_) | AppError::Conflict(_) | AppError::Unprocessable { .. } => {
            Outcome::Invalid
        }
        AppError::NotFound => Outcome::NotFound,
        _ => return error,
    };
    match audit(state, caller, address, action, object, outcome).await {
        Ok(()) => error,
        Err(e) => e,
    }
}

/// Finds a client for the caller, auditing a refusal: a client that is not the
/// caller's to see is 404; one they may read but not change (a supervisee's) is 403.
pub async fn client_for(
    state: &AppState,
    caller: &Caller,
    address: &Address,
    id: i64,
    intent: Intent,
    action: &str,
) -> Result<clients::Client, AppError> {
    let object = format!("client:{id}");
    match clients::find(&state.db, caller, id, Intent::Read).await? {
        None => {
            audit(state, caller, address, action, &object, Outcome::NotFound).await?;
            Err(AppError::NotFound)
        }
        Some(client) if intent == Intent::Write && client.counsellor != caller.user_id => {
            audit(state, caller, address, action, &object, Outcome::Denied).await?;
            Err(AppError::Forbidden)
        }
        Some(client) => Ok(client),
    }
}

/// `GET /healthz`: 200 when the database answers, 503 when it does not.
pub async fn healthz(State(state): State<AppState>) -> Response {
    if state.db.ping().await {
        (StatusCode::OK, "ok\n").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response()
    }
}

/// Sign-in details.
#[derive(Debug, Deserialize)]
pub struct Login {
    /// E-mail.
    pub email: String,
    /// Password.
    pub password: String,
}

/// Checks a sign-in against the throttle and the stored hash; on success starts a new
/// session (a new id whatever cookie came in), ends the session the request came with
/// (`previous`, the cookie's id, if any), and returns the new one.
pub async fn sign_in(
    state: &AppState,
    address: &Address,
    login: &Login,
    previous: Option<&str>,
) -> Result<(sessions::NewSession, i64, i64), AppError> {
    let now = state.clock.now();
    if let Some(wait) = state.throttle.wait(&login.email, &address.0, now) {
        audit::record(
            &state.db,
            now,
            Actor::Anonymous,
            "login",
            "session",
            &address.0,
            Outcome::Denied,
        )
        .await?;
        return Err(AppError::TooMany(wait));
    }
    let credentials = users::credentials(&state.db, &login.email).await?;
    let stored_hash = credentials
        .as_ref()
        .filter(|c| c.active != 0)
        .map(|c| c.password_hash.clone());
    let password = login.password.clone();
    // argon2id is slow on purpose: verify off the request threads.
    let verified = tokio::task::spawn_blocking(move || match stored_hash {
        Some(hash) => secrets::verify_password(&password, &hash),
        // Hash anyway, so an unknown e-mail takes as long as a wrong password.
        None => {
            let _ = secrets::verify_password(&password, &DUMMY_HASH);
            false
        }
    })
    .await
    .unwrap_or(false);
    let Some(credentials) = credentials.filter(|_| verified) else {
        state.throttle.failed(&login.email, &address.0, now);
        audit::record(
            &state.db,
            now,
            Actor::Anonymous,
            "login",
            "session",
            &address.0,
            Outcome::Denied,
        )
        .await?;
        return Err(AppError::BadRequest(
            "the e-mail or the password is not right".into(),
        ));
    };
    state.throttle.succeeded(&login.email);
    if let Some(previous) = previous {
        sessions::end(&state.db, &secrets::hash_token(previous)).await?;
    }
    let mut tx = state.db.write().await?;
    let session = sessions::start(&mut tx, credentials.id, now).await?;
    tx.commit().await?;
    audit::record(
        &state.db,
        now,
        Actor::User {
            id: credentials.id,
            clinic: credentials.clinic_id,
        },
        "login",
        "session",
        &address.0,
        Outcome::Ok,
    )
    .await?;
    Ok((session, credentials.id, credentials.clinic_id))
}

/// An argon2id hash of a random password, verified against when the e-mail is unknown
/// (made once; if the random source failed, the fixed string still costs a parse).
static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    secrets::token()
        .and_then(|t| secrets::hash_password(&t))
        .unwrap_or_default()
});

/// `POST /api/v1/login`: `{"email", "password"}` -> `{"csrf_token"}` and the session
/// cookie.
pub async fn login(
    State(state): State<AppState>,
    address: Address,
    headers: axum::http::HeaderMap,
    Json(body): Json<Login>,
) -> Result<Response, AppError> {
    let previous = sessions::id_in(&headers);
    let (session, user, _) = sign_in(&state, &address, &body, previous).await?;
    let cookie = sessions::cookie(&session.id, state.exposure.secure_cookies);
    Ok((
        [(header::SET_COOKIE, cookie)],
        Json(json!({ "csrf_token": session.csrf_token, "user": user })),
    )
        .into_response())
}

/// `POST /api/v1/logout`: ends the session.
pub async fn logout(
    State(state): State<AppState>,
    caller: Caller,
    address: Address,
) -> Result<Response, AppError> {
    sessions::end(&state.db, &caller.session).await?;
    audit(&state, &caller, &address, "logout", "session", Outcome::Ok).await?;
    Ok((
        [(
            header::SET_COOKIE,
            sessions::expired_cookie(state.exposure.secure_cookies),
        )],
        StatusCode::NO_CONTENT,
    )
        .into_response())
}

/// `GET /api/v1/me`: the signed-in user.
pub async fn me(caller: Caller) -> Json<Value> {
    Json(json!({
        "id": caller.user_id,
        "name": caller.name,
        "email": caller.email,
        "role": caller.role,
        "csrf_token": caller.csrf_token,
    }))
}

/// A password change.
#[derive(Debug, Deserialize)]
pub struct PasswordChange {
    /// The current password.
    pub current: String,
    /// The new one.
    pub new: String,
}

/// Changes the caller's password and ends their other sessions.
pub async fn change_password(
    state: &AppState,
    caller: &Caller,
    address: &Address,
    change: &PasswordChange,
) -> Result<(), AppError> {
    let now = state.clock.now();
    let object = format!("user:{}", caller.user_id);
    let deny = || {
        audit(
            state,
            caller,
            address,
            "password.change",
            &object,
            Outcome::Denied,
        )
    };
    // Guessing the current password from a stolen session is throttled as sign-in is.
    if let Some(wait) = state.throttle.wait(&caller.email, &address.0, now) {
        deny().await?;
        return Err(AppError::TooMany(wait));
    }
    let hash = users::password_hash(&state.db, caller.user_id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    if !secrets::verify_password(&change.current, &hash) {
        state.throttle.failed(&caller.email, &address.0, now);
        deny().await?;
        return Err(AppError::item(
            "current",
            "the current password is not right",
        ));
    }
    secrets::check_new_password(&change.new).map_err(|m| AppError::item("new", m))?;
    let new_hash = secrets::hash_password(&change.new)?;
    let mut tx = state.db.write().await?;
    users::set_password(&mut tx, caller.user_id, &new_hash).await?;
    sessions::end_others(&mut tx, caller.user_id, &caller.session).await?;
    tx.commit().await?;
    audit(
        state,
        caller,
        address,
        "password.change",
        &object,
        Outcome::Ok,
    )
    .await
}

/// `POST /api/v1/password`: `{"current", "new"}`; ends every other session.
pub async fn password(
    State(state): State<AppState>,
    caller: Caller,
    address: Address,
    Json(body): Json<PasswordChange>,
) -> Result<StatusCode, AppError> {
    change_password(&state, &caller, &address, &body).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn user_error(e: UserError) -> AppError {
    match e {
        UserError::Taken(_) => AppError::Conflict(e.to_string()),
        UserError::Email(_) => AppError::item("email", e.to_string()),
        UserError::Name => AppError::item("name", e.to_string()),
        UserError::Password(_) => AppError::item("password", e.to_string()),
        UserError::Supervisor(_) => AppError::item("supervisor", e.to_string()),
        UserError::Random(e) => e.into(),
        UserError::Db(e) => e.into(),
    }
}

/// `POST /api/v1/users` (admin): a user of the admin's clinic.
pub async fn create_user(
    State(state): State<AppState>,
    caller: Caller,
    address: Address,
    Json(body): Json<NewUser>,
) -> Result<(StatusCode, Json<users::User>), AppError> {
    let user = users::create(&state.db, caller.clinic_id, &body, state.clock.now())
        .await
        .map_err(user_error)?;
    audit(
        &state,
        &caller,
        &address,
        "user.create",
        &format!("user:{}", user.id),
        Outcome::Ok,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(user)))
}

/// `GET /api/v1/users` (admin): the clinic's users.
pub async fn list_users(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Value>, AppError> {
    let users = users::list(&state.db, caller.clinic_id).await?;
    Ok(Json(json!({ "users": users })))
}

/// Who supervises a user.
#[derive(Debug, Deserialize)]
pub struct Supervision {
    /// The supervisor's id, or null for none.
    pub supervisor: Option<i64>,
}

/// `PUT /api/v1/users/{id}/supervisor` (admin).
pub async fn set_supervisor(
    State(state): State<AppState>,
    caller: Caller,
    address: Address,
    Path(id): Path<i64>,
    Json(body): Json<Supervision>,
) -> Result<StatusCode, AppError> {
    let object = format!("user:{id}");
    if users::get(&state.db, caller.clinic_id, id).await?.is_none() {
        audit(
            &state,
            &caller,
            &address,
            "user.supervise",
            &object,
            Outcome::NotFound,
        )
        .await?;
        return Err(AppError::NotFound);
    }
    if let Some(s) = body.supervisor {
        let ok = users::get(&state.db, caller.clinic_id, s)
            .await?
            .is_some_and(|u| u.role() == users::Role::Supervisor && u.id != id);
        if !ok {
            let e = AppError::item(
                "supervisor",
                format!("user {s} is not a supervisor in this clinic"),
            );
            return Err(refused(&state, &caller, &address, "user.supervise", &object, e).await);
        }
    }
    users::set_supervisor(&state.db, caller.clinic_id, id, body.supervisor).await?;
    audit(
        &state,
        &caller,
        &address,
        "user.supervise",
        &object,
        Outcome::Ok,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A new client.
#[derive(Debug, Deserialize)]
pub struct NewClient {
    /// The pseudonymous code.
    pub code: String,
}

/// `POST /api/v1/clients`: `{"code"}` -> 201 `{"id", "code", "counsellor"}`.
pub async fn create_client(
    State(state): State<AppState>,
    caller: Caller,
    address: Address,
    Json(body): Json<NewClient>,
) -> Result<(StatusCode, Json<clients::Client>), AppError> {
    let client = clients::create(&state.db, &caller, &body.code, state.clock.now())
        .await
        .map_err(|e| match e {
            clients::NewClientError::Code => AppError::item("code", e.to_string()),
            clients::NewClientError::Taken => AppError::Conflict(e.to_string()),
            clients::NewClientError::Db(e) => e.into(),
        })?;
    audit(
        &state,
        &caller,
        &address,
        "client.create",
        &format!("client:{}", client.id),
        Outcome::Ok,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(client)))
}

/// `GET /api/v1/clients`: `{"clients": [...]}`, only those the caller may see.
pub async fn list_clients(
    State(state): State<AppState>,
    caller: Caller,
    address: Address,
) -> Result<Json<Value>, AppError> {
    let clients = clients::visible(&state.db, &caller).await?;
    audit(
        &state,
        &caller,
        &address,
        "client.list",
        "caseload",
        Outcome::Ok,
    )
    .await?;
    Ok(Json(json!({ "clients": clients })))
}

/// A client's record: as `GET /api/v1/clients/{id}` gives it.
pub async fn client_record(state: &AppState, client: &clients::Client) -> Result<Value, AppError> {
    let caseload = tracked_client(state, client).await?;
    let consents = clients::consents(&state.db, client.id).await?;
    let links = links::of_client(&state.db, client.id).await?;
    Ok(json!({
        "id": client.id,
        "code": client.code,
        "counsellor": client.counsellor,
        "counsellor_name": client.counsellor_name,
        "instruments": caseload,
        "consents": consents,
        "links": links.iter().map(|l| json!({
            "id": l.id,
            "session": l.session_number,
            "instruments": serde_json::from_str::<Value>(&l.instruments).unwrap_or(Value::Null),
            "created_at": crate::clock::iso(l.created_at),
            "expires_at": crate::clock::iso(l.expires_at),
            "answered_at": l.used_at.map(crate::clock::iso),
        })).collect::<Vec<_>>(),
    }))
}

/// A clinic's settings and its scored caseload (kept between requests, see
/// [`crate::caseload`]).
pub async fn scored_caseload(
    state: &AppState,
    clinic_id: i64,
) -> Result<(clinic::ClinicSettings, std::sync::Arc<Caseload>), AppError> {
    let settings = clinic::load(&state.db, clinic_id).await?;
    let caseload = state
        .caseloads
        .get(&state.db, &state.registry, clinic_id, &settings.scoring)
        .await?;
    Ok((settings, caseload))
}

/// A client's instruments as `rapport measures track` prints them (series, ruptures
/// with repairs, reliable change), tracked within the clinic's caseload.
pub async fn tracked_client(
    state: &AppState,
    client: &clients::Client,
) -> Result<Vec<rapport_measures::InstrumentTrack>, AppError> {
    let clinic_id = clinic_of(state, client).await?;
    let (_, caseload) = scored_caseload(state, clinic_id).await?;
    Ok(caseload
        .tracked
        .clients
        .iter()
        .find(|c| c.client == client.code)
        .map(|c| c.instruments.clone())
        .unwrap_or_default())
}

async fn clinic_of(state: &AppState, client: &clients::Client) -> Result<i64, AppError> {
    crate::db::run!(
        &state.db,
        fetch_one,
        sqlx::query_scalar::<_, i64>("SELECT clinic_id FROM clients WHERE id = $1").bind(client.id)
    )
    .map_err(Into::into)
}

/// `GET /api/v1/clients/{id}`.
pub async fn get_client(
    State(state): State<AppState>,
    caller: Caller,
    address: Address,
    Path(id): Path<i64>,
) -> Result<Json<Value>, AppError> {
    let client = client_for(&state, &caller, &address, id, Intent::Read, "client.view").await?;
    let record = client_record(&state, &client).await?;
    audit(
        &state,
        &caller,
        &address,
        "client.view",
        &format!("client:{id}"),
        Outcome::Ok,
    )
    .await?;
    Ok(Json(record))
}

/// A new link.
#[derive(Debug, Deserialize)]
pub struct NewLink {
    /// Instrument ids, as `rapport measures list` gives them.
    pub instruments: Vec<String>,
    /// The session number.
    pub session: u32,
}

/// Checks and creates a link for one of the caller's clients.
pub async fn make_link(
    state: &AppState,
    caller: &Caller,
    client: &clients::Client,
    body: &NewLink,
) -> Result<links::CreatedLink, AppError> {
    let settings = clinic::load(&state.db, caller.clinic_id).await?;
    if body.instruments.is_empty() {
        return Err(AppError::item(
            "instruments",
            "choose at least one instrument",
        ));
    }
    let mut ids = Vec::new();
    for asked in &body.instruments {
        let Some(instrument) = state.registry.get(asked) else {
            return Err(AppError::item(
                "instruments",
                format!("unknown instrument {asked:?}; `rapport measures list` shows the ids"),
            ));
        };
        if !settings.instruments.contains(&instrument.id) {
            return Err(AppError::item(
                "instruments",
                format!("the clinic does not offer {}", instrument.id),
            ));
        }
        if !ids.contains(&instrument.id) {
            ids.push(instrument.id.clone());
        }
    }
    let answered = responses::answered(&state.db, client.id, body.session).await?;
    if let Some(done) = ids.iter().find(|i| answered.contains(i)) {
        return Err(AppError::Conflict(format!(
            "session {} already has a {done} answer",
            body.session
        )));
    }
    links::create(
        &state.db,
        client.id,
        body.session,
        &ids,
        caller.user_id,
        state.clock.now(),
        settings.link_expiry_hours,
    )
    .await
}

/// `POST /api/v1/clients/{id}/links`: `{"instruments", "session"}` -> 201 `{"url",
/// "kiosk_code", "expires_at"}`.
pub async fn create_link(
    State(state): State<AppState>,
    caller: Caller,
    address: Address,
    Path(id): Path<i64>,
    Json(body): Json<NewLink>,
) -> Result<(StatusCode, Json<links::CreatedLink>), AppError> {
    let client = client_for(&state, &caller, &address, id, Intent::Write, "link.create").await?;
    let link = match make_link(&state, &caller, &client, &body).await {
        Ok(link) => link,
        Err(e) => {
            let object = format!("client:{id}");
            return Err(refused(&state, &caller, &address, "link.create", &object, e).await);
        }
    };
    audit(
        &state,
        &caller,
        &address,
        "link.create",
        &format!("client:{id}"),
        Outcome::Ok,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(link)))
}

/// Scores entered from paper.
#[derive(Debug, Deserialize)]
pub struct PaperEntry {
    /// The session number.
    pub session: u32,
    /// The date answered, `YYYY-MM-DD`.
    pub date: String,
    /// The instrument's id.
    pub instrument: String,
    /// Answers by item linkId.
    pub answers: BTreeMap<String, f64>,
}

/// Checks and stores an entry from paper for one of the caller's clients.
pub async fn enter_paper(
    state: &AppState,
    caller: &Caller,
    client: &clients::Client,
    entry: &PaperEntry,
) -> Result<(), AppError> {
    let instrument = state.registry.get(&entry.instrument).ok_or_else(|| {
        AppError::item(
            "instrument",
            format!("unknown instrument {:?}", entry.instrument),
        )
    })?;
    let date = parse_date(entry.date.trim())
        .ok_or_else(|| AppError::item("date", "the date must be YYYY-MM-DD, like 2026-01-05"))?;
    let answers = check_answers(instrument, &entry.answers).map_err(|problems| {
        let first = &problems[0];
        AppError::item(first.item.clone(), first.message.clone())
    })?;
    let now = state.clock.now();
    let mut tx = state.db.write().await?;
    let answered = responses::Answered {
        client: client.id,
        session: entry.session,
        instrument: &instrument.id,
        date,
        answers: &answers,
        source: Source::Paper(caller.user_id),
    };
    let stored = responses::insert(&mut tx, &answered, now).await?;
    if !stored {
        return Err(AppError::Conflict(format!(
            "session {} already has a {} answer",
            entry.session, instrument.id
        )));
    }
    tx.commit().await?;
    Ok(())
}

/// `POST /api/v1/clients/{id}/responses`: scores entered from paper.
pub async fn create_response(
    State(state): State<AppState>,
    caller: Caller,
    address: Address,
    Path(id): Path<i64>,
    Json(body): Json<PaperEntry>,
) -> Result<StatusCode, AppError> {
    let client = client_for(
        &state,
        &caller,
        &address,
        id,
        Intent::Write,
        "response.enter",
    )
    .await?;
    if let Err(e) = enter_paper(&state, &caller, &client, &body).await {
        let object = format!("client:{id}");
        return Err(refused(&state, &caller, &address, "response.enter", &object, e).await);
    }
    audit(
        &state,
        &caller,
        &address,
        "response.enter",
        &format!("client:{id}"),
        Outcome::Ok,
    )
    .await?;
    Ok(StatusCode::CREATED)
}

/// Consent given or withdrawn.
#[derive(Debug, Deserialize)]
pub struct Consent {
    /// `measures` or `transcripts`.
    pub scope: ConsentScope,
    /// Given (true) or withdrawn (false).
    pub given: bool,
}

/// `POST /api/v1/clients/{id}/consents`: records consent given or withdrawn.
pub async fn record_consent(
    State(state): State<AppState>,
    caller: Caller,
    address: Address,
    Path(id): Path<i64>,
    Json(body): Json<Consent>,
) -> Result<StatusCode, AppError> {
    record_consent_of(&state, &caller, &address, id, &body).await?;
    Ok(StatusCode::CREATED)
}

/// Records consent given or withdrawn for client `id` (the API's and the page's route),
/// audited in the same transaction; withdrawing consent to transcript analysis removes
/// the client's transcripts not yet coded, audited as `transcript.withdraw`.
pub async fn record_consent_of(
    state: &AppState,
    caller: &Caller,
    address: &Address,
    id: i64,
    consent: &Consent,
) -> Result<(), AppError> {
    let client = client_for(state, caller, address, id, Intent::Write, "consent.record").await?;
    let now = state.clock.now();
    let object = format!("client:{id}");
    let mut tx = state.db.write().await?;
    let removed = clients::record_consent(
        &mut tx,
        client.id,
        consent.scope,
        consent.given,
        caller.user_id,
        now,
    )
    .await?;
    let mut actions = vec!["consent.record"];
    if removed > 0 {
        actions.push("transcript.withdraw");
    }
    for action in actions {
        audit::record(
            &mut tx,
            now,
            actor(caller),
            action,
            &object,
            &address.0,
            Outcome::Ok,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The caller's open alerts, most urgent first.
pub async fn open_alerts(
    state: &AppState,
    caller: &Caller,
) -> Result<Vec<alerts::Alert>, AppError> {
    let clients = clients::visible(&state.db, caller).await?;
    alerts_of(state, caller, &clients).await
}

/// The open alerts of `clients` (those the caller may see), most urgent first.
pub async fn alerts_of(
    state: &AppState,
    caller: &Caller,
    clients: &[clients::Client],
) -> Result<Vec<alerts::Alert>, AppError> {
    if clients.is_empty() {
        return Ok(Vec::new());
    }
    let (_, caseload) = scored_caseload(state, caller.clinic_id).await?;
    Ok(alerts::open(
        &state.db,
        caller.clinic_id,
        clients,
        &caseload.derived,
        &caseload.answered,
        state.clock.now(),
    )
    .await?)
}

/// `GET /api/v1/alerts`: `{"alerts": [...]}`.
pub async fn list_alerts(
    State(state): State<AppState>,
    caller: Caller,
    address: Address,
) -> Result<Json<Value>, AppError> {
    let alerts = open_alerts(&state, &caller).await?;
    audit(
        &state,
        &caller,
        &address,
        "alert.list",
        "caseload",
        Outcome::Ok,
    )
    .await?;
    Ok(Json(json!({ "alerts": alerts })))
}

/// `POST /api/v1/alerts/acknowledge`: `{"client", "kind", "instrument", "session",
/// "note"}`; the note is kept with the acknowledgement.
pub async fn acknowledge(
    State(state): State<AppState>,
    caller: Caller,
    address: Address,
    Json(body): Json<Acknowledgement>,
) -> Result<StatusCode, AppError> {
    acknowledge_alert(&state, &caller, &address, &body).await?;
    Ok(StatusCode::CREATED)
}

/// Checks and records an acknowledgement.
pub async fn acknowledge_alert(
    state: &AppState,
    caller: &Caller,
    address: &Address,
    ack: &Acknowledgement,
) -> Result<(), AppError> {
    let client = client_for(
        state,
        caller,
        address,
        ack.client,
        Intent::Write,
        "alert.acknowledge",
    )
    .await?;
    let object = format!("client:{}", client.id);
    if ack.note.trim().is_empty() {
        let e = AppError::item("note", "write what you did or decided about the alert");
        return Err(refused(state, caller, address, "alert.acknowledge", &object, e).await);
    }
    let open = open_alerts(state, caller).await?;
    let exists = open.iter().any(|a| {
        a.client == client.id
            && a.finding.kind == ack.kind
            && a.finding.instrument == ack.instrument
            && a.finding.session == ack.session
    });
    if !exists {
        let e = AppError::NotFound;
        return Err(refused(state, caller, address, "alert.acknowledge", &object, e).await);
    }
    alerts::acknowledge(&state.db, ack, caller.user_id, state.clock.now()).await?;
    audit(
        state,
        caller,
        address,
        "alert.acknowledge",
        &format!("client:{}", client.id),
        Outcome::Ok,
    )
    .await
}

/// `GET /api/v1/settings` (admin).
pub async fn get_settings(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<ClinicSettings>, AppError> {
    Ok(Json(clinic::load(&state.db, caller.clinic_id).await?))
}

/// `PUT /api/v1/settings` (admin).
pub async fn put_settings(
    State(state): State<AppState>,
    caller: Caller,
    address: Address,
    Json(body): Json<ClinicSettings>,
) -> Result<Json<ClinicSettings>, AppError> {
    body.check(&state.registry)
        .map_err(|e| AppError::item("settings", e.to_string()))?;
    clinic::save(&state.db, caller.clinic_id, &body).await?;
    audit(
        &state,
        &caller,
        &address,
        "settings.change",
        "clinic",
        Outcome::Ok,
    )
    .await?;
    Ok(Json(clinic::load(&state.db, caller.clinic_id).await?))
}

/// `GET /api/v1/audit` (admin): the clinic's latest 500 entries.
pub async fn list_audit(
    State(state): State<AppState>,
    caller: Caller,
    address: Address,
) -> Result<Json<Value>, AppError> {
    let entries = audit::recent(&state.db, caller.clinic_id, 500).await?;
    audit(
        &state,
        &caller,
        &address,
        "audit.view",
        "clinic",
        Outcome::Ok,
    )
    .await?;
    Ok(Json(json!({ "entries": entries })))
}

/// Which instruments are alliance measures (for pages that group them).
pub fn is_alliance(state: &AppState, id: &str) -> bool {
    state
        .registry
        .get(id)
        .is_some_and(|i| i.scoring.construct == Construct::Alliance)
}
