//! Headers every response carries: a Content-Security-Policy that admits no script and
//! only the page's own style block (by a nonce fresh per response), `no-store` on
//! anything with client data, and the framing, sniffing and referrer guards.

use axum::http::StatusCode;

use crate::harness::{Resp, on_both};

/// The nonce a page's CSP carries, checked against the page.
fn nonce_of(r: &Resp) -> String {
    let csp = r.header("content-security-policy").expect("a CSP");
    assert!(csp.contains("default-src 'none'"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
        "{csp}"
    );
    assert!(!csp.contains("script-src"), "no script is admitted: {csp}");
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a nonce")
        .to_string();
    assert!(nonce.len() >= 22, "{nonce}");
    let body = r.text();
    assert!(
        !body.to_lowercase().contains("<script"),
        "no script in the page"
    );
    assert!(
        !body.contains(" style=\""),
        "no inline style attributes (the CSP refuses them)"
    );
    for tag in body.match_indices("<style").map(|(i, _)| &body[i..]) {
        assert!(
            tag.starts_with(&format!("<style nonce=\"{nonce}\"")),
            "a style block without the nonce: {}",
            &tag[..tag.len().min(60)]
        );
    }
    nonce
}

fn assert_common(r: &Resp, what: &str) {
    assert_eq!(
        r.header("x-content-type-options").as_deref(),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(
        r.header("x-frame-options").as_deref(),
        Some("DENY"),
        "{what}"
    );
    assert_eq!(
        r.header("referrer-policy").as_deref(),
        Some("no-referrer"),
        "{what}"
    );
    assert!(r.header("content-security-policy").is_some(), "{what}");
}

on_both! {
    fn pages_carry_a_nonce_csp_and_client_data_is_never_cached(s) {
        let w = s.world().await;
        let (url, _) = s.new_link(&w.c1, w.client_c1, 1, &["srs", "phq-9"]).await;
        let client_page = format!("/clients/{}", w.client_c1);
        let pages = [
            ("/login", None),
            ("/", Some(&w.c1)),
            (client_page.as_str(), Some(&w.c1)),
            ("/password", Some(&w.c1)),
            ("/admin/users", Some(&w.admin)),
            ("/admin/settings", Some(&w.admin)),
            ("/admin/audit", Some(&w.admin)),
            (url.as_str(), None),
            ("/kiosk", None),
            ("/thanks", None),
        ];
        let mut nonces = Vec::new();
        for (path, who) in pages {
            let r = s.get(who, path).await;
            assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text());
            assert_common(&r, path);
            nonces.push(nonce_of(&r));
            assert_eq!(r.header("cache-control").as_deref(), Some("no-store"), "{path}");
        }
        // The same page twice has two nonces.
        let again = nonce_of(&s.get(Some(&w.c1), "/").await);
        assert!(!nonces.contains(&again));
        nonces.sort();
        nonces.dedup();
        assert_eq!(nonces.len(), pages.len());
        // Error pages too.
        let r = s.get(Some(&w.c1), "/clients/999999").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        nonce_of(&r);
        assert_common(&r, "404 page");
        // The API: no-store on everything with client data.
        for path in [
            "/api/v1/clients".to_string(),
            format!("/api/v1/clients/{}", w.client_c1),
            "/api/v1/alerts".to_string(),
            "/api/v1/me".to_string(),
        ] {
            let r = s.get(Some(&w.c1), &path).await;
            assert_eq!(r.status, StatusCode::OK, "{path}");
            assert_eq!(r.header("cache-control").as_deref(), Some("no-store"), "{path}");
            assert_common(&r, &path);
            assert!(r.header("content-type").unwrap().starts_with("application/json"));
        }
        for path in ["/api/v1/audit", "/api/v1/users", "/api/v1/settings"] {
            let r = s.get(Some(&w.admin), path).await;
            assert_eq!(r.header("cache-control").as_deref(), Some("no-store"), "{path}");
        }
        // Only the stylesheet may be cached.
        let css = s.get(None, "/static/app.css").await;
        assert!(css.header("cache-control").unwrap().starts_with("public"));
        // Unknown paths are plain 404s with the same headers.
        let r = s.get(None, "/api/v1/nothing-here").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_common(&r, "api 404");
    }
}
