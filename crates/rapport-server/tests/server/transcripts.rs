//! Session transcripts in the server: consent before upload (409 naming it), bad
//! uploads refused naming the line with nothing stored, coding in the background
//! through the analysis library (the same codes `rapport analyze --fast` gives), the
//! session's report beside the client's ratings, a queue that survives a crash,
//! deletion that keeps the summary, comments, and every step audited.

use axum::http::{Method, StatusCode};
use rapport_analysis::{Analyzer, Mode, Silent};
use rapport_core::{InputFormat, ReadOptions, read_transcripts};
use serde_json::{Value, json};

use crate::harness::{Agent, Server, on_both};

/// A short Zoom-style session (written for these tests).
pub const SESSION: &str = "WEBVTT

1
00:00:01.000 --> 00:00:04.000
Dana: What brings you in today?

2
00:00:04.500 --> 00:00:09.000
Sam: My drinking. My wife says it is getting out of hand.

3
00:00:09.500 --> 00:00:13.000
Dana: Your wife is worried, and part of you wonders if she is right.

4
00:00:13.500 --> 00:00:18.000
Sam: Yes. I want to cut down before it costs me my job.

5
00:00:18.500 --> 00:00:21.000
Dana: Have you tried cutting down before?

6
00:00:21.500 --> 00:00:26.000
Sam: Once, but I do not really think it is a problem.

7
00:00:26.500 --> 00:00:31.000
Dana: You are not sure it is a problem, and still your job matters a lot to you.
";

/// A session whose only cue's timing is broken (line 4).
const BROKEN: &str = "WEBVTT

1
00:00:01.000 --> soon
Dana: What brings you in today?
";

/// A session whose second cue's timing is broken (line 7): read as the command line
/// reads it, the cue skipped with a notice naming the line.
const DAMAGED: &str = "WEBVTT

1
00:00:01.000 --> 00:00:04.000
Dana: What brings you in today?

00:00:04.500 --> soon
Sam: My drinking.

3
00:00:09.500 --> 00:00:13.000
Sam: My wife says it is getting out of hand.
";

/// Uploads `SESSION` for `client`'s session `n` and waits until it is coded.
pub async fn coded_session(s: &Server, who: &Agent, client: i64, n: u32) -> Value {
    let r = s.upload(who, client, n, "format=vtt", SESSION).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    let job = r.json()["job"].as_i64().expect("a job id");
    let done = s.finished_job(who, job).await;
    assert_eq!(done["state"], "done", "{done}");
    done
}

on_both! {
    fn an_upload_without_transcript_consent_is_refused_naming_it(s) {
        let w = s.world().await;
        s.consent(&w.c1, w.client_c1, "measures").await;
        let r = s.upload(&w.c1, w.client_c1, 1, "format=vtt", SESSION).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
        let error = r.json()["error"].as_str().unwrap().to_string();
        assert!(error.contains("consent to transcript analysis"), "{error}");
        assert!(error.contains("C1-001"), "{error}");
        assert_eq!(s.count("SELECT COUNT(*) FROM transcripts").await, 0);
        // Consent withdrawn after being given refuses too.
        s.consent(&w.c1, w.client_c1, "transcripts").await;
        let r = s.post_json(&w.c1, &format!("/api/v1/clients/{}/consents", w.client_c1),
            json!({"scope": "transcripts", "given": false})).await;
        assert_eq!(r.status, StatusCode::CREATED);
        let r = s.upload(&w.c1, w.client_c1, 1, "format=vtt", SESSION).await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert_eq!(s.count("SELECT COUNT(*) FROM transcripts").await, 0);
        assert_eq!(
            s.count("SELECT COUNT(*) FROM audit WHERE action = 'transcript.upload' AND outcome = 'invalid'").await,
            2
        );
    }

    fn damaged_uploads_are_refused_or_coded_never_a_crash(s) {
        use rand::{Rng, SeedableRng};
        let w = s.world().await;
        s.consent(&w.c1, w.client_c1, "transcripts").await;
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(7);
        let formats = ["vtt", "srt", "txt", "csv", "json"];
        let mut stored = 0;
        for case in 0..150u32 {
            // A real session cut, with bytes flipped, inserted or dropped.
            let mut bytes = SESSION.as_bytes().to_vec();
            bytes.truncate(rng.random_range(0..=bytes.len()));
            for _ in 0..rng.random_range(0..6) {
                if bytes.is_empty() {
                    break;
                }
                let at = rng.random_range(0..bytes.len());
                match rng.random_range(0..3) {
                    0 => bytes[at] = rng.random(),
                    1 => bytes.insert(at, rng.random()),
                    _ => {
                        bytes.remove(at);
                    }
                }
            }
            let format = formats[rng.random_range(0..formats.len())];
            let session = 100 + case;
            let r = s.req(Method::POST, &format!("/api/v1/clients/{}/sessions/{session}/transcript?format={format}", w.client_c1))
                .by(Some(&w.c1)).csrf(&w.c1).header("content-type", "application/octet-stream")
                .raw_bytes(bytes.clone()).send().await;
            match r.status {
                StatusCode::ACCEPTED => stored += 1,
                StatusCode::UNPROCESSABLE_ENTITY => {
                    let error = r.json()["error"].as_str().unwrap_or_default().to_string();
                    assert!(error.contains(&format!("session-{session}.{format}")), "names the file: {error}");
                }
                other => panic!("case {case} ({format}): {other} {}", r.text()),
            }
            assert_eq!(s.count("SELECT COUNT(*) FROM transcripts").await, stored, "case {case}");
        }
        assert!(stored > 0 && stored < 150, "{stored} of 150 accepted");
    }

    fn withdrawing_transcript_consent_removes_what_is_not_yet_coded(s) {
        let w = s.world().await;
        s.consent(&w.c1, w.client_c1, "transcripts").await;
        coded_session(s, &w.c1, w.client_c1, 1).await;
        let second = coded_session(s, &w.c1, w.client_c1, 2).await["job"].as_i64().unwrap();
        // Session 2 as a worker still coding it leaves it (running rows are never claimed
        // again while the server runs, so nothing codes it behind the test's back).
        s.execute(&format!(
            "UPDATE transcripts SET state = 'running', coded = NULL, summary = NULL WHERE id = {second}"
        )).await.unwrap();
        let withdraw = json!({"scope": "transcripts", "given": false});
        let consents = format!("/api/v1/clients/{}/consents", w.client_c1);
        // Withdrawing consent to measures, or giving transcript consent again, removes none.
        s.post_json(&w.c1, &consents, json!({"scope": "measures", "given": false})).await;
        s.consent(&w.c1, w.client_c1, "transcripts").await;
        assert_eq!(s.count("SELECT COUNT(*) FROM transcripts").await, 2);
        let r = s.post_json(&w.c1, &consents, withdraw.clone()).await;
        assert_eq!(r.status, StatusCode::CREATED);
        // The uncoded transcript is gone, text and job; the worker's result lands nowhere.
        assert_eq!(s.count(&format!("SELECT COUNT(*) FROM transcripts WHERE id = {second}")).await, 0);
        assert_eq!(s.get(Some(&w.c1), &format!("/api/v1/jobs/{second}")).await.status, StatusCode::NOT_FOUND);
        // The coded one stays until a counsellor deletes it.
        let session = s.get(Some(&w.c1), &format!("/api/v1/clients/{}/sessions/1", w.client_c1)).await.json();
        assert_eq!(session["coded"]["utterances"].as_array().unwrap().len(), 7);
        assert_eq!(s.count("SELECT COUNT(*) FROM audit WHERE action = 'transcript.withdraw'").await, 1);
        // Withdrawing again removes nothing more.
        s.post_json(&w.c1, &consents, withdraw).await;
        assert_eq!(s.count("SELECT COUNT(*) FROM transcripts").await, 1);
        assert_eq!(s.count("SELECT COUNT(*) FROM audit WHERE action = 'transcript.withdraw'").await, 1);
    }

    fn a_bad_upload_names_the_line_and_stores_nothing(s) {
        let w = s.world().await;
        s.consent(&w.c1, w.client_c1, "transcripts").await;
        let r = s.upload(&w.c1, w.client_c1, 1, "format=vtt", BROKEN).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        let error = r.json()["error"].as_str().unwrap().to_string();
        assert!(error.contains("session-1.vtt:4"), "names the file and line: {error}");
        // No format, an unknown one, an empty file, two sessions in one CSV.
        let r = s.upload(&w.c1, w.client_c1, 1, "", SESSION).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.json()["item"], "format");
        let r = s.upload(&w.c1, w.client_c1, 1, "format=docx", SESSION).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.json()["error"].as_str().unwrap().contains("docx"));
        let r = s.upload(&w.c1, w.client_c1, 1, "format=vtt", "").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let two = "transcript_id,speaker,text\na,counselor,How are you?\nb,counselor,And you?\n";
        let r = s.upload(&w.c1, w.client_c1, 1, "format=csv", two).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        assert!(r.json()["error"].as_str().unwrap().contains("2 sessions"));
        let r = s.upload(&w.c1, w.client_c1, 1, "format=json", "{\"sessions\": [").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        assert_eq!(s.count("SELECT COUNT(*) FROM transcripts").await, 0);
        // A damaged cue among good ones is skipped, as the command line skips it, and
        // the notice names its line, in the answer and on the job.
        let r = s.upload(&w.c1, w.client_c1, 1, "format=vtt", DAMAGED).await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
        let notice = r.json()["notices"][0].as_str().unwrap().to_string();
        assert!(notice.contains("session-1.vtt:7"), "{notice}");
        let done = s.finished_job(&w.c1, r.json()["job"].as_i64().unwrap()).await;
        assert_eq!(done["notices"][0], notice.as_str());
        let page = s.get(Some(&w.c1), &format!("/clients/{}/sessions/1", w.client_c1)).await.html();
        assert!(page.contains("session-1.vtt:7"));
    }

    fn an_upload_is_coded_as_rapport_analyze_codes_it(s) {
        let w = s.world().await;
        s.consent(&w.c1, w.client_c1, "transcripts").await;
        let r = s.paper(&w.c1, w.client_c1, 1, "2026-11-30", "srs",
            json!({"relationship": 9, "goals": 8.5, "approach": 9, "overall": 9.5})).await;
        assert_eq!(r.status, StatusCode::CREATED);
        let done = coded_session(s, &w.c1, w.client_c1, 1).await;
        assert!(done.get("error").is_none());

        let r = s.get(Some(&w.c1), &format!("/api/v1/clients/{}/sessions/1", w.client_c1)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let session = r.json();
        // Exactly what the analysis library gives for the same file.
        let analyzer = Analyzer::load(Mode::Fast, None).unwrap();
        let read = read_transcripts("session-1.vtt", SESSION.as_bytes(), InputFormat::Vtt,
            &ReadOptions::default()).unwrap();
        let expected = analyzer.code(&read.transcripts, &Silent).unwrap();
        assert_eq!(session["coded"], serde_json::to_value(&expected[0]).unwrap());
        assert_eq!(session["coded"]["utterances"].as_array().unwrap().len(), 7);
        assert_eq!(session["summary"], session["coded"]["summary"]);
        assert_eq!(session["transcript"]["state"], "done");
        let srs = &session["measures"][0];
        assert_eq!(srs["instrument"], "srs");
        assert_eq!(srs["total"], 36.0);
        assert!(session["accuracy"]["model"].is_string());

        // The page: the report's sections in the server's layout, the ratings beside.
        let page = s.get(Some(&w.c1), &format!("/clients/{}/sessions/1", w.client_c1)).await;
        assert_eq!(page.status, StatusCode::OK);
        let html = page.html();
        assert!(html.contains("Rapport session report"), "the report itself");
        assert!(html.contains("The client's ratings of this session"));
        assert!(html.contains("<td class=\"num\">36</td>"), "the SRS total beside it");
        assert!(html.contains("href=\"/static/app.css\""), "inside the server's layout");
        assert!(html.contains("I want to cut down"), "the coded transcript");
        assert!(!html.contains("http-equiv=\"refresh\""), "no reloading once coded");
        // The supervisor reads it; another counsellor and another clinic do not.
        let r = s.get(Some(&w.sup), &format!("/api/v1/clients/{}/sessions/1", w.client_c1)).await;
        assert_eq!(r.status, StatusCode::OK);
        for who in [&w.c2, &w.d] {
            let r = s.get(Some(who), &format!("/api/v1/clients/{}/sessions/1", w.client_c1)).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND);
            let r = s.get(Some(who), &format!("/api/v1/jobs/{}", done["job"])).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND);
        }
        assert!(s.count("SELECT COUNT(*) FROM audit WHERE action = 'session.view' AND outcome = 'ok'").await >= 3);
        assert_eq!(s.count("SELECT COUNT(*) FROM audit WHERE action = 'transcript.upload' AND outcome = 'ok'").await, 1);
    }

    fn the_page_uploads_a_file_with_its_form(s) {
        let w = s.world().await;
        s.consent(&w.c1, w.client_c1, "transcripts").await;
        let page = s.get(Some(&w.c1), &format!("/clients/{}/sessions/2", w.client_c1)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.html().contains("enctype=\"multipart/form-data\""));
        // Without the form's CSRF field: refused, nothing stored.
        let r = s.req(Method::POST, &format!("/clients/{}/transcripts", w.client_c1))
            .by(Some(&w.c1))
            .multipart(&[("session", "2")], "week 2.vtt", SESSION)
            .send().await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(s.count("SELECT COUNT(*) FROM transcripts").await, 0);
        let r = s.req(Method::POST, &format!("/clients/{}/transcripts", w.client_c1))
            .by(Some(&w.c1))
            .multipart(&[("csrf", w.c1.csrf.as_str()), ("session", "2"), ("counselor", "Dana")], "week 2.vtt", SESSION)
            .send().await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        assert_eq!(r.location().as_deref(), Some(&*format!("/clients/{}/sessions/2", w.client_c1)));
        let job = s.count("SELECT id FROM transcripts").await;
        let done = s.finished_job(&w.c1, job).await;
        assert_eq!(done["state"], "done");
        let session = s.get(Some(&w.c1), &format!("/api/v1/clients/{}/sessions/2", w.client_c1)).await.json();
        assert_eq!(session["transcript"]["session"], 2);
        assert_eq!(session["coded"]["id"], "week 2");
        // A second upload to the same session is refused until the first is deleted.
        let r = s.upload(&w.c1, w.client_c1, 2, "format=vtt", SESSION).await;
        assert_eq!(r.status, StatusCode::CONFLICT);
    }

    fn a_supervisor_reads_but_neither_uploads_nor_deletes(s) {
        let w = s.world().await;
        s.consent(&w.c1, w.client_c1, "transcripts").await;
        let r = s.upload(&w.sup, w.client_c1, 1, "format=vtt", SESSION).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        coded_session(s, &w.c1, w.client_c1, 1).await;
        let r = s.req(Method::DELETE, &format!("/api/v1/clients/{}/sessions/1/transcript", w.client_c1))
            .by(Some(&w.sup)).csrf(&w.sup).send().await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        for who in [&w.c2, &w.d] {
            let r = s.upload(who, w.client_c1, 3, "format=vtt", SESSION).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND);
        }
        assert_eq!(s.count("SELECT COUNT(*) FROM transcripts WHERE body IS NOT NULL").await, 1);
    }

    fn deleting_removes_the_text_and_codes_and_keeps_the_figures(s) {
        let w = s.world().await;
        s.consent(&w.c1, w.client_c1, "transcripts").await;
        coded_session(s, &w.c1, w.client_c1, 1).await;
        let before = s.get(Some(&w.c1), &format!("/api/v1/clients/{}/sessions/1", w.client_c1)).await.json();
        let r = s.req(Method::DELETE, &format!("/api/v1/clients/{}/sessions/1/transcript", w.client_c1))
            .by(Some(&w.c1)).csrf(&w.c1).send().await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
        let after = s.get(Some(&w.c1), &format!("/api/v1/clients/{}/sessions/1", w.client_c1)).await.json();
        assert_eq!(after["coded"], Value::Null);
        assert_eq!(after["summary"], before["summary"]);
        assert_eq!(s.count("SELECT COUNT(*) FROM transcripts WHERE body IS NOT NULL OR coded IS NOT NULL").await, 0);
        // Not one word of the transcript is left in the database.
        let leftovers = s.rows("SELECT COALESCE(body, '') || COALESCE(coded, '') || COALESCE(summary, '') FROM transcripts").await;
        assert!(leftovers.iter().all(|r| !r.contains("cut down") && !r.contains("Y3V0IGRvd24")));
        let page = s.get(Some(&w.c1), &format!("/clients/{}/sessions/1", w.client_c1)).await.html();
        assert!(page.contains("deleted (the summary figures are kept)"));
        assert!(!page.contains("I want to cut down"));
        // Deleting again finds nothing; a new upload replaces the deleted one.
        let r = s.req(Method::DELETE, &format!("/api/v1/clients/{}/sessions/1/transcript", w.client_c1))
            .by(Some(&w.c1)).csrf(&w.c1).send().await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        coded_session(s, &w.c1, w.client_c1, 1).await;
        assert_eq!(s.count("SELECT COUNT(*) FROM audit WHERE action = 'transcript.delete' AND outcome = 'ok'").await, 1);
        assert_eq!(s.count("SELECT COUNT(*) FROM audit WHERE action = 'transcript.delete' AND outcome = 'not_found'").await, 1);
    }

    fn a_deleted_transcripts_id_is_never_given_to_another(s) {
        let w = s.world().await;
        s.consent(&w.c1, w.client_c1, "transcripts").await;
        s.consent(&w.sup, w.client_sup, "transcripts").await;
        let first = s.upload(&w.c1, w.client_c1, 1, "format=vtt", SESSION).await.json()["job"].as_i64().unwrap();
        // Deleted at once (whole, if not yet coded); as a worker still coding it would.
        s.req(Method::DELETE, &format!("/api/v1/clients/{}/sessions/1/transcript", w.client_c1))
            .by(Some(&w.c1)).csrf(&w.c1).send().await;
        s.execute("DELETE FROM transcripts").await.unwrap();
        let second = s.upload(&w.sup, w.client_sup, 1, "format=vtt", SESSION).await.json()["job"].as_i64().unwrap();
        assert!(second > first, "ids are never reused: {first} then {second}");
        // A stale worker's result for the old id lands nowhere.
        assert_eq!(s.count(&format!("SELECT COUNT(*) FROM transcripts WHERE id = {first}")).await, 0);
    }

    fn a_job_a_crash_left_running_is_coded_when_the_server_starts_again(s) {
        let w = s.world().await;
        s.consent(&w.c1, w.client_c1, "transcripts").await;
        let job = coded_session(s, &w.c1, w.client_c1, 1).await["job"].as_i64().unwrap();
        // As a server killed mid-coding leaves it: running, no codes.
        s.execute(&format!("UPDATE transcripts SET state = 'running', coded = NULL, summary = NULL WHERE id = {job}")).await.unwrap();
        let restarted = rapport_server::AppState::coding_with(
            s.state.db.clone(), s.clock.clone(), rapport_server::Exposure::default(), Mode::Fast);
        rapport_server::coding::start(&restarted);
        let done = s.finished_job(&w.c1, job).await;
        assert_eq!(done["state"], "done");
        let session = s.get(Some(&w.c1), &format!("/api/v1/clients/{}/sessions/1", w.client_c1)).await.json();
        assert_eq!(session["coded"]["utterances"].as_array().unwrap().len(), 7);
    }

    fn supervisor_and_counsellor_comment_on_a_session(s) {
        let w = s.world().await;
        let path = format!("/api/v1/clients/{}/sessions/1/comments", w.client_c1);
        let r = s.post_json(&w.sup, &path, json!({"body": "Lovely complex reflection at 0:26."})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let r = s.post_json(&w.c1, &path, json!({"body": "Thanks, I will try more of those."})).await;
        assert_eq!(r.status, StatusCode::CREATED);
        let r = s.post_json(&w.sup, &path, json!({"body": "   "})).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        for who in [&w.c2, &w.d] {
            let r = s.post_json(who, &path, json!({"body": "nosy"})).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND);
        }
        let session = s.get(Some(&w.c1), &format!("/api/v1/clients/{}/sessions/1", w.client_c1)).await.json();
        let comments = session["comments"].as_array().unwrap();
        assert_eq!(comments.len(), 2);
        assert_eq!(comments[0]["author"], "sup");
        let page = s.get(Some(&w.c1), &format!("/clients/{}/sessions/1", w.client_c1)).await.html();
        assert!(page.contains("Lovely complex reflection at 0:26."));
        // The page's form.
        let r = s.post_form(&w.sup, &format!("/clients/{}/sessions/1/comments", w.client_c1),
            &[("body", "<script>alert(1)</script>")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let page = s.get(Some(&w.sup), &format!("/clients/{}/sessions/1", w.client_c1)).await.html();
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "escaped");
        assert_eq!(s.count("SELECT COUNT(*) FROM audit WHERE action = 'comment.create' AND outcome = 'ok'").await, 3);
        let audit = s.rows("SELECT object FROM audit WHERE action = 'comment.create'").await;
        assert!(audit.iter().all(|o| !o.contains("reflection")), "no text in the audit log");
    }
}
