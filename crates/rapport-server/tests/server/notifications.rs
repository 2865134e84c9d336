//! Notifications: new alerts and others' comments listed for the right people only,
//! seen once viewed; and, where the clinic configures mail, an e-mail that says only
//! that something is new (no client code, score or text).

use axum::http::{Method, StatusCode};
use lettre::transport::stub::AsyncStubTransport;
use rapport_server::notify::{Mail, Mailer};
use serde_json::{Value, json};

use crate::harness::{Backend, Server, on_both};

fn srs(x: f64) -> Value {
    json!({"relationship": x, "goals": x, "approach": x, "overall": x})
}

async fn new_of(s: &Server, who: &crate::harness::Agent) -> Value {
    let r = s.get(Some(who), "/api/v1/notifications").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()
}

on_both! {
    fn alerts_and_comments_are_new_until_seen(s) {
        let w = s.world().await;
        assert_eq!(new_of(s, &w.c1).await["new"], 0);
        // A low SRS raises an alert; the supervisor comments on the session.
        let r = s.paper(&w.c1, w.client_c1, 1, "2026-11-30", "srs", srs(5.0)).await;
        assert_eq!(r.status, StatusCode::CREATED);
        s.post_json(&w.sup, &format!("/api/v1/clients/{}/sessions/1/comments", w.client_c1),
            json!({"body": "Let us talk about this one."})).await;
        let mine = new_of(s, &w.c1).await;
        let kinds: Vec<&str> = mine["notifications"].as_array().unwrap().iter().map(|n| n["kind"].as_str().unwrap()).collect();
        let total = kinds.len();
        assert_eq!(mine["new"], total, "{mine}");
        assert_eq!(kinds.iter().filter(|k| **k == "comment").count(), 1);
        assert!(kinds.iter().filter(|k| **k == "alert").count() >= 1, "the low SRS");
        assert!(!mine.to_string().contains("Let us talk"), "the list names the comment, not its text");
        // The supervisor sees the alert (their supervisee's client) but not their own comment.
        let theirs = new_of(s, &w.sup).await;
        let kinds: Vec<&str> = theirs["notifications"].as_array().unwrap().iter().map(|n| n["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds.len(), total - 1);
        assert!(kinds.iter().all(|k| *k == "alert"));
        // Nobody else sees any of it.
        for who in [&w.c2, &w.d] {
            assert_eq!(new_of(s, who).await["notifications"].as_array().unwrap().len(), 0);
        }
        // Viewing the page marks them seen; they stay listed, no longer new.
        let page = s.get(Some(&w.c1), "/notifications").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.html().contains(&format!("{total} new")));
        let after = new_of(s, &w.c1).await;
        assert_eq!(after["new"], 0);
        assert_eq!(after["notifications"].as_array().unwrap().len(), total);
        // A new comment is new again; the API marks seen too.
        s.clock.advance(60);
        s.post_json(&w.sup, &format!("/api/v1/clients/{}/sessions/1/comments", w.client_c1),
            json!({"body": "And session 2?"})).await;
        assert_eq!(new_of(s, &w.c1).await["new"], 1);
        let r = s.req(Method::POST, "/api/v1/notifications/seen").by(Some(&w.c1)).csrf(&w.c1).send().await;
        assert_eq!(r.status, StatusCode::NO_CONTENT);
        assert_eq!(new_of(s, &w.c1).await["new"], 0);
        assert!(s.count("SELECT COUNT(*) FROM audit WHERE action = 'notification.list'").await >= 6);
    }
}

/// Waits (five seconds at most) until the log holds `n` messages.
async fn logged(mail: &Mail, n: usize) -> Vec<(Vec<String>, String)> {
    for _ in 0..100 {
        let log = mail.logged().await;
        if log.len() >= n {
            return log;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    mail.logged().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_says_only_that_something_is_new() {
    let mail = Mail::with(
        Mailer::Log(AsyncStubTransport::new_ok()),
        "Rapport <rapport@clinic.test>",
        Some("https://rapport.clinic.test"),
    )
    .unwrap();
    let s = Server::start_with(Backend::Sqlite, Some(mail.clone())).await;
    let w = s.world().await;
    s.post_json(
        &w.sup,
        &format!("/api/v1/clients/{}/sessions/1/comments", w.client_c1),
        json!({"body": "Lovely reflection."}),
    )
    .await;
    let log = logged(&mail, 1).await;
    assert_eq!(
        log.len(),
        1,
        "one mail, to the counsellor (not to the author)"
    );
    assert_eq!(log[0].0, ["c1@a.org"]);
    assert!(log[0].1.contains("New comment in Rapport"));
    assert!(
        log[0]
            .1
            .contains("https://rapport.clinic.test/notifications")
    );
    // The client answers by link with a low SRS: the counsellor is told of an alert.
    let (url, _) = s.new_link(&w.c1, w.client_c1, 2, &["srs"]).await;
    let r = s
        .req(Method::POST, &url)
        .json(&json!({"answers": {"srs": srs(4.0)}}))
        .send()
        .await;
    assert!(r.status.is_success(), "{}", r.text());
    let log = logged(&mail, 2).await;
    assert_eq!(log.len(), 2, "{log:?}");
    assert_eq!(log[1].0, ["c1@a.org"]);
    assert!(log[1].1.contains("New alert in Rapport"));
    // A good answer raises nothing.
    let (url, _) = s.new_link(&w.c1, w.client_c1, 3, &["srs"]).await;
    s.req(Method::POST, &url)
        .json(&json!({"answers": {"srs": srs(9.5)}}))
        .send()
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let log = mail.logged().await;
    assert_eq!(log.len(), 2, "{log:?}");
    for (_, message) in &log {
        for private in ["C1-001", "Lovely", "4", "srs", "SRS"] {
            assert!(
                !message
                    .split("\r\n\r\n")
                    .nth(1)
                    .unwrap_or_default()
                    .contains(private),
                "{private} in a mail body: {message}"
            );
        }
    }
}
