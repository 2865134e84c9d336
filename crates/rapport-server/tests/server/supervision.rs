//! Supervision: a supervisor follows a trainee over several sessions (transcripts
//! uploaded and coded, the client's SRS entered) and sees on one page the trainee's
//! listening figures over time beside the client's alliance ratings; the trainee sees
//! their own page; nobody else sees either.

use axum::http::StatusCode;
use serde_json::json;

use crate::harness::{Agent, Server, on_both};

/// A session in which the counsellor asks `questions` questions and makes `reflections`
/// reflections (lines written for these tests).
fn session(questions: usize, reflections: usize) -> String {
    const QUESTIONS: [&str; 4] = [
        "What would you like to talk about today?",
        "How much do you drink in a week?",
        "Have you tried to stop before?",
        "What worries you most about it?",
    ];
    const REFLECTIONS: [&str; 4] = [
        "You are worried that drinking is starting to cost you things that matter.",
        "Part of you wants to change, and part of you is not ready yet.",
        "Your family means a great deal to you.",
        "It sounds like you feel stuck between two choices.",
    ];
    const CLIENT: &str = "I guess I want to cut down, but it is hard.";
    let mut lines = Vec::new();
    for q in QUESTIONS.iter().take(questions) {
        lines.push(format!("Dana: {q}"));
        lines.push(format!("Sam: {CLIENT}"));
    }
    for r in REFLECTIONS.iter().take(reflections) {
        lines.push(format!("Dana: {r}"));
        lines.push(format!("Sam: {CLIENT}"));
    }
    let mut vtt = String::from("WEBVTT\n");
    for (i, line) in lines.iter().enumerate() {
        vtt.push_str(&format!(
            "\n{}\n00:00:{:02}.000 --> 00:00:{:02}.500\n{line}\n",
            i + 1,
            i * 2,
            i * 2 + 1
        ));
    }
    vtt
}

/// Uploads and codes session `n`, and enters the client's SRS for it.
async fn session_with_srs(s: &Server, who: &Agent, client: i64, n: u32, vtt: &str, srs: f64) {
    let r = s.upload(who, client, n, "format=vtt", vtt).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    let job = r.json()["job"].as_i64().unwrap();
    assert_eq!(s.finished_job(who, job).await["state"], "done");
    let date = format!("2026-11-{:02}", n + 1);
    let r = s
        .paper(
            who,
            client,
            n,
            &date,
            "srs",
            json!({"relationship": srs, "goals": srs, "approach": srs, "overall": srs}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
}

on_both! {
    fn a_supervisor_follows_a_trainee_over_sessions(s) {
        let w = s.world().await;
        s.consent(&w.c1, w.client_c1, "transcripts").await;
        let plan = [(4, 0, 6.0), (3, 1, 7.0), (2, 2, 8.0), (1, 3, 9.0), (1, 4, 9.5)];
        for (n, (q, r, srs)) in plan.iter().enumerate() {
            session_with_srs(s, &w.c1, w.client_c1, n as u32 + 1, &session(*q, *r), *srs).await;
        }
        let path = format!("/api/v1/counsellors/{}/practice", w.c1.id);
        let r = s.get(Some(&w.sup), &path).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let p = r.json();
        assert_eq!(p["name"], "c1");
        assert_eq!(p["clients"], 1);
        assert_eq!(p["sessions_coded"], 5);
        let sessions = p["sessions"].as_array().unwrap();
        assert_eq!(sessions.iter().map(|s| s["srs"].as_f64().unwrap()).collect::<Vec<_>>(),
            [24.0, 28.0, 32.0, 36.0, 38.0]);
        assert!(sessions.iter().all(|s| s["summary"]["percent_open_questions"].is_number()));
        assert_eq!(p["alliance"][0]["instrument"], "srs");
        assert_eq!(p["alliance"][0]["answers"], 5);
        assert_eq!(p["alliance"][0]["mean"], 31.6);
        let together = &p["reflections_and_srs"];
        assert!(together["sessions"].as_u64().unwrap() >= 3, "{together}");
        // The trainee reads their own; the other counsellor and clinic do not.
        assert_eq!(s.get(Some(&w.c1), &path).await.status, StatusCode::OK);
        assert_eq!(s.get(Some(&w.c2), &path).await.status, StatusCode::NOT_FOUND);
        assert_eq!(s.get(Some(&w.d), &path).await.status, StatusCode::NOT_FOUND);

        // The list: the supervisor's supervisees (and their own line).
        let list = s.get(Some(&w.sup), "/api/v1/supervision").await.json();
        let names: Vec<&str> = list["counsellors"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["c1", "sup"]);
        let list = s.get(Some(&w.c2), "/api/v1/supervision").await.json();
        let names: Vec<&str> = list["counsellors"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["c2"]);

        // The pages.
        let page = s.get(Some(&w.sup), "/supervision").await;
        assert_eq!(page.status, StatusCode::OK);
        let html = page.html();
        assert!(html.contains(&format!("href=\"/supervision/{}\"", w.c1.id)));
        assert!(!html.contains("c2"), "only supervisees");
        let page = s.get(Some(&w.sup), &format!("/supervision/{}", w.c1.id)).await;
        assert_eq!(page.status, StatusCode::OK);
        let html = page.html();
        assert!(html.contains("Listening over time"));
        assert_eq!(html.matches("<svg").count(), 4, "the series index's four charts");
        assert!(html.contains("Reflections and the client's alliance"));
        assert!(html.contains(&format!("href=\"/clients/{}/sessions/5\"", w.client_c1)));
        assert!(html.contains("<td class=\"num\">38</td>"), "session 5's SRS beside its figures");
        // Each view is audited for the counsellor and for every client it summarises.
        assert_eq!(s.count("SELECT COUNT(*) FROM audit WHERE action = 'practice.view' AND outcome = 'ok' AND object LIKE 'user:%'").await, 3);
        assert_eq!(s.count(&format!("SELECT COUNT(*) FROM audit WHERE action = 'practice.view' AND object = 'client:{}'", w.client_c1)).await, 3);
        assert_eq!(s.count("SELECT COUNT(*) FROM audit WHERE action = 'practice.view' AND outcome = 'not_found'").await, 2);
    }

    fn a_counsellor_without_coded_sessions_has_an_empty_page(s) {
        let w = s.world().await;
        let page = s.get(Some(&w.c2), &format!("/supervision/{}", w.c2.id)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.html().contains("No coded sessions yet"));
        let p = s.get(Some(&w.c2), &format!("/api/v1/counsellors/{}/practice", w.c2.id)).await.json();
        assert_eq!(p["sessions_coded"], 0);
        assert_eq!(p["reflections_and_srs"]["r"], serde_json::Value::Null);
    }
}
