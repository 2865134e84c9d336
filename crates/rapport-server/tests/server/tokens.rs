//! API tokens: made and revoked by a signed-in admin, hashed at rest, read-only or
//! read-write, audited as `token:ID`, useless once revoked, and never a way into the
//! pages, passwords or other tokens.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::harness::{Server, on_both};

async fn with_token(s: &Server, token: &str, method: Method, path: &str) -> crate::harness::Resp {
    s.req(method, path)
        .header("authorization", &format!("Bearer {token}"))
        .send()
        .await
}

on_both! {
    fn an_integration_pulls_scores_with_a_read_only_token(s) {
        let w = s.world().await;
        s.paper(&w.c1, w.client_c1, 1, "2026-11-02", "srs",
            json!({"relationship": 9, "goals": 9, "approach": 9, "overall": 9})).await;
        let r = s.post_json(&w.admin, "/api/v1/tokens", json!({"name": "EHR nightly pull", "scope": "read"})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let made = r.json();
        let secret = made["token"].as_str().unwrap().to_string();
        assert!(secret.starts_with("rpt_") && secret.len() > 30);
        // Hashed at rest: the secret is nowhere in the database.
        let stored = s.rows("SELECT token_hash FROM api_tokens").await;
        assert_eq!(stored.len(), 1);
        assert!(!stored[0].contains(&secret[4..]));
        let listed = s.get(Some(&w.admin), "/api/v1/tokens").await.text();
        assert!(listed.contains("EHR nightly pull") && !listed.contains(&secret[4..]) && !listed.contains(&stored[0]));

        let r = with_token(s, &secret, Method::GET, "/api/v1/export?format=fhir").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert!(r.text().contains("QuestionnaireResponse"));
        // Read-only: no import, and none of the routes a token never calls.
        let r = s.req(Method::POST, "/api/v1/import?format=csv").header("authorization", &format!("Bearer {secret}"))
            .header("content-type", "text/csv")
            .raw("client,session,date,instrument,relationship,goals,approach,overall\nC1-001,2,2026-11-09,srs,9,9,9,9\n")
            .send().await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(with_token(s, &secret, Method::GET, "/api/v1/users").await.status, StatusCode::FORBIDDEN);
        for (method, path) in [(Method::GET, "/api/v1/tokens"), (Method::POST, "/api/v1/logout")] {
            let r = with_token(s, &secret, method, path).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
        }
        // A page does not take a token: it asks to sign in.
        let r = with_token(s, &secret, Method::GET, "/admin/audit").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        // Audited as the token, tied to the admin who made it.
        let actors = s.rows("SELECT actor, user_id, action FROM audit WHERE actor LIKE 'token:%' ORDER BY id").await;
        assert_eq!(actors[0], format!("token:{}|{}|export.fhir", made["id"], w.admin.id));

        // Another clinic's admin cannot revoke it.
        let r = s.req(Method::DELETE, &format!("/api/v1/tokens/{}", made["id"])).by(Some(&w.admin_b)).csrf(&w.admin_b).send().await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        // Revoked: 401 from then on; revoking again finds nothing.
        let r = s.req(Method::DELETE, &format!("/api/v1/tokens/{}", made["id"])).by(Some(&w.admin)).csrf(&w.admin).send().await;
        assert_eq!(r.status, StatusCode::NO_CONTENT);
        let r = with_token(s, &secret, Method::GET, "/api/v1/export?format=fhir").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        let r = s.req(Method::DELETE, &format!("/api/v1/tokens/{}", made["id"])).by(Some(&w.admin)).csrf(&w.admin).send().await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        // Another clinic's admin cannot revoke or list it.
        let listed = s.get(Some(&w.admin_b), "/api/v1/tokens").await.json();
        assert_eq!(listed["tokens"].as_array().unwrap().len(), 0);
        assert!(s.count("SELECT COUNT(*) FROM audit WHERE action IN ('token.create', 'token.revoke')").await >= 3);
    }

    fn a_read_write_token_imports_without_a_csrf_token_and_bad_tokens_fail(s) {
        let w = s.world().await;
        let r = s.post_json(&w.admin, "/api/v1/tokens", json!({"name": "EHR push", "scope": "write"})).await;
        let secret = r.json()["token"].as_str().unwrap().to_string();
        let import = |csv: &'static str| {
            s.req(Method::POST, "/api/v1/import?format=csv")
                .header("authorization", &format!("Bearer {secret}"))
                .header("content-type", "text/csv")
                .raw(csv)
                .send()
        };
        // Scores for a client the clinic has; a code it does not have is refused whole.
        let r = import("client,session,date,instrument,relationship,goals,approach,overall\nC1-001,1,2026-11-02,srs,9,9,9,9\n").await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        assert_eq!(r.json()["clients_created"], 0);
        let r = import("client,session,date,instrument,relationship,goals,approach,overall\nC1-001,2,2026-11-09,srs,9,9,9,9\nNOBODY,1,2026-11-02,srs,9,9,9,9\n").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        assert!(r.json()["error"].as_str().unwrap().contains("NOBODY"));
        assert_eq!(s.count("SELECT COUNT(*) FROM responses").await, 1);
        // Even read-write, a token manages no users, settings or tokens.
        let r = s.req(Method::POST, "/api/v1/users").header("authorization", &format!("Bearer {secret}"))
            .json(&json!({"email": "new@a.org", "name": "New", "role": "admin", "password": "a long enough passphrase"}))
            .send().await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = s.req(Method::PUT, "/api/v1/settings").header("authorization", &format!("Bearer {secret}"))
            .json(&json!({})).send().await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(s.count("SELECT COUNT(*) FROM users WHERE email = 'new@a.org'").await, 0);
        for bad in ["rpt_not-a-token", "Basic abc", "rpt_"] {
            let r = s.req(Method::GET, "/api/v1/users").header("authorization", &format!("Bearer {bad}")).send().await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{bad}");
        }
        // Counsellors make none; a token's name is required.
        let r = s.post_json(&w.c1, "/api/v1/tokens", json!({"name": "mine", "scope": "read"})).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = s.post_json(&w.admin, "/api/v1/tokens", json!({"name": " ", "scope": "read"})).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        // A token dies with its admin's account.
        s.execute(&format!("UPDATE users SET active = 0 WHERE id = {}", w.admin.id)).await.unwrap();
        let r = s.req(Method::GET, "/api/v1/export?format=csv").header("authorization", &format!("Bearer {secret}")).send().await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }

    fn an_admin_manages_tokens_on_the_data_page(s) {
        let w = s.world().await;
        let page = s.get(Some(&w.admin), "/admin/data").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.html().contains("/api/v1/export/research?format=csv"));
        let r = s.post_form(&w.admin, "/admin/tokens", &[("name", "EHR pull"), ("scope", "read")]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let html = r.html();
        let secret = html.split("<code id=\"secret\">").nth(1).and_then(|t| t.split('<').next()).unwrap().to_string();
        assert!(secret.starts_with("rpt_"));
        assert_eq!(with_token(s, &secret, Method::GET, "/api/v1/export?format=csv").await.status, StatusCode::OK);
        // Shown once: the page does not show it again.
        assert!(!s.get(Some(&w.admin), "/admin/data").await.html().contains(&secret));
        let id = s.count("SELECT id FROM api_tokens").await;
        let r = s.post_form(&w.admin, &format!("/admin/tokens/{id}/revoke"), &[]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(with_token(s, &secret, Method::GET, "/api/v1/export?format=csv").await.status, StatusCode::UNAUTHORIZED);
        assert!(s.get(Some(&w.admin), "/admin/data").await.html().contains("revoked"));
    }
}
