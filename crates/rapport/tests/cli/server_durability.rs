//! The clinic server's promise to clients: an answer acknowledged is on disk. Clients
//! submit answers from several threads while the server is killed with SIGKILL; after a
//! restart every acknowledged answer is there, every acknowledged link stays used, and
//! the SQLite database passes `PRAGMA integrity_check`. Likewise for transcripts: an
//! upload acknowledged (202) before a SIGKILL is coded after the restart.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::{Server, create_user, finished_job, http, sign_in};
use serde_json::{Value, json};

fn srs(n: usize) -> String {
    // A different, valid answer per session, so each stored row is recognisable.
    let x = (n % 100) as f64 / 10.0;
    json!({"answers": {"srs": {"relationship": x, "goals": 9, "approach": 9, "overall": 9}}})
        .to_string()
}

#[test]
fn kill_9_during_submissions_loses_no_acknowledged_answer() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    create_user(&data, "dana@clinic.test", "counsellor");

    let mut server = Server::start(&data);
    let port = server.port;
    let (cookie, csrf) = sign_in(port, "dana@clinic.test");
    let auth = [
        ("Cookie", cookie.as_str()),
        ("X-CSRF-Token", csrf.as_str()),
        ("Content-Type", "application/json"),
    ];
    let (status, _, body) =
        http(port, "POST", "/api/v1/clients", &auth, r#"{"code":"C-1"}"#).unwrap();
    assert_eq!(status, 201, "{body}");
    let client = serde_json::from_str::<Value>(&body).unwrap()["id"]
        .as_i64()
        .unwrap();
    const LINKS: usize = 240;
    let mut links = Vec::new();
    for session in 1..=LINKS {
        let body = json!({"instruments": ["srs"], "session": session}).to_string();
        let (status, _, reply) = http(
            port,
            "POST",
            &format!("/api/v1/clients/{client}/links"),
            &auth,
            &body,
        )
        .unwrap();
        assert_eq!(status, 201, "{reply}");
        let url = serde_json::from_str::<Value>(&reply).unwrap()["url"]
            .as_str()
            .unwrap()
            .to_string();
        links.push((session, url));
    }

    // Eight clients submit at once; the server is killed once 60 answers are
    // acknowledged, while the rest are in flight.
    let acknowledged: Arc<Mutex<Vec<(usize, String)>>> = Arc::default();
    let chunks: Vec<Vec<(usize, String)>> = links.chunks(LINKS / 8).map(<[_]>::to_vec).collect();
    let threads: Vec<_> = chunks
        .into_iter()
        .map(|chunk| {
            let acknowledged = Arc::clone(&acknowledged);
            std::thread::spawn(move || {
                for (session, url) in chunk {
                    let answer = srs(session);
                    let reply = http(
                        port,
                        "POST",
                        &url,
                        &[("Content-Type", "application/json")],
                        &answer,
                    );
                    // Only a 201 is an acknowledgement; refusals and broken
                    // connections (the kill) are not.
                    if let Ok((201, _, _)) = reply {
                        acknowledged.lock().unwrap().push((session, url));
                    }
                }
            })
        })
        .collect();
    while acknowledged.lock().unwrap().len() < 60 {
        std::thread::sleep(Duration::from_millis(2));
    }
    server.child.kill().unwrap(); // SIGKILL: no shutdown, no checkpoint
    server.child.wait().unwrap();
    for t in threads {
        t.join().unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() >= 60 && acknowledged.len() < LINKS,
        "{} acknowledged",
        acknowledged.len()
    );

    let server = Server::start(&data);
    let port = server.port;
    let (cookie, _) = sign_in(port, "dana@clinic.test");
    let (status, _, body) = http(
        port,
        "GET",
        &format!("/api/v1/clients/{client}"),
        &[("Cookie", cookie.as_str())],
        "",
    )
    .unwrap();
    assert_eq!(status, 200, "{body}");
    let record: Value = serde_json::from_str(&body).unwrap();
    let series = record["instruments"][0]["series"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let stored: Vec<(u64, f64)> = series
        .iter()
        .map(|p| (p["session"].as_u64().unwrap(), p["total"].as_f64().unwrap()))
        .collect();
    for (session, url) in &acknowledged {
        let total = stored
            .iter()
            .find(|(s, _)| *s == *session as u64)
            .unwrap_or_else(|| {
                panic!(
                    "acknowledged session {session} was lost ({} acknowledged, {} stored)",
                    acknowledged.len(),
                    stored.len()
                )
            })
            .1;
        let expected = (session % 100) as f64 / 10.0 + 27.0;
        assert!(
            (total - expected).abs() < 1e-9,
            "session {session}: {total} != {expected}"
        );
        let (status, _, _) = http(
            port,
            "POST",
            url,
            &[("Content-Type", "application/json")],
            &srs(*session),
        )
        .unwrap();
        assert_eq!(status, 410, "an acknowledged link stays used");
    }
    // Answers whose acknowledgement the kill cut off may be stored too; nothing else.
    assert!(stored.len() >= acknowledged.len());
    eprintln!(
        "{} answers acknowledged before the kill, {} stored after it, 0 acknowledged lost",
        acknowledged.len(),
        stored.len()
    );
    server.terminate();

    let db_path = data.join("rapport.db");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let verdict: String = runtime.block_on(async {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db_path.display()))
            .await
            .unwrap();
        let verdict = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&pool)
            .await
            .unwrap();
        pool.close().await;
        verdict
    });
    assert_eq!(verdict, "ok");
}

/// A short session (written for this test), speaker-labelled text.
const TRANSCRIPT: &str = "Counselor: What brings you in today?
Client: My drinking. My wife says it is getting out of hand.
Counselor: Your wife is worried, and part of you wonders if she is right.
Client: Yes. I want to cut down before it costs me my job.
";

#[test]
fn kill_9_after_uploads_are_acknowledged_codes_every_one_after_the_restart() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    create_user(&data, "dana@clinic.test", "counsellor");
    let mut server = Server::start_with(&data, &["--fast"]);
    let port = server.port;
    let (cookie, csrf) = sign_in(port, "dana@clinic.test");
    let auth = [
        ("Cookie", cookie.as_str()),
        ("X-CSRF-Token", csrf.as_str()),
        ("Content-Type", "application/json"),
    ];
    let (_, _, body) = http(port, "POST", "/api/v1/clients", &auth, r#"{"code":"C-1"}"#).unwrap();
    let client = serde_json::from_str::<Value>(&body).unwrap()["id"]
        .as_i64()
        .unwrap();
    let consent = json!({"scope": "transcripts", "given": true}).to_string();
    let (status, _, _) = http(
        port,
        "POST",
        &format!("/api/v1/clients/{client}/consents"),
        &auth,
        &consent,
    )
    .unwrap();
    assert_eq!(status, 201);
    let raw = [
        ("Cookie", cookie.as_str()),
        ("X-CSRF-Token", csrf.as_str()),
        ("Content-Type", "text/plain"),
    ];
    let mut jobs = Vec::new();
    for session in 1..=12 {
        let (status, _, reply) = http(
            port,
            "POST",
            &format!("/api/v1/clients/{client}/sessions/{session}/transcript?format=txt"),
            &raw,
            TRANSCRIPT,
        )
        .unwrap();
        assert_eq!(status, 202, "{reply}");
        jobs.push(
            serde_json::from_str::<Value>(&reply).unwrap()["job"]
                .as_i64()
                .unwrap(),
        );
    }
    server.child.kill().unwrap(); // SIGKILL, with jobs queued or being coded
    server.child.wait().unwrap();

    let server = Server::start_with(&data, &["--fast"]);
    let port = server.port;
    let (cookie, _) = sign_in(port, "dana@clinic.test");
    for job in jobs {
        let state = finished_job(port, &cookie, job);
        assert_eq!(state, "done", "job {job} after the restart");
    }
    server.terminate();
}
