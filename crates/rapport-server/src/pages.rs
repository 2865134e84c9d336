//! The HTML pages: server-rendered from the one rendering stack (the report crate's
//! templates plus the server's own in `templates/`), forms that work without
//! JavaScript, and no script at all. Each page goes out with a Content-Security-Policy
//! whose nonce admits only its own style block, and `Cache-Control: no-store`.

use std::collections::{BTreeMap, HashMap};

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use minijinja::{Value, context};
use rapport_measures::{ItemKind, Settings};
use serde::Deserialize;

use crate::access::Address;
use crate::alerts::{Acknowledgement, AlertKind};
use crate::api;
use crate::audit::{self, Outcome};
use crate::clients::{self, ConsentScope, Intent};
use crate::clinic;
use crate::clock;
use crate::error::AppError;
use crate::sessions::{self, Caller};
use crate::state::AppState;
use crate::users::{self, NewUser, Role};
use crate::view::{LAYOUT, PageError, STYLESHEET, redirect, render};

/// `GET /static/app.css`.
pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLESHEET,
    )
        .into_response()
}

/// `GET /login`.
pub async fn login_page() -> Result<Response, PageError> {
    Ok(render(
        StatusCode::OK,
        "server/login.html",
        None,
        context! { message => (), email => "" },
    )?)
}

/// `POST /login`: a form sign-in; on success the session cookie and a redirect home.
pub async fn login_form(
    State(state): State<AppState>,
    address: Address,
    headers: axum::http::HeaderMap,
    Form(login): Form<api::Login>,
) -> Result<Response, PageError> {
    match api::sign_in(&state, &address, &login, sessions::id_in(&headers)).await {
        Ok((session, _, _)) => {
            let mut response = redirect("/");
            if let Ok(cookie) = HeaderValue::from_str(&sessions::cookie(
                &session.id,
                state.exposure.secure_cookies,
            )) {
                response.headers_mut().insert(header::SET_COOKIE, cookie);
            }
            Ok(response)
        }
        Err(e @ (AppError::BadRequest(_) | AppError::TooMany(_))) => Ok(render(
            e.status(),
            "server/login.html",
            None,
            context! { message => e.to_string(), email => login.email },
        )?),
        Err(e) => Err(e.into()),
    }
}

/// `POST /logout`.
pub async fn logout_form(
    State(state): State<AppState>,
    caller: Caller,
    address: Address,
) -> Result<Response, PageError> {
    sessions::end(&state.db, &caller.session).await?;
    api::audit(&state, &caller, &address, "logout", "session", Outcome::Ok).await?;
    let mut response = redirect("/login");
    if let Ok(cookie) =
        HeaderValue::from_str(&sessions::expired_cookie(state.exposure.secure_cookies))
    {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    Ok(response)
}

/// Alert kinds in words.
fn kind_words() -> BTreeMap<&'static str, &'static str> {
    BTreeMap::from([
        (AlertKind::SelfHarmItem.as_str(), "self-harm item"),
        (AlertKind::Rupture.as_str(), "rupture"),
        (AlertKind::BelowCutoff.as_str(), "below cut-off"),
        (AlertKind::ReliableDeterioration.as_str(), "reliably worse"),
        (AlertKind::NotAnswered.as_str(), "not answered"),
    ])
}

/// `GET /`: the caseload, sorted by what needs attention (admins go to their users).
pub async fn dashboard(
    State(state): State<AppState>,
    caller: Caller,
    address: Address,
) -> Result<Response, PageError> {
    if caller.role() == Role::Admin {
        return Ok(redirect("/admin/users"));
    }
    let clients = clients::visible(&state.db, &caller).await?;
    let alerts = api::alerts_of(&state, &caller, &clients).await?;
    let mut open: BTreeMap<i64, usize> = BTreeMap::new();
    for a in &alerts {
        *open.entry(a.client).or_default() += 1;
    }
    // Clients with the most urgent alert first, then by code.
    let mut rows: Vec<Value> = Vec::new();
    let mut order: Vec<&clients::Client> = clients.iter().collect();
    // Alerts come most urgent first, so a client's first one is their most urgent.
    let mut first_alert: HashMap<i64, usize> = HashMap::new();
    for (position, a) in alerts.iter().enumerate() {
        first_alert.entry(a.client).or_insert(position);
    }
    order.sort_by(|a, b| {
        let urgency = |c: &clients::Client| first_alert.get(&c.id).copied().unwrap_or(usize::MAX);
        (urgency(a), &a.code).cmp(&(urgency(b), &b.code))
    });
    for c in order {
        rows.push(context! {
            id => c.id,
            code => c.code.clone(),
            counsellor => c.counsellor,
            counsellor_name => c.counsellor_name.clone(),
            open => open.get(&c.id).copied().unwrap_or(0),
        });
    }
    api::audit(
        &state,
        &caller,
        &address,
        "caseload.view",
        "caseload",
        Outcome::Ok,
    )
    .await?;
    Ok(render(
        StatusCode::OK,
        "server/dashboard.html",
        Some(&caller),
        context! {
            alerts => Value::from(minijinja::value::Serde(&alerts)),
            clients => rows,
            kinds => kind_words(),
        },
    )?)
}

/// A new client from the dashboard's form.
#[derive(Debug, Deserialize)]
pub struct NewClientForm {
    code: String,
}

/// `POST /clients`.
pub async fn create_client(
    State(state): State<AppState>,
    caller: Caller,
    address: Address,
    Form(form): Form<NewClientForm>,
) -> Result<Response, PageError> {
    let client = clients::create(&state.db, &caller, &form.code, state.clock.now())
        .await
        .map_err(|e| match e {
            clients::NewClientError::Code => AppError::item("code", e.to_string()),
            clients::NewClientError::Taken => AppError::Conflict(e.to_string()),
            clients::NewClientError::Db(e) => e.into(),
        })?;
    api::audit(
        &state,
        &caller,
        &address,
        "client.create",
        &format!("client:{}", client.id),
        Outcome::Ok,
    )
    .await?;
    Ok(redirect(&format!("/clients/{}", client.id)))
}

/// How an item is asked on a form: label, bounds, step, options.
pub fn item_views(
    instrument: &rapport_measures::Instrument,
    values: &BTreeMap<String, String>,
    bad: Option<&str>,
) -> Vec<Value> {
    instrument
        .items
        .iter()
        .map(|item| {
            let label = item.text.clone().unwrap_or_else(|| item.link_id.clone());
            let value = values.get(&item.link_id).cloned().unwrap_or_default();
            match &item.kind {
                ItemKind::Choice(options) => context! {
                    link_id => item.link_id.clone(),
                    label => label,
                    required => item.required,
                    bad => bad == Some(item.link_id.as_str()),
                    options => options.iter().map(|o| {
                        let shown = rapport_measures::fmt_num(o.weight);
                        context! {
                            value => shown.clone(),
                            label => o.display.clone().map_or_else(|| shown.clone(), |d| format!("{d} ({shown})")),
                            checked => value == shown,
                        }
                    }).collect::<Vec<_>>(),
                    min => rapport_measures::fmt_num(options.iter().map(|o| o.weight).fold(f64::INFINITY, f64::min)),
                    max => rapport_measures::fmt_num(options.iter().map(|o| o.weight).fold(f64::NEG_INFINITY, f64::max)),
                    step => "1",
                },
                ItemKind::Numeric { min, max, integer } => context! {
                    link_id => item.link_id.clone(),
                    label => label,
                    required => item.required,
                    bad => bad == Some(item.link_id.as_str()),
                    options => (),
                    min => rapport_measures::fmt_num(*min),
                    max => rapport_measures::fmt_num(*max),
                    step => if *integer { "1" } else { "0.1" },
                    hint => format!("from {} to {}", rapport_measures::fmt_num(*min), rapport_measures::fmt_num(*max)),
                    value => value,
                },
            }
        })
        .collect()
}

/// `GET /clients/{id}`: trends, alerts, links, consent and paper entry.
pub async fn client_page(
    State(state): State<AppState>,
    caller: Caller,
    address: Address,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let client =
        api::client_for(&state, &caller, &address, id, Intent::Read, "client.view").await?;
    let (settings, caseload) = api::scored_caseload(&state, caller.clinic_id).await?;
    let own = caseload.track_of(&client.code);
    let trends =
        rapport_report::trends::trends_context(&own, &state.registry, &settings.scoring, LAYOUT)?;
    let alerts: Vec<_> = crate::alerts::open(
        &state.db,
        caller.clinic_id,
        std::slice::from_ref(&client),
        &caseload.derived,
        &caseload.answered,
        state.clock.now(),
    )
    .await?;
    let links = crate::links::of_client(&state.db, client.id).await?;
    let now = state.clock.now();
    let next_session = caseload
        .scored
        .responses
        .iter()
        .filter(|r| r.client == client.code)
        .map(|r| r.session + 1)
        .max()
        .unwrap_or(1);
    let links: Vec<Value> = links
        .iter()
        .map(|l| {
            let ids: Vec<String> = serde_json::from_str(&l.instruments).unwrap_or_default();
            let state = if l.used_at.is_some() {
                "answered"
            } else if l.expires_at <= now {
                "expired"
            } else {
                "open"
            };
            context! {
                session => l.session_number,
                instruments => ids.join(", "),
                expires_at => clock::iso(l.expires_at),
                state => state,
            }
        })
        .collect();
    // Sessions: every one with answers or a transcript, and the next one.
    let transcripts = crate::transcripts::of_client(&state.db, client.id).await?;
    let mut numbers: std::collections::BTreeSet<u32> = caseload
        .scored
        .responses
        .iter()
        .filter(|r| r.client == client.code)
        .map(|r| r.session)
        .collect();
    numbers.extend(
        transcripts
            .iter()
            .filter_map(|t| u32::try_from(t.session_number).ok()),
    );
    numbers.insert(next_session);
    let sessions: Vec<Value> = numbers
        .iter()
        .map(|n| {
            let transcript = transcripts
                .iter()
                .find(|t| t.session_number == i64::from(*n));
            let coding = match transcript {
                None => "no transcript",
                Some(t) if t.deleted_at.is_some() => "transcript deleted, figures kept",
                Some(t) => match t.state.as_str() {
                    "done" => "coded",
                    "failed" => "could not be coded",
                    _ => "being coded",
                },
            };
            context! { number => n, coding => coding }
        })
        .collect();
    let consents = clients::consents(&state.db, client.id).await?;
    let consent: Vec<Value> = ConsentScope::ALL
        .iter()
        .map(|scope| {
            let latest = consents.iter().rev().find(|e| e.scope == scope.as_str());
            context! {
                label => match scope {
                    ConsentScope::Measures => "Answering measures",
                    ConsentScope::Transcripts => "Recording and transcript analysis",
                },
                recorded => latest.is_some(),
                given => latest.is_some_and(|e| e.given != 0),
                when => latest.map(|e| clock::iso(e.recorded_at)),
                by => latest.map(|e| e.recorded_by.clone()),
            }
        })
        .collect();
    let offered: Vec<Value> = settings
        .instruments
        .iter()
        .filter_map(|id| state.registry.get(id))
        .map(|i| context! { id => i.id.clone(), title => i.title.clone(), default => i.id == "srs" || i.id == "ors" })
        .collect();
    let paper: Vec<Value> = settings
        .instruments
        .iter()
        .filter_map(|id| state.registry.get(id))
        .map(|i| context! { id => i.id.clone(), title => i.title.clone(), items => item_views(i, &BTreeMap::new(), None) })
        .collect();
    api::audit(
        &state,
        &caller,
        &address,
        "client.view",
        &format!("client:{id}"),
        Outcome::Ok,
    )
    .await?;
    let mut response = render(
        StatusCode::OK,
        "server/client.html",
        Some(&caller),
        context! {
            client => Value::from(minijinja::value::Serde(&client)),
            writable => client.counsellor == caller.user_id,
            alerts => Value::from(minijinja::value::Serde(&alerts)),
            kinds => kind_words(),
            links => links,
            sessions => sessions,
            consent => consent,
            offered => offered,
            paper => paper,
            next_session => next_session,
            today => clock::date_of(now).format("%Y-%m-%d").to_string(),
            ..trends
        },
    )?;
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// Splits a form's repeated and scalar fields.
fn fields(pairs: &[(String, String)]) -> (BTreeMap<String, String>, Vec<String>) {
    let mut one = BTreeMap::new();
    let mut instruments = Vec::new();
    for (k, v) in pairs {
        if k == "instruments" {
            instruments.push(v.clone());
        } else {
            one.insert(k.clone(), v.clone());
        }
    }
    (one, instruments)
}

fn parse_session(text: Option<&String>) -> Result<u32, AppError> {
    text.and_then(|s| s.trim().parse::<u32>().ok())
        .ok_or_else(|| {
            AppError::item(
                "session",
                "the session number must be a whole number, 0 or more",
            )
        })
}

/// `POST /clients/{id}/links`: makes a link and shows it once, with its QR code.
pub async fn create_link(
    State(state): State<AppState>,
    caller: Caller,
    address: Address,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let client =
        api::client_for(&state, &caller, &address, id, Intent::Write, "link.create").await?;
    let (one, instruments) = fields(&pairs);
    let made = match parse_session(one.get("session")) {
        Ok(session) => {
            let body = api::NewLink {
                instruments,
                session,
            };
            api::make_link(&state, &caller, &client, &body).await
        }
        Err(e) => Err(e),
    };
    let link = match made {
        Ok(link) => link,
        Err(e) => {
            let object = format!("client:{id}");
            return Err(
                api::refused(&state, &caller, &address, "link.create", &object, e)
                    .await
                    .into(),
            );
        }
    };
    api::audit(
        &state,
        &caller,
        &address,
        "link.create",
        &format!("client:{id}"),
        Outcome::Ok,
    )
    .await?;
    let base = state.exposure.public_url.clone().unwrap_or_default();
    let full_url = format!("{}{}", base.trim_end_matches('/'), link.url);
    let qr = qrcode::QrCode::new(full_url.as_bytes())
        .map(|code| {
            code.render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(220, 220)
                .build()
        })
        .unwrap_or_default();
    let mut response = render(
        StatusCode::CREATED,
        "server/link.html",
        Some(&caller),
        context! {
            client => Value::from(minijinja::value::Serde(&client)),
            link => Value::from(minijinja::value::Serde(&link)),
            full_url => full_url,
            kiosk_url => format!("{}/kiosk", base.trim_end_matches('/')),
            qr => qr,
        },
    )?;
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// `POST /clients/{id}/responses`: scores from paper.
pub async fn enter_paper(
    State(state): State<AppState>,
    caller: Caller,
    address: Address,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let client = api::client_for(
        &state,
        &caller,
        &address,
        id,
        Intent::Write,
        "response.enter",
    )
    .await?;
    let object = format!("client:{id}");
    if let Err(e) = paper_entry(&state, &caller, &client, &pairs).await {
        return Err(
            api::refused(&state, &caller, &address, "response.enter", &object, e)
                .await
                .into(),
        );
    }
    api::audit(
        &state,
        &caller,
        &address,
        "response.enter",
        &object,
        Outcome::Ok,
    )
    .await?;
    Ok(redirect(&format!("/clients/{id}")))
}

/// Reads and stores a paper entry from the page's form.
async fn paper_entry(
    state: &AppState,
    caller: &Caller,
    client: &clients::Client,
    pairs: &[(String, String)],
) -> Result<(), AppError> {
    let (one, _) = fields(pairs);
    let instrument = one.get("instrument").cloned().unwrap_or_default();
    let mut answers = BTreeMap::new();
    if let Some(i) = state.registry.get(&instrument) {
        for item in &i.items {
            if let Some(text) = one
                .get(&item.link_id)
                .map(|t| t.trim())
                .filter(|t| !t.is_empty())
            {
                let value = parse_number(text).ok_or_else(|| {
                    AppError::item(
                        item.link_id.clone(),
                        format!("{} is not a number", item.link_id),
                    )
                })?;
                answers.insert(item.link_id.clone(), value);
            }
        }
    }
    let entry = api::PaperEntry {
        session: parse_session(one.get("session"))?,
        date: one.get("date").cloned().unwrap_or_default(),
        instrument,
        answers,
    };
    api::enter_paper(state, caller, client, &entry).await
}

/// A number as a person types it: `9.5` or `9,5`.
pub fn parse_number(text: &str) -> Option<f64> {
    text.trim()
        .replace(',', ".")
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
}

/// Consent from the client page.
#[derive(Debug, Deserialize)]
pub struct ConsentForm {
    scope: ConsentScope,
    given: bool,
}

/// `POST /clients/{id}/consents`.
pub async fn record_consent(
    State(state): State<AppState>,
    caller: Caller,
    address: Address,
    Path(id): Path<i64>,
    Form(form): Form<ConsentForm>,
) -> Result<Response, PageError> {
    let consent = api::Consent {
        scope: form.scope,
        given: form.given,
    };
    api::record_consent_of(&state, &caller, &address, id, &consent).await?;
    Ok(redirect(&format!("/clients/{id}")))
}

/// `POST /alerts/acknowledge`.
pub async fn acknowledge(
    State(state): State<AppState>,
    caller: Caller,
    address: Address,
    Form(ack): Form<Acknowledgement>,
) -> Result<Response, PageError> {
    api::acknowledge_alert(&state, &caller, &address, &ack).await?;
    Ok(redirect(&format!("/clients/{}", ack.client)))
}

/// `GET /password`.
pub async fn password_page(caller: Caller) -> Result<Response, PageError> {
    Ok(render(
        StatusCode::OK,
        "server/password.html",
        Some(&caller),
        context! { message => (), done => false },
    )?)
}

/// `POST /password`.
pub async fn password_form(
    State(state): State<AppState>,
    caller: Caller,
    address: Address,
    Form(change): Form<api::PasswordChange>,
) -> Result<Response, PageError> {
    let (status, message, done) =
        match api::change_password(&state, &caller, &address, &change).await {
            Ok(()) => (
                StatusCode::OK,
                "Your password is changed; your other sessions have ended.".to_string(),
                true,
            ),
            Err(e @ AppError::Unprocessable { .. }) => (e.status(), e.to_string(), false),
            Err(e) => return Err(e.into()),
        };
    Ok(render(
        status,
        "server/password.html",
        Some(&caller),
        context! { message => message, done => done },
    )?)
}

async fn users_page_with(
    state: &AppState,
    caller: &Caller,
    status: StatusCode,
    message: Option<String>,
    done: bool,
) -> Result<Response, PageError> {
    let users = users::list(&state.db, caller.clinic_id).await?;
    let supervisors: Vec<&users::User> = users
        .iter()
        .filter(|u| u.role() == Role::Supervisor)
        .collect();
    let settings = clinic::load(&state.db, caller.clinic_id).await?;
    Ok(render(
        status,
        "server/users.html",
        Some(caller),
        context! {
            clinic => settings.name,
            users => Value::from(minijinja::value::Serde(&users)),
            supervisors => Value::from(minijinja::value::Serde(&supervisors)),
            message => message,
            done => done,
        },
    )?)
}

/// `GET /admin/users`.
pub async fn users_page(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Response, PageError> {
    users_page_with(&state, &caller, StatusCode::OK, None, false).await
}

/// A new user from the users page.
#[derive(Debug, Deserialize)]
pub struct NewUserForm {
    name: String,
    email: String,
    role: String,
    password: String,
}

/// `POST /admin/users`.
pub async fn create_user(
    State(state): State<AppState>,
    caller: Caller,
    address: Address,
    Form(form): Form<NewUserForm>,
) -> Result<Response, PageError> {
    let Some(role) = Role::parse(&form.role) else {
        return users_page_with(
            &state,
            &caller,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("choose a role".into()),
            false,
        )
        .await;
    };
    let new = NewUser {
        email: form.email,
        name: form.name,
        role,
        password: form.password,
        supervisor: None,
    };
    match users::create(&state.db, caller.clinic_id, &new, state.clock.now()).await {
        Ok(user) => {
            api::audit(
                &state,
                &caller,
                &address,
                "user.create",
                &format!("user:{}", user.id),
                Outcome::Ok,
            )
            .await?;
            users_page_with(
                &state,
                &caller,
                StatusCode::CREATED,
                Some(format!("{} can now sign in.", user.name)),
                true,
            )
            .await
        }
        Err(
            e @ (users::UserError::Taken(_)
            | users::UserError::Email(_)
            | users::UserError::Name
            | users::UserError::Password(_)),
        ) => {
            users_page_with(
                &state,
                &caller,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(e.to_string()),
                false,
            )
            .await
        }
        Err(users::UserError::Db(e)) => Err(e.into()),
        Err(e) => Err(AppError::Internal(e.to_string()).into()),
    }
}

/// `POST /admin/users/{id}/supervisor`.
pub async fn set_supervisor(
    State(state): State<AppState>,
    caller: Caller,
    address: Address,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let (one, _) = fields(&pairs);
    let object = format!("user:{id}");
    let refuse =
        |e: AppError| api::refused(&state, &caller, &address, "user.supervise", &object, e);
    // Empty means no supervisor; anything else must be a supervisor's id (a mistyped
    // value used to clear the supervision silently).
    let supervisor = match one.get("supervisor").map(|s| s.trim()).unwrap_or("") {
        "" => None,
        text => match text.parse::<i64>() {
            Ok(s) => Some(s),
            Err(_) => {
                let e = AppError::item("supervisor", "choose a supervisor of this clinic");
                return Err(refuse(e).await.into());
            }
        },
    };
    let Some(target) = users::get(&state.db, caller.clinic_id, id).await? else {
        return Err(refuse(AppError::NotFound).await.into());
    };
    if let Some(s) = supervisor {
        let ok = users::get(&state.db, caller.clinic_id, s)
            .await?
            .is_some_and(|u| u.role() == Role::Supervisor && u.id != target.id);
        if !ok {
            let e = AppError::item("supervisor", "choose a supervisor of this clinic");
            return Err(refuse(e).await.into());
        }
    }
    users::set_supervisor(&state.db, caller.clinic_id, id, supervisor).await?;
    api::audit(
        &state,
        &caller,
        &address,
        "user.supervise",
        &object,
        Outcome::Ok,
    )
    .await?;
    Ok(redirect("/admin/users"))
}

async fn settings_page_with(
    state: &AppState,
    caller: &Caller,
    status: StatusCode,
    message: Option<String>,
    done: bool,
) -> Result<Response, PageError> {
    let settings = clinic::load(&state.db, caller.clinic_id).await?;
    let instruments: Vec<Value> = state
        .registry
        .iter()
        .map(|i| context! {
            id => i.id.clone(),
            title => i.title.clone(),
            offered => settings.instruments.contains(&i.id),
            cutoff => settings.scoring.cutoffs.get(&i.id).map(|v| rapport_measures::fmt_num(*v)).unwrap_or_default(),
            default_cutoff => i.scoring.cutoff.as_ref().map(|c| rapport_measures::fmt_num(c.value)),
        })
        .collect();
    Ok(render(
        status,
        "server/settings.html",
        Some(caller),
        context! {
            settings => Value::from(minijinja::value::Serde(&settings)),
            instruments => instruments,
            message => message,
            done => done,
        },
    )?)
}

/// `GET /admin/settings`.
pub async fn settings_page(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Response, PageError> {
    settings_page_with(&state, &caller, StatusCode::OK, None, false).await
}

/// `POST /admin/settings`.
pub async fn save_settings(
    State(state): State<AppState>,
    caller: Caller,
    address: Address,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let (one, instruments) = fields(&pairs);
    let mut settings = clinic::load(&state.db, caller.clinic_id).await?;
    let problem = (|| -> Result<(), String> {
        settings.link_expiry_hours = one
            .get("link_expiry_hours")
            .and_then(|v| v.trim().parse().ok())
            .ok_or("the link lifetime must be a whole number of hours")?;
        settings.instruments = instruments;
        let mut scoring = Settings {
            rules: settings.scoring.rules.clone(),
            drops: settings.scoring.drops.clone(),
            drop_all: settings.scoring.drop_all,
            reliable_change: settings.scoring.reliable_change.clone(),
            ..Settings::default()
        };
        for i in state.registry.iter() {
            if let Some(text) = one
                .get(&format!("cutoff.{}", i.id))
                .map(|t| t.trim())
                .filter(|t| !t.is_empty())
            {
                let value = parse_number(text)
                    .ok_or(format!("the cut-off for {} must be a number", i.id))?;
                scoring.cutoffs.insert(i.id.clone(), value);
            }
        }
        scoring.sd_k = one
            .get("sd_k")
            .and_then(|v| parse_number(v))
            .ok_or("k must be a number")?;
        scoring.repair_window = one
            .get("repair_window")
            .and_then(|v| v.trim().parse().ok())
            .ok_or("the repair window must be a whole number of sessions")?;
        settings.scoring = scoring;
        settings.check(&state.registry).map_err(|e| e.to_string())
    })();
    if let Err(message) = problem {
        return settings_page_with(
            &state,
            &caller,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(message),
            false,
        )
        .await;
    }
    clinic::save(&state.db, caller.clinic_id, &settings).await?;
    api::audit(
        &state,
        &caller,
        &address,
        "settings.change",
        "clinic",
        Outcome::Ok,
    )
    .await?;
    settings_page_with(&state, &caller, StatusCode::OK, Some("Saved.".into()), true).await
}

/// `GET /admin/audit`.
pub async fn audit_page(
    State(state): State<AppState>,
    caller: Caller,
    address: Address,
) -> Result<Response, PageError> {
    let entries = audit::recent(&state.db, caller.clinic_id, 500).await?;
    let names: BTreeMap<i64, String> = users::list(&state.db, caller.clinic_id)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let rows: Vec<Value> = entries
        .iter()
        .map(|e| context! {
            when => clock::iso(e.at),
            who => e.user_id.and_then(|id| names.get(&id).cloned()).unwrap_or_else(|| e.actor.clone()),
            action => e.action.clone(),
            object => e.object.clone(),
            address => e.address.clone(),
            outcome => e.outcome.clone(),
        })
        .collect();
    api::audit(
        &state,
        &caller,
        &address,
        "audit.view",
        "clinic",
        Outcome::Ok,
    )
    .await?;
    Ok(render(
        StatusCode::OK,
        "server/audit.html",
        Some(&caller),
        context! { entries => rows },
    )?)
}
