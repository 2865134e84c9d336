//! The audit log: every view and change of a client's data (and every refusal) is an
//! entry of who, what, when, from where and the outcome; entries carry no answers, notes
//! or client codes; the database refuses to change or delete them; only admins read
//! them, each their own clinic's. And consent: events are kept, withdrawal included.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::harness::{START, on_both};

on_both! {
    fn every_view_and_change_of_client_data_is_audited(s) {
        let w = s.world().await;
        let c = w.client_c1;
        let ip = "203.0.113.9";
        let before = s.count("SELECT COUNT(*) FROM audit").await;
        s.clock.advance(100);
        let at = START + 100;
        let send = |method: Method, path: String| s.req(method, &path).by(Some(&w.c1)).csrf(&w.c1).peer(ip);
        assert_eq!(send(Method::GET, format!("/api/v1/clients/{c}")).send().await.status, StatusCode::OK);
        assert_eq!(send(Method::GET, format!("/clients/{c}")).send().await.status, StatusCode::OK);
        assert_eq!(send(Method::GET, "/api/v1/clients".into()).send().await.status, StatusCode::OK);
        assert_eq!(send(Method::GET, "/api/v1/alerts".into()).send().await.status, StatusCode::OK);
        assert_eq!(send(Method::GET, "/".into()).send().await.status, StatusCode::OK);
        let r = send(Method::POST, format!("/api/v1/clients/{c}/links")).json(&json!({"instruments": ["srs"], "session": 1})).send().await;
        assert_eq!(r.status, StatusCode::CREATED);
        let url = r.json()["url"].as_str().unwrap().to_string();
        let r = send(Method::POST, format!("/api/v1/clients/{c}/responses")).json(&json!({
            "session": 2, "date": "2026-11-30", "instrument": "srs",
            "answers": {"relationship": 9.5, "goals": 9.25, "approach": 9.75, "overall": 9.125}})).send().await;
        assert_eq!(r.status, StatusCode::CREATED);
        let r = send(Method::POST, format!("/api/v1/clients/{c}/consents")).json(&json!({"scope": "measures", "given": true})).send().await;
        assert_eq!(r.status, StatusCode::CREATED);
        let r = s.req(Method::POST, &url).peer("198.51.100.1")
            .json(&json!({"answers": {"srs": {"relationship": 8.5, "goals": 8.25, "approach": 8.75, "overall": 8.125}}})).send().await;
        assert_eq!(r.status, StatusCode::CREATED);
        // Refusals: another counsellor looking, a supervisor changing.
        let r = s.req(Method::GET, &format!("/api/v1/clients/{c}")).by(Some(&w.c2)).peer(ip).send().await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = s.req(Method::POST, &format!("/api/v1/clients/{c}/consents")).by(Some(&w.sup)).csrf(&w.sup).peer(ip)
            .json(&json!({"scope": "measures", "given": false})).send().await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        // A change refused as bad input: outcome `invalid`, and still no answers logged.
        let r = send(Method::POST, format!("/api/v1/clients/{c}/responses")).json(&json!({
            "session": 3, "date": "2026-11-30", "instrument": "srs",
            "answers": {"relationship": 19.25, "goals": 9.25}})).send().await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

        let rows = s.rows(&format!(
            "SELECT at, user_id, actor, action, object, address, outcome FROM audit WHERE id > {before} ORDER BY id")).await;
        let u = w.c1.id;
        let expected = vec![
            format!("{at}|{u}|user:{u}|client.view|client:{c}|{ip}|ok"),
            format!("{at}|{u}|user:{u}|client.view|client:{c}|{ip}|ok"),
            format!("{at}|{u}|user:{u}|client.list|caseload|{ip}|ok"),
            format!("{at}|{u}|user:{u}|alert.list|caseload|{ip}|ok"),
            format!("{at}|{u}|user:{u}|caseload.view|caseload|{ip}|ok"),
            format!("{at}|{u}|user:{u}|link.create|client:{c}|{ip}|ok"),
            format!("{at}|{u}|user:{u}|response.enter|client:{c}|{ip}|ok"),
            format!("{at}|{u}|user:{u}|consent.record|client:{c}|{ip}|ok"),
            format!("{at}|NULL|link:1|response.submit|client:{c}|198.51.100.1|ok"),
            format!("{at}|{}|user:{}|client.view|client:{c}|{ip}|not_found", w.c2.id, w.c2.id),
            format!("{at}|{}|user:{}|consent.record|client:{c}|{ip}|denied", w.sup.id, w.sup.id),
            format!("{at}|{u}|user:{u}|response.enter|client:{c}|{ip}|invalid"),
        ];
        let link_id = s.count("SELECT id FROM links").await;
        let expected: Vec<String> = expected.into_iter().map(|e| e.replace("link:1|", &format!("link:{link_id}|"))).collect();
        assert_eq!(rows, expected);
        // No answers, codes or notes in the log.
        let all = s.rows("SELECT actor, action, object, address, outcome FROM audit").await.join("\n");
        for secret in ["C1-001", "9.25", "8.25", "19.25", "relationship", "measures", "correct horse"] {
            assert!(!all.contains(secret), "{secret} in the audit log");
        }
    }

    fn the_audit_log_is_append_only_and_only_admins_read_it(s) {
        let w = s.world().await;
        assert_ne!(w.clinic_a, w.clinic_b);
        s.get(Some(&w.c1), &format!("/api/v1/clients/{}", w.client_c1)).await;
        let n = s.count("SELECT COUNT(*) FROM audit").await;
        assert!(n > 0);
        assert!(s.execute("UPDATE audit SET outcome = 'ok' WHERE id = 1").await.is_err(), "UPDATE must fail");
        assert!(s.execute("UPDATE audit SET address = 'elsewhere'").await.is_err(), "UPDATE must fail");
        assert!(s.execute("DELETE FROM audit WHERE id = 1").await.is_err(), "DELETE must fail");
        assert!(s.execute("DELETE FROM audit").await.is_err(), "DELETE must fail");
        assert_eq!(s.count("SELECT COUNT(*) FROM audit").await, n);
        assert_eq!(s.count("SELECT COUNT(*) FROM audit WHERE address = 'elsewhere'").await, 0);
        // Admins read their own clinic's entries; no one else reads any.
        let r = s.get(Some(&w.admin), "/api/v1/audit").await;
        assert_eq!(r.status, StatusCode::OK);
        let entries = r.json()["entries"].as_array().unwrap().clone();
        assert!(entries.iter().any(|e| e["action"] == "client.view" && e["user_id"] == w.c1.id));
        let clinic_b_users = [w.admin_b.id, w.d.id];
        assert!(entries.iter().all(|e| !clinic_b_users.contains(&e["user_id"].as_i64().unwrap_or(0))));
        let b = s.get(Some(&w.admin_b), "/api/v1/audit").await.json();
        assert!(b["entries"].as_array().unwrap().iter().all(|e| e["action"] != "client.view"));
        assert!(s.get(Some(&w.admin), "/admin/audit").await.text().contains("client.view"));
        for who in [&w.c1, &w.sup, &w.c2] {
            assert_eq!(s.get(Some(who), "/api/v1/audit").await.status, StatusCode::FORBIDDEN);
            assert_eq!(s.get(Some(who), "/admin/audit").await.status, StatusCode::FORBIDDEN);
        }
        assert_eq!(s.get(None, "/api/v1/audit").await.status, StatusCode::UNAUTHORIZED);
        // Reading the log is itself audited.
        assert!(s.count("SELECT COUNT(*) FROM audit WHERE action = 'audit.view'").await >= 2);
    }

    fn consent_is_a_list_of_events_and_withdrawal_is_kept(s) {
        let w = s.world().await;
        let c = w.client_c1;
        let path = format!("/api/v1/clients/{c}/consents");
        for (scope, given) in [("measures", true), ("transcripts", true)] {
            let r = s.post_json(&w.c1, &path, json!({"scope": scope, "given": given})).await;
            assert_eq!(r.status, StatusCode::CREATED);
            s.clock.advance(10);
        }
        let r = s.post_form(&w.c1, &format!("/clients/{c}/consents"), &[("scope", "transcripts"), ("given", "false")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let r = s.post_json(&w.c1, &path, json!({"scope": "everything", "given": true})).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let record = s.get(Some(&w.c1), &format!("/api/v1/clients/{c}")).await.json();
        let events: Vec<(String, bool, i64)> = record["consents"].as_array().unwrap().iter()
            .map(|e| (e["scope"].as_str().unwrap().into(), e["given"].as_bool().unwrap(), e["recorded_at"].as_i64().unwrap()))
            .collect();
        assert_eq!(events, vec![
            ("measures".to_string(), true, START),
            ("transcripts".to_string(), true, START + 10),
            ("transcripts".to_string(), false, START + 20),
        ]);
        assert_eq!(record["consents"][2]["recorded_by"], "c1");
        assert_eq!(s.count(&format!("SELECT COUNT(*) FROM consents WHERE client_id = {c}")).await, 3);
        assert_eq!(s.count("SELECT COUNT(*) FROM audit WHERE action = 'consent.record' AND outcome = 'ok'").await, 3);
        // The client page shows the latest word.
        let page = s.get(Some(&w.c1), &format!("/clients/{c}")).await.text();
        assert!(page.contains("Recording and transcript analysis"));
    }
}
