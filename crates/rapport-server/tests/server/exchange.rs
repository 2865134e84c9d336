//! Data in and out: exports in the command line's formats (CSV, FHIR Bundle, coded
//! transcripts as JSON) to whoever may read the client, a de-identified research export
//! for admins, and imports that name every bad row and store nothing unless all is well.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{Agent, Server, on_both};
use crate::transcripts::coded_session;

/// Three answers for `client`: SRS at sessions 1 and 2, PHQ-9 at session 1.
async fn three_answers(s: &Server, who: &Agent, client: i64) {
    let srs = |x: f64| json!({"relationship": x, "goals": 9, "approach": 9, "overall": 9});
    for (n, date, answers) in [(1, "2026-11-02", srs(7.5)), (2, "2026-11-09", srs(9.0))] {
        let r = s.paper(who, client, n, date, "srs", answers).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    }
    let phq: Value = (1..=9)
        .map(|i| (format!("item{i}"), json!(1)))
        .collect::<serde_json::Map<_, _>>()
        .into();
    let r = s.paper(who, client, 1, "2026-11-02", "phq-9", phq).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
}

async fn import(s: &Server, who: &Agent, format: &str, body: &str) -> crate::harness::Resp {
    let mut req = s
        .req(Method::POST, &format!("/api/v1/import?format={format}"))
        .by(Some(who))
        .csrf(who)
        .header("content-type", "text/plain");
    req = req.raw(body);
    req.send().await
}

on_both! {
    fn an_export_imports_into_another_clinic_unchanged(s) {
        let w = s.world().await;
        three_answers(s, &w.c1, w.client_c1).await;
        for format in ["csv", "fhir"] {
            let path = format!("/api/v1/export?format={format}&client={}", w.client_c1);
            let r = s.get(Some(&w.c1), &path).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
            assert!(r.header("content-disposition").unwrap().contains("rapport-C1-001"));
            let exported = r.text();
            if format == "csv" {
                assert!(exported.starts_with("client,session,date,instrument,"), "{exported}");
                assert_eq!(exported.lines().count(), 4);
            } else {
                assert_eq!(serde_json::from_str::<Value>(&exported).unwrap()["resourceType"], "Bundle");
            }
            // Clinic B's counsellor imports it: the client is created as theirs.
            let r = import(s, &w.d, format, &exported).await;
            assert_eq!(r.status, StatusCode::CREATED, "{format}: {}", r.text());
            assert_eq!(r.json()["responses"], 3);
            let d_client = s.count("SELECT id FROM clients WHERE code = 'C1-001' AND clinic_id <> (SELECT clinic_id FROM clients WHERE id = 1)").await;
            let again = s.get(Some(&w.d), &format!("/api/v1/export?format={format}&client={d_client}")).await.text();
            assert_eq!(again, exported, "{format} round trip");
            // Importing the same answers twice stores nothing the second time.
            let r = import(s, &w.d, format, &exported).await;
            assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
            assert!(r.json()["error"].as_str().unwrap().contains("already stored"));
            // Start the next format afresh.
            s.execute(&format!("DELETE FROM responses WHERE client_id = {d_client}")).await.unwrap();
        }
        assert!(s.count("SELECT COUNT(*) FROM audit WHERE action = 'import' AND outcome = 'ok'").await >= 2);
        assert!(s.count("SELECT COUNT(*) FROM audit WHERE action LIKE 'export.%' AND outcome = 'ok'").await >= 4);
    }

    fn who_may_export_what(s) {
        let w = s.world().await;
        three_answers(s, &w.c1, w.client_c1).await;
        let one = format!("/api/v1/export?format=csv&client={}", w.client_c1);
        assert_eq!(s.get(Some(&w.sup), &one).await.status, StatusCode::OK, "the supervisor");
        assert_eq!(s.get(Some(&w.admin), &one).await.status, StatusCode::OK, "the clinic's admin");
        for who in [&w.c2, &w.d, &w.admin_b] {
            assert_eq!(s.get(Some(who), &one).await.status, StatusCode::NOT_FOUND, "{}", who.email);
        }
        let clinic = "/api/v1/export?format=csv";
        assert_eq!(s.get(Some(&w.c1), clinic).await.status, StatusCode::FORBIDDEN);
        let all = s.get(Some(&w.admin), clinic).await;
        assert_eq!(all.status, StatusCode::OK);
        assert_eq!(all.text().lines().count(), 4);
        let other = s.get(Some(&w.admin_b), clinic).await.text();
        assert!(!other.contains("C1-001"), "another clinic's export holds none of ours");
        assert_eq!(s.get(Some(&w.c1), "/api/v1/export?format=docx").await.status, StatusCode::BAD_REQUEST);
        assert_eq!(s.count("SELECT COUNT(*) FROM audit WHERE action = 'export.csv' AND outcome = 'not_found'").await, 3);
        assert_eq!(s.count("SELECT COUNT(*) FROM audit WHERE action = 'export.csv' AND outcome = 'denied'").await, 1);
    }

    fn coded_transcripts_export_as_analyze_json(s) {
        let w = s.world().await;
        s.consent(&w.c1, w.client_c1, "transcripts").await;
        coded_session(s, &w.c1, w.client_c1, 1).await;
        let session = s.get(Some(&w.c1), &format!("/api/v1/clients/{}/sessions/1", w.client_c1)).await.json();
        let r = s.get(Some(&w.c1), &format!("/api/v1/export?format=json&client={}", w.client_c1)).await;
        assert_eq!(r.status, StatusCode::OK);
        let report = r.json();
        assert_eq!(report["sessions"].as_array().unwrap().len(), 1);
        assert_eq!(report["sessions"][0], session["coded"]);
    }

    fn the_research_export_is_de_identified(s) {
        let w = s.world().await;
        three_answers(s, &w.c1, w.client_c1).await;
        s.consent(&w.c1, w.client_c1, "transcripts").await;
        coded_session(s, &w.c1, w.client_c1, 1).await;
        s.post_json(&w.sup, &format!("/api/v1/clients/{}/sessions/1/comments", w.client_c1),
            json!({"body": "Ask about the job next time."})).await;
        let csv = s.get(Some(&w.admin), "/api/v1/export/research?format=csv").await;
        assert_eq!(csv.status, StatusCode::OK, "{}", csv.text());
        let csv = csv.text();
        assert!(!csv.contains("C1-001"), "no client code");
        assert!(!csv.contains("2026-11-02") || !csv.contains("2026-11-09"), "dates shifted");
        let rows: Vec<Vec<&str>> = csv.lines().skip(1).map(|l| l.split(',').collect()).collect();
        let code = rows[0][0];
        assert!(code.starts_with("R-"));
        // Within a client, intervals are kept: SRS sessions 1 and 2 stay a week apart.
        let dates: Vec<chrono::NaiveDate> = rows.iter().filter(|r| r[3] == "srs")
            .map(|r| chrono::NaiveDate::parse_from_str(r[2], "%Y-%m-%d").unwrap()).collect();
        assert_eq!((dates[1] - dates[0]).num_days(), 7);
        // A fresh draw per export.
        let again = s.get(Some(&w.admin), "/api/v1/export/research?format=csv").await.text();
        assert_ne!(again.lines().nth(1).unwrap().split(',').next().unwrap(), code);
        // Coded transcripts: figures and codes, no words and no names, unless asked.
        let json = s.get(Some(&w.admin), "/api/v1/export/research?format=json").await.text();
        for private in ["C1-001", "cut down", "Dana", "Sam", "Ask about the job", "session-1.vtt"] {
            assert!(!json.contains(private), "{private} in the research export");
        }
        let report: Value = serde_json::from_str(&json).unwrap();
        let session = &report["sessions"][0];
        assert!(session["id"].as_str().unwrap().starts_with("R-"));
        assert!(session["summary"]["reflection_to_question_ratio"].is_number() || session["summary"]["reflection_to_question_ratio"].is_null());
        assert!(session["utterances"].as_array().unwrap().iter().all(|u| u["text"] == "" && u["name"].is_null()));
        let with_text = s.get(Some(&w.admin), "/api/v1/export/research?format=json&text=true").await.text();
        assert!(with_text.contains("cut down") && !with_text.contains("Dana"));
        // Admins only; audited.
        assert_eq!(s.get(Some(&w.c1), "/api/v1/export/research?format=csv").await.status, StatusCode::FORBIDDEN);
        assert_eq!(s.count("SELECT COUNT(*) FROM audit WHERE action = 'export.research'").await, 3);
        assert_eq!(s.count("SELECT COUNT(*) FROM audit WHERE action = 'export.research_with_text'").await, 1);
    }

    fn a_bad_import_names_the_row_and_stores_nothing(s) {
        let w = s.world().await;
        let clients_before = s.count("SELECT COUNT(*) FROM clients").await;
        let csv = "client,session,date,instrument,relationship,goals,approach,overall\n\
                   NEW-1,1,2026-11-02,srs,9,9,9,9\n\
                   NEW-1,2,2026-11-09,srs,9,99,9,9\n\
                   NEW-2,1,2026-13-01,srs,9,9,9,9\n";
        let r = import(s, &w.c1, "csv", csv).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        let error = r.json()["error"].as_str().unwrap().to_string();
        assert!(error.contains("import.csv") && error.contains('3') && error.contains('4'), "names rows 3 and 4: {error}");
        assert_eq!(s.count("SELECT COUNT(*) FROM responses").await, 0);
        assert_eq!(s.count("SELECT COUNT(*) FROM clients").await, clients_before);
        // Another counsellor's client: refused whole, nothing stored (not even NEW-1).
        let csv = "client,session,date,instrument,relationship,goals,approach,overall\n\
                   NEW-1,1,2026-11-02,srs,9,9,9,9\n\
                   C2-001,1,2026-11-02,srs,9,9,9,9\n";
        let r = import(s, &w.c1, "csv", csv).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        assert_eq!(s.count("SELECT COUNT(*) FROM responses").await, 0);
        assert_eq!(s.count("SELECT COUNT(*) FROM clients").await, clients_before);
        // A FHIR Bundle that is not JSON names its line.
        let r = import(s, &w.c1, "fhir", "{\n  \"resourceType\": \"Bundle\",\n  oops\n}").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.json()["error"].as_str().unwrap().contains("import.fhir"), "{}", r.text());
        let r = import(s, &w.c1, "xlsx", "x").await;
        assert_eq!(r.json()["item"], "format");
        // A good file then goes in whole.
        let csv = "client,session,date,instrument,relationship,goals,approach,overall\n\
                   NEW-1,1,2026-11-02,srs,9,9,9,9\n\
                   C1-001,1,2026-11-02,srs,8,8,8,8\n";
        let r = import(s, &w.c1, "csv", csv).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        assert_eq!(r.json()["clients_created"], 1);
        assert_eq!(s.count("SELECT COUNT(*) FROM responses WHERE source = 'import'").await, 2);
        assert_eq!(s.count("SELECT COUNT(*) FROM audit WHERE action = 'import' AND outcome = 'invalid'").await, 4);
    }

    fn a_counsellor_imports_from_the_page(s) {
        let w = s.world().await;
        assert_eq!(s.get(Some(&w.c1), "/import").await.status, StatusCode::OK);
        let csv = "client,session,date,instrument,relationship,goals,approach,overall\nNEW-9,1,2026-11-02,srs,9,9,9,9\n";
        let r = s.req(Method::POST, "/import").by(Some(&w.c1))
            .multipart(&[("csrf", w.c1.csrf.as_str()), ("format", "csv")], "old-system.csv", csv)
            .send().await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert!(r.html().contains("Imported 1 answer (1 new client)."));
        let bad = "client,session,date,instrument,relationship,goals,approach,overall\nNEW-9,2,2026-11-02,srs,9,99,9,9\n";
        let r = s.req(Method::POST, "/import").by(Some(&w.c1))
            .multipart(&[("csrf", w.c1.csrf.as_str()), ("format", "csv")], "old-system.csv", bad)
            .send().await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.html().contains("old-system.csv"), "names the file");
        assert_eq!(s.count("SELECT COUNT(*) FROM responses").await, 1);
    }
}
