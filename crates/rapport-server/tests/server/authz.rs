//! Who may call what: the route table walked route by route (every route refuses a
//! caller without the right: no session, the wrong role, no CSRF token), object-level
//! access (another counsellor's or clinic's client is a 404, never a 403; a supervisor
//! reads their supervisees' clients and changes none), and CSRF on every state-changing
//! request.

use axum::http::{Method, StatusCode};
use rapport_server::access::{Access, Route};
use rapport_server::routes;
use serde_json::{Value, json};

use crate::harness::{Agent, Resp, Server, World, on_both};

/// The route table as this suite knows it. A route added to the server without being
/// added here (and so without the walk below knowing who may call it) fails
/// [`the_route_table_is_the_one_this_suite_tests`].
const EXPECTED: &[(&str, &str, &str)] = &[
    ("GET", "/healthz", "public"),
    ("GET", "/api/v1/openapi.json", "public"),
    ("GET", "/static/app.css", "public"),
    ("POST", "/api/v1/login", "public"),
    ("POST", "/api/v1/logout", "signed"),
    ("GET", "/api/v1/me", "signed"),
    ("POST", "/api/v1/password", "signed"),
    ("GET", "/login", "public"),
    ("POST", "/login", "public"),
    ("POST", "/logout", "signed"),
    ("GET", "/password", "signed"),
    ("POST", "/password", "signed"),
    ("GET", "/api/v1/users", "admin"),
    ("POST", "/api/v1/users", "admin"),
    ("PUT", "/api/v1/users/{id}/supervisor", "admin"),
    ("GET", "/api/v1/settings", "admin"),
    ("PUT", "/api/v1/settings", "admin"),
    ("GET", "/api/v1/tokens", "admin"),
    ("POST", "/api/v1/tokens", "admin"),
    ("DELETE", "/api/v1/tokens/{id}", "admin"),
    ("GET", "/api/v1/audit", "admin"),
    ("GET", "/admin/users", "admin"),
    ("POST", "/admin/users", "admin"),
    ("POST", "/admin/users/{id}/supervisor", "admin"),
    ("GET", "/admin/settings", "admin"),
    ("POST", "/admin/settings", "admin"),
    ("GET", "/admin/audit", "admin"),
    ("GET", "/api/v1/clients", "signed"),
    ("POST", "/api/v1/clients", "clinician"),
    ("GET", "/api/v1/clients/{id}", "signed"),
    ("POST", "/api/v1/clients/{id}/links", "clinician"),
    ("POST", "/api/v1/clients/{id}/responses", "clinician"),
    ("POST", "/api/v1/clients/{id}/consents", "clinician"),
    ("GET", "/api/v1/alerts", "signed"),
    ("POST", "/api/v1/alerts/acknowledge", "clinician"),
    ("GET", "/", "signed"),
    ("POST", "/clients", "clinician"),
    ("GET", "/clients/{id}", "signed"),
    ("POST", "/clients/{id}/links", "clinician"),
    ("POST", "/clients/{id}/responses", "clinician"),
    ("POST", "/clients/{id}/consents", "clinician"),
    ("POST", "/alerts/acknowledge", "clinician"),
    (
        "POST",
        "/api/v1/clients/{id}/sessions/{n}/transcript",
        "clinician",
    ),
    (
        "DELETE",
        "/api/v1/clients/{id}/sessions/{n}/transcript",
        "clinician",
    ),
    ("GET", "/api/v1/clients/{id}/sessions/{n}", "signed"),
    (
        "POST",
        "/api/v1/clients/{id}/sessions/{n}/comments",
        "clinician",
    ),
    ("GET", "/api/v1/jobs/{id}", "signed"),
    ("POST", "/clients/{id}/transcripts", "clinician"),
    ("GET", "/clients/{id}/sessions/{n}", "signed"),
    (
        "POST",
        "/clients/{id}/sessions/{n}/transcript/delete",
        "clinician",
    ),
    ("POST", "/clients/{id}/sessions/{n}/comments", "clinician"),
    ("GET", "/api/v1/export", "signed"),
    ("GET", "/api/v1/export/research", "admin"),
    ("POST", "/api/v1/import", "signed"),
    ("GET", "/import", "clinician"),
    ("POST", "/import", "clinician"),
    ("GET", "/admin/data", "admin"),
    ("POST", "/admin/tokens", "admin"),
    ("POST", "/admin/tokens/{id}/revoke", "admin"),
    ("GET", "/api/v1/notifications", "signed"),
    ("POST", "/api/v1/notifications/seen", "signed"),
    ("GET", "/notifications", "signed"),
    ("GET", "/api/v1/supervision", "clinician"),
    ("GET", "/api/v1/counsellors/{id}/practice", "clinician"),
    ("GET", "/supervision", "clinician"),
    ("GET", "/supervision/{id}", "clinician"),
    ("GET", "/a/{token}", "public"),
    ("POST", "/a/{token}", "public"),
    ("GET", "/kiosk", "public"),
    ("POST", "/kiosk", "public"),
    ("POST", "/kiosk/answer", "public"),
    ("GET", "/thanks", "public"),
];

fn access_name(access: Access) -> &'static str {
    match access {
        Access::Public => "public",
        Access::Signed => "signed",
        Access::Clinician => "clinician",
        Access::Admin => "admin",
    }
}

#[test]
fn the_route_table_is_the_one_this_suite_tests() {
    let actual: Vec<(String, String, String)> = routes()
        .iter()
        .map(|r| {
            (
                r.method.to_string(),
                r.path.to_string(),
                access_name(r.access).to_string(),
            )
        })
        .collect();
    let expected: Vec<(String, String, String)> = EXPECTED
        .iter()
        .map(|(m, p, a)| (m.to_string(), p.to_string(), a.to_string()))
        .collect();
    for route in &actual {
        assert!(
            expected.contains(route),
            "route {route:?} is not in this suite's table: add it to EXPECTED (and a sample body \
             below if it takes {{id}}) so the authorisation walk covers it"
        );
    }
    for route in &expected {
        assert!(
            actual.contains(route),
            "route {route:?} is gone from the server"
        );
    }
    // API routes are under /api/ (and answer 401); pages are not (and redirect).
    for r in routes() {
        assert_eq!(
            r.api,
            r.path.starts_with("/api/") || r.path == "/healthz",
            "{} {}",
            r.method,
            r.path
        );
    }
}

/// Whether `route`'s `{id}` is a user's (not a client's).
fn takes_user(route: &Route) -> bool {
    ["/users/", "/counsellors/", "/supervision/"]
        .iter()
        .any(|p| route.path.contains(p))
}

/// The path of `route` with its parameters filled in (session 1).
fn path(route: &Route, client: i64, user: i64) -> String {
    let id = if takes_user(route) { user } else { client };
    route
        .path
        .replace("{id}", &id.to_string())
        .replace("{n}", "1")
        .replace("{token}", "not-a-token")
}

/// A body the route's handler accepts, for `client` (JSON for the API, a form for
/// pages); `None` for routes that take none.
fn sample(route: &Route, client: i64) -> Option<Sample> {
    let json = |v: Value| Some(Sample::Json(v));
    let form = |fields: &[(&str, &str)]| {
        Some(Sample::Form(
            fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        ))
    };
    let client_s = client.to_string();
    match (route.method.as_str(), route.path) {
        ("POST", "/api/v1/clients/{id}/links") => {
            json(json!({"instruments": ["srs"], "session": 1}))
        }
        ("POST", "/api/v1/clients/{id}/responses") => json(json!({
            "session": 1, "date": "2026-11-30", "instrument": "srs",
            "answers": {"relationship": 9, "goals": 9, "approach": 9, "overall": 9}})),
        ("POST", "/api/v1/clients/{id}/consents") => {
            json(json!({"scope": "measures", "given": true}))
        }
        ("POST", "/api/v1/alerts/acknowledge") => json(json!({
            "client": client, "kind": "below_cutoff", "instrument": "srs", "session": 1, "note": "called"})),
        ("PUT", "/api/v1/users/{id}/supervisor") => json(json!({"supervisor": null})),
        ("POST", "/clients/{id}/links") => form(&[("instruments", "srs"), ("session", "1")]),
        ("POST", "/clients/{id}/responses") => form(&[
            ("session", "1"),
            ("date", "2026-11-30"),
            ("instrument", "srs"),
            ("relationship", "9"),
            ("goals", "9"),
            ("approach", "9"),
            ("overall", "9"),
        ]),
        ("POST", "/clients/{id}/consents") => form(&[("scope", "measures"), ("given", "true")]),
        ("POST", "/alerts/acknowledge") => form(&[
            ("client", client_s.as_str()),
            ("kind", "below_cutoff"),
            ("instrument", "srs"),
            ("session", "1"),
            ("note", "called"),
        ]),
        ("POST", "/admin/users/{id}/supervisor") => form(&[("supervisor", "")]),
        ("POST", "/admin/tokens") => form(&[("name", "EHR"), ("scope", "read")]),
        ("POST", "/api/v1/clients/{id}/sessions/{n}/comments") => json(json!({"body": "Good."})),
        ("POST", "/clients/{id}/sessions/{n}/comments") => form(&[("body", "Good.")]),
        _ => None,
    }
}

#[derive(Debug, Clone)]
enum Sample {
    Json(Value),
    Form(Vec<(String, String)>),
}

/// Sends `route` as `who` with its sample body, with or without their CSRF token.
async fn call(
    s: &Server,
    route: &Route,
    who: Option<&Agent>,
    target: (i64, i64),
    csrf: bool,
) -> Resp {
    let mut req = s
        .req(route.method.clone(), &path(route, target.0, target.1))
        .by(who);
    let token = who.filter(|_| csrf).map(|a| a.csrf.clone());
    match sample(route, target.0) {
        Some(Sample::Json(v)) => {
            if let Some(t) = &token {
                req = req.header("x-csrf-token", t);
            }
            req = req.json(&v);
        }
        Some(Sample::Form(mut fields)) => {
            if let Some(t) = &token {
                fields.push(("csrf".into(), t.clone()));
            }
            let pairs: Vec<(&str, &str)> = fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            req = req.form(&pairs);
        }
        None => {
            if let Some(t) = &token {
                req = req.header("x-csrf-token", t);
            }
            if route.api && route.method != Method::GET {
                req = req.json(&json!({}));
            }
        }
    }
    req.send().await
}

/// A refusal for want of a session: 401 JSON for the API, a redirect to sign-in for
/// pages.
fn assert_unauthenticated(route: &Route, r: &Resp, how: &str) {
    if route.api {
        assert_eq!(
            r.status,
            StatusCode::UNAUTHORIZED,
            "{how}: {} {}",
            route.method,
            route.path
        );
        assert!(r.json()["error"].is_string());
    } else {
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "{how}: {} {}",
            route.method,
            route.path
        );
        assert_eq!(r.location().as_deref(), Some("/login"));
    }
}

on_both! {
    fn every_route_refuses_a_caller_without_the_right(s) {
        let w = s.world().await;
        let target = (w.client_c1, w.c1.id);
        let stale = Agent { cookie: "rapport_session=forged-or-expired".into(), ..w.c1.clone() };
        let mut walked = 0;
        for route in routes() {
            if route.access == Access::Public {
                continue;
            }
            walked += 1;
            // No session, or one the server does not know.
            let r = call(s, &route, None, target, false).await;
            assert_unauthenticated(&route, &r, "no session");
            let r = call(s, &route, Some(&stale), target, true).await;
            assert_unauthenticated(&route, &r, "unknown session");
            // The wrong role, with a good CSRF token: 403.
            let wrong: Vec<&Agent> = match route.access {
                Access::Admin => vec![&w.c1, &w.sup],
                Access::Clinician => vec![&w.admin],
                Access::Signed | Access::Public => vec![],
            };
            for who in wrong {
                let r = call(s, &route, Some(who), target, true).await;
                assert_eq!(r.status, StatusCode::FORBIDDEN, "{} {} as {}", route.method, route.path, who.email);
            }
            // The right role without the CSRF token: 403 for anything that changes state.
            if route.method != Method::GET {
                let who = match route.access {
                    Access::Admin => &w.admin,
                    _ => &w.c1,
                };
                let r = call(s, &route, Some(who), target, false).await;
                assert_eq!(r.status, StatusCode::FORBIDDEN, "no CSRF: {} {}", route.method, route.path);
            }
        }
        assert!(walked > 20);
        // Nothing the refused calls carried was stored.
        assert_eq!(s.count("SELECT COUNT(*) FROM transcripts").await, 0);
        assert_eq!(s.count("SELECT COUNT(*) FROM comments").await, 0);
        assert_eq!(s.count("SELECT COUNT(*) FROM responses").await, 0);
        assert_eq!(s.count("SELECT COUNT(*) FROM links").await, 0);
        assert_eq!(s.count("SELECT COUNT(*) FROM consents").await, 0);
    }

    fn another_counsellors_or_clinics_client_is_not_found(s) {
        let w = s.world().await;
        let mut tried = 0;
        // (API tokens' ids are the tokens suite's: another clinic's token is 404 there.)
        for route in routes().iter().filter(|r| r.path.contains("{id}") && !takes_user(r) && !r.path.contains("/tokens/")) {
            for other in [w.client_c2, w.client_d] {
                for who in [&w.c1, &w.sup] {
                    let r = call(s, route, Some(who), (other, w.c1.id), true).await;
                    assert_eq!(r.status, StatusCode::NOT_FOUND, "{} {} as {} on client {other}: {}",
                        route.method, route.path, who.email, r.text());
                    tried += 1;
                }
            }
            // An admin sees no client's record.
            if route.method == Method::GET {
                let r = call(s, route, Some(&w.admin), (w.client_c1, 0), true).await;
                assert_eq!(r.status, StatusCode::NOT_FOUND, "admin: {}", route.path);
            }
            // An id that does not exist reads the same.
            let r = call(s, route, Some(&w.c1), (999_999, 0), true).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{} {} on a missing client", route.method, route.path);
        }
        assert!(tried >= 8 * 4);
        // Acknowledging an alert of someone else's client.
        for route in routes().iter().filter(|r| r.path.ends_with("/alerts/acknowledge")) {
            for other in [w.client_c2, w.client_d] {
                let r = call(s, route, Some(&w.c1), (other, 0), true).await;
                assert_eq!(r.status, StatusCode::NOT_FOUND, "{} {}", route.method, route.path);
            }
        }
        // Another counsellor's practice, or one of another clinic's.
        for route in routes().iter().filter(|r| r.path.contains("/counsellors/{id}") || r.path.contains("/supervision/{id}")) {
            for other in [w.c2.id, w.d.id, w.admin.id] {
                for who in [&w.c1, &w.sup] {
                    let r = call(s, route, Some(who), (0, other), true).await;
                    assert_eq!(r.status, StatusCode::NOT_FOUND, "{} as {} on user {other}", route.path, who.email);
                }
            }
            // Their own, and a supervisee's for the supervisor.
            assert_eq!(call(s, route, Some(&w.c1), (0, w.c1.id), true).await.status, StatusCode::OK);
            assert_eq!(call(s, route, Some(&w.sup), (0, w.c1.id), true).await.status, StatusCode::OK);
            assert_eq!(call(s, route, Some(&w.c2), (0, w.c1.id), true).await.status, StatusCode::NOT_FOUND);
        }
        // Users of another clinic, for an admin.
        let b_user = s.count("SELECT id FROM users WHERE email = 'd@b.org'").await;
        for route in routes().iter().filter(|r| r.path.contains("/users/{id}")) {
            let r = call(s, route, Some(&w.admin), (0, b_user), true).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{} {}", route.method, route.path);
        }
        // Lists hold only what the caller may see.
        let codes = |r: Resp| -> Vec<String> {
            r.json()["clients"].as_array().unwrap().iter().map(|c| c["code"].as_str().unwrap().to_string()).collect()
        };
        assert_eq!(codes(s.get(Some(&w.c1), "/api/v1/clients").await), ["C1-001"]);
        assert_eq!(codes(s.get(Some(&w.c2), "/api/v1/clients").await), ["C2-001"]);
        assert_eq!(codes(s.get(Some(&w.sup), "/api/v1/clients").await), ["C1-001", "S-001"]);
        assert_eq!(codes(s.get(Some(&w.d), "/api/v1/clients").await), ["D-001"]);
        assert!(codes(s.get(Some(&w.admin), "/api/v1/clients").await).is_empty());
        let page = s.get(Some(&w.c1), "/").await.text();
        assert!(page.contains("C1-001") && !page.contains("C2-001") && !page.contains("D-001"));
        // Nothing was stored for anyone.
        assert_eq!(s.count("SELECT COUNT(*) FROM responses").await, 0);
        assert_eq!(s.count("SELECT COUNT(*) FROM links").await, 0);
        assert_eq!(s.count("SELECT COUNT(*) FROM consents").await, 0);
        assert_eq!(s.count("SELECT COUNT(*) FROM alert_acks").await, 0);
    }

    fn a_supervisor_reads_supervisees_clients_and_changes_none(s) {
        let w = s.world().await;
        let r = s.get(Some(&w.sup), &format!("/api/v1/clients/{}", w.client_c1)).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.json()["code"], "C1-001");
        let r = s.get(Some(&w.sup), &format!("/clients/{}", w.client_c1)).await;
        assert_eq!(r.status, StatusCode::OK);
        let html = r.html();
        assert!(html.contains("read-only for you"));
        for form in ["links", "consents", "responses"] {
            assert!(!html.contains(&format!("action=\"/clients/{}/{form}\"", w.client_c1)), "no {form} form for a supervisee's client");
        }
        let own = s.get(Some(&w.c1), &format!("/clients/{}", w.client_c1)).await.html();
        assert!(own.contains(&format!("action=\"/clients/{}/links\"", w.client_c1)));
        // (Comments excepted: a supervisor comments on a supervisee's session.)
        for route in routes().iter().filter(|r| r.method != Method::GET && r.access == Access::Clinician
            && (r.path.contains("{id}") || r.path.ends_with("/acknowledge")) && !r.path.ends_with("/comments")) {
            let r = call(s, route, Some(&w.sup), (w.client_c1, 0), true).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{} {} as supervisor: {}", route.method, route.path, r.text());
        }
        // Their own client they change as any counsellor does.
        let r = s.post_json(&w.sup, &format!("/api/v1/clients/{}/consents", w.client_sup), json!({"scope": "measures", "given": true})).await;
        assert_eq!(r.status, StatusCode::CREATED);
        assert_eq!(s.count("SELECT COUNT(*) FROM consents").await, 1);
        assert_eq!(s.count("SELECT COUNT(*) FROM links").await, 0);
        assert_eq!(s.count("SELECT COUNT(*) FROM responses").await, 0);
        // The counsellor they do not supervise is not theirs to read.
        let r = s.get(Some(&w.sup), &format!("/api/v1/clients/{}", w.client_c2)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }

    fn state_changes_need_the_sessions_csrf_token(s) {
        let w = s.world().await;
        let client = format!("/api/v1/clients/{}/consents", w.client_c1);
        let body = json!({"scope": "measures", "given": true});
        for token in [None, Some("wrong"), Some(""), Some(w.c2.csrf.as_str())] {
            let mut req = s.req(Method::POST, &client).by(Some(&w.c1)).json(&body);
            if let Some(t) = token {
                req = req.header("x-csrf-token", t);
            }
            let r = req.send().await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "token {token:?}");
            assert!(r.json()["error"].as_str().unwrap().contains("CSRF"));
        }
        let page = format!("/clients/{}/consents", w.client_c1);
        for token in [None, Some("wrong"), Some(w.c2.csrf.as_str())] {
            let mut fields = vec![("scope", "measures"), ("given", "true")];
            if let Some(t) = token {
                fields.push(("csrf", t));
            }
            let r = s.req(Method::POST, &page).by(Some(&w.c1)).form(&fields).send().await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "form token {token:?}");
        }
        assert_eq!(s.count("SELECT COUNT(*) FROM consents").await, 0);
        // The right token, in the header or the form, works.
        let r = s.post_json(&w.c1, &client, body).await;
        assert_eq!(r.status, StatusCode::CREATED);
        let r = s.post_form(&w.c1, &page, &[("scope", "transcripts"), ("given", "false")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        assert_eq!(s.count("SELECT COUNT(*) FROM consents").await, 2);
        // Sign-out needs it too: a cross-site form cannot end a session.
        let r = s.req(Method::POST, "/logout").by(Some(&w.c1)).form(&[]).send().await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(s.get(Some(&w.c1), "/api/v1/me").await.status, StatusCode::OK);
    }
}

#[allow(dead_code)]
fn _uses(_: World) {}

on_both! {
    fn an_admin_decides_who_supervises_whom(s) {
        let w = s.world().await;
        let path = format!("/api/v1/clients/{}", w.client_c2);
        assert_eq!(s.get(Some(&w.sup), &path).await.status, StatusCode::NOT_FOUND);
        // Only a supervisor of the same clinic can supervise.
        let supervise = |user: i64| format!("/api/v1/users/{user}/supervisor");
        let r = s.put_json(&w.admin, &supervise(w.c2.id), json!({"supervisor": w.c1.id})).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.json()["item"], "supervisor");
        let r = s.put_json(&w.admin_b, &supervise(w.c2.id), json!({"supervisor": null})).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = s.put_json(&w.admin, &supervise(w.c2.id), json!({"supervisor": w.sup.id})).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT);
        // Now the supervisor reads C2's client, and still changes nothing of it.
        let r = s.get(Some(&w.sup), &path).await;
        assert_eq!(r.status, StatusCode::OK);
        let r = s.post_json(&w.sup, &format!("{path}/consents"), json!({"scope": "measures", "given": true})).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        // And loses it when the admin takes supervision away (the page form).
        let r = s.post_form(&w.admin, &format!("/admin/users/{}/supervisor", w.c2.id), &[("supervisor", "")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(s.get(Some(&w.sup), &path).await.status, StatusCode::NOT_FOUND);
        // A mistyped supervisor is refused, not read as "none".
        s.put_json(&w.admin, &supervise(w.c2.id), json!({"supervisor": w.sup.id})).await;
        let r = s.post_form(&w.admin, &format!("/admin/users/{}/supervisor", w.c2.id), &[("supervisor", "sup")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(s.get(Some(&w.sup), &path).await.status, StatusCode::OK);
        // Refusals are audited.
        let refused = s.rows("SELECT actor, outcome FROM audit WHERE action = 'user.supervise' AND outcome <> 'ok' ORDER BY id").await;
        assert_eq!(refused, [
            format!("user:{}|invalid", w.admin.id),
            format!("user:{}|not_found", w.admin_b.id),
            format!("user:{}|invalid", w.admin.id),
        ]);
        // New users: created, audited, unique by e-mail.
        let new = json!({"email": "new@a.org", "name": "New", "role": "counsellor", "password": "a long enough passphrase", "supervisor": w.sup.id});
        let r = s.post_json(&w.admin, "/api/v1/users", new.clone()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        assert_eq!(r.json()["supervisor"], w.sup.id);
        assert_eq!(s.post_json(&w.admin, "/api/v1/users", new).await.status, StatusCode::CONFLICT);
        let r = s.post_json(&w.admin, "/api/v1/users", json!({"email": "x@a.org", "name": "X", "role": "counsellor", "password": "short"})).await;
        assert_eq!(r.json()["item"], "password");
        assert_eq!(s.count("SELECT COUNT(*) FROM audit WHERE action = 'user.create' AND outcome = 'ok'").await, 1);
        assert_eq!(s.count("SELECT COUNT(*) FROM audit WHERE action = 'user.supervise' AND outcome = 'ok'").await, 3);
        let users = s.get(Some(&w.admin), "/api/v1/users").await.json();
        assert!(users["users"].as_array().unwrap().iter().all(|u| !u["email"].as_str().unwrap().ends_with("@b.org")));
    }
}
