//! Alerts: each kind (a PHQ-9 self-harm item above 0, an alliance score below its
//! cut-off, an unrepaired rupture, reliable deterioration, a link that expired
//! unanswered) reaches the client's counsellor (and their supervisor) and no one else;
//! acknowledging one needs a note, closes it and is audited without the note.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::harness::{Agent, Server, on_both};

fn same(v: f64, items: &[&str]) -> Value {
    Value::Object(items.iter().map(|i| (i.to_string(), json!(v))).collect())
}

const SRS: [&str; 4] = ["relationship", "goals", "approach", "overall"];
const ORS: [&str; 4] = ["individual", "interpersonal", "social", "overall"];

/// The caller's open alerts as (client code, kind, instrument, session).
async fn alerts_of(s: &Server, who: &Agent) -> BTreeSet<(String, String, String, u64)> {
    let r = s.get(Some(who), "/api/v1/alerts").await;
    assert_eq!(r.status, StatusCode::OK);
    r.json()["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["client_code"].as_str().unwrap().to_string(),
                a["kind"].as_str().unwrap().to_string(),
                a["instrument"].as_str().unwrap().to_string(),
                a["session"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn key(code: &str, kind: &str, instrument: &str, session: u64) -> (String, String, String, u64) {
    (code.into(), kind.into(), instrument.into(), session)
}

on_both! {
    fn each_kind_of_alert_reaches_the_right_counsellor_only(s) {
        let w = s.world().await;
        let c = w.client_c1;
        let mut phq = same(0.0, &["item1", "item2", "item3", "item4", "item5", "item6", "item7", "item8"]);
        phq["item9"] = json!(1);
        assert_eq!(s.paper(&w.c1, c, 1, "2026-11-20", "phq-9", phq).await.status, StatusCode::CREATED);
        assert_eq!(s.paper(&w.c1, c, 1, "2026-11-20", "srs", same(5.0, &SRS)).await.status, StatusCode::CREATED);
        assert_eq!(s.paper(&w.c1, c, 1, "2026-11-20", "ors", same(8.0, &ORS)).await.status, StatusCode::CREATED);
        assert_eq!(s.paper(&w.c1, c, 2, "2026-11-27", "ors", same(2.0, &ORS)).await.status, StatusCode::CREATED);
        s.new_link(&w.c1, c, 3, &["srs"]).await;
        // Another counsellor's client, and another clinic's, with alerts of their own.
        assert_eq!(s.paper(&w.c2, w.client_c2, 1, "2026-11-20", "srs", same(4.0, &SRS)).await.status, StatusCode::CREATED);
        let mut phq_d = same(0.0, &["item1", "item2", "item3", "item4", "item5", "item6", "item7", "item8"]);
        phq_d["item9"] = json!(2);
        assert_eq!(s.paper(&w.d, w.client_d, 1, "2026-11-20", "phq-9", phq_d).await.status, StatusCode::CREATED);
        s.clock.advance(97 * 3600);
        // Days have passed: everyone signs in afresh.
        let mut w = w;
        for who in [&mut w.c1, &mut w.sup, &mut w.c2, &mut w.d, &mut w.admin, &mut w.admin_b] {
            *who = s.login(&who.email, crate::harness::PASSWORD).await;
        }
        let mine = alerts_of(s, &w.c1).await;
        let expected: BTreeSet<_> = [
            key("C1-001", "self_harm_item", "phq-9", 1),
            key("C1-001", "rupture", "srs", 1),
            key("C1-001", "below_cutoff", "srs", 1),
            key("C1-001", "reliable_deterioration", "ors", 2),
            key("C1-001", "not_answered", "srs", 3),
        ].into_iter().collect();
        assert_eq!(mine, expected);
        // Most urgent first.
        let list = s.get(Some(&w.c1), "/api/v1/alerts").await.json();
        assert_eq!(list["alerts"][0]["kind"], "self_harm_item");
        // No answers in an alert, only totals and rules.
        assert!(!list.to_string().contains("item9\":"), "{list}");
        // The supervisor sees their supervisee's; no one else does.
        let sup = alerts_of(s, &w.sup).await;
        assert_eq!(sup, expected);
        let c2 = alerts_of(s, &w.c2).await;
        assert!(c2.iter().all(|a| a.0 == "C2-001") && c2.contains(&key("C2-001", "below_cutoff", "srs", 1)), "{c2:?}");
        let d = alerts_of(s, &w.d).await;
        assert_eq!(d, [key("D-001", "self_harm_item", "phq-9", 1)].into_iter().collect());
        assert!(alerts_of(s, &w.admin).await.is_empty());
        assert!(alerts_of(s, &w.admin_b).await.is_empty());
        // The dashboard shows the counsellor's alerts and no one else's.
        let page = s.get(Some(&w.c1), "/").await.text();
        assert!(page.contains("C1-001") && !page.contains("C2-001") && !page.contains("D-001"));
    }

    fn alerts_follow_each_new_answer_and_settings_change_at_once(s) {
        // The clinic's scores are kept between requests; every view must still see the
        // latest answers and settings.
        let w = s.world().await;
        let c = w.client_c1;
        assert!(alerts_of(s, &w.c1).await.is_empty());
        assert_eq!(s.paper(&w.c1, c, 1, "2026-11-20", "srs", same(9.0, &SRS)).await.status, StatusCode::CREATED);
        assert!(alerts_of(s, &w.c1).await.is_empty());
        let page = s.get(Some(&w.c1), &format!("/api/v1/clients/{c}")).await.json();
        assert_eq!(page["instruments"][0]["series"].as_array().unwrap().len(), 1);
        // An answer through a link (another door) is seen by the next request.
        let (url, _) = s.new_link(&w.c1, c, 2, &["srs"]).await;
        let r = s.req(axum::http::Method::POST, &url).json(&json!({"answers": {"srs": same(8.0, &SRS)}})).send().await;
        assert_eq!(r.status, StatusCode::CREATED);
        // 36 to 32: below the cut-off of 36, and a drop of 4 (a rupture).
        assert_eq!(
            alerts_of(s, &w.c1).await,
            [key("C1-001", "below_cutoff", "srs", 2), key("C1-001", "rupture", "srs", 2)].into_iter().collect()
        );
        let page = s.get(Some(&w.c1), &format!("/api/v1/clients/{c}")).await.json();
        assert_eq!(page["instruments"][0]["series"].as_array().unwrap().len(), 2);
        // A lower cut-off from the admin clears it at once.
        let mut settings = s.get(Some(&w.admin), "/api/v1/settings").await.json();
        settings["scoring"]["cutoffs"] = json!({"srs": 30});
        let r = s.put_json(&w.admin, "/api/v1/settings", settings).await;
        assert!(r.status.is_success(), "{}: {}", r.status, r.text());
        assert_eq!(alerts_of(s, &w.c1).await, [key("C1-001", "rupture", "srs", 2)].into_iter().collect());
    }

    fn acknowledging_an_alert_needs_a_note_and_is_audited(s) {
        let w = s.world().await;
        let c = w.client_c1;
        let mut phq = same(0.0, &["item1", "item2", "item3", "item4", "item5", "item6", "item7", "item8"]);
        phq["item9"] = json!(3);
        assert_eq!(s.paper(&w.c1, c, 1, "2026-11-20", "phq-9", phq).await.status, StatusCode::CREATED);
        let ack = |note: &str| json!({"client": c, "kind": "self_harm_item", "instrument": "phq-9", "session": 1, "note": note});
        let note = "Phoned the client; safety plan reviewed together";
        let r = s.post_json(&w.c1, "/api/v1/alerts/acknowledge", ack("  ")).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.json()["item"], "note");
        // Not the supervisor's to close, nor another counsellor's.
        assert_eq!(s.post_json(&w.sup, "/api/v1/alerts/acknowledge", ack(note)).await.status, StatusCode::FORBIDDEN);
        assert_eq!(s.post_json(&w.c2, "/api/v1/alerts/acknowledge", ack(note)).await.status, StatusCode::NOT_FOUND);
        assert_eq!(s.post_json(&w.d, "/api/v1/alerts/acknowledge", ack(note)).await.status, StatusCode::NOT_FOUND);
        assert_eq!(s.count("SELECT COUNT(*) FROM alert_acks").await, 0);
        // An alert that is not open cannot be acknowledged.
        let r = s.post_json(&w.c1, "/api/v1/alerts/acknowledge", json!({"client": c, "kind": "rupture", "instrument": "srs", "session": 1, "note": note})).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        s.clock.advance(60);
        let r = s.req(axum::http::Method::POST, "/api/v1/alerts/acknowledge").by(Some(&w.c1)).csrf(&w.c1)
            .peer("203.0.113.4").json(&ack(note)).send().await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        assert!(alerts_of(s, &w.c1).await.is_empty());
        assert!(alerts_of(s, &w.sup).await.is_empty());
        let kept = s.rows(&format!("SELECT note, acknowledged_by, kind FROM alert_acks WHERE client_id = {c}")).await;
        assert_eq!(kept, [format!("{note}|{}|self_harm_item", w.c1.id)]);
        let audit = s.rows("SELECT at, actor, object, address, outcome FROM audit WHERE action = 'alert.acknowledge' AND outcome = 'ok'").await;
        assert_eq!(audit, [format!("{}|user:{}|client:{c}|203.0.113.4|ok", crate::harness::START + 60, w.c1.id)]);
        let everything = s.rows("SELECT actor, action, object, address, outcome FROM audit").await.join("\n");
        assert!(!everything.contains("safety plan"));
        // Twice is a 404: it is no longer open.
        assert_eq!(s.post_json(&w.c1, "/api/v1/alerts/acknowledge", ack(note)).await.status, StatusCode::NOT_FOUND);
        // The page form acknowledges too.
        let mut phq2 = same(1.0, &["item1", "item2", "item3", "item4", "item5", "item6", "item7", "item8"]);
        phq2["item9"] = json!(1);
        assert_eq!(s.paper(&w.c1, c, 2, "2026-11-27", "phq-9", phq2).await.status, StatusCode::CREATED);
        let r = s.post_form(&w.c1, "/alerts/acknowledge", &[("client", c.to_string().as_str()), ("kind", "self_harm_item"), ("instrument", "phq-9"), ("session", "2"), ("note", "Seen in session")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        assert_eq!(s.count("SELECT COUNT(*) FROM alert_acks").await, 2);
    }
}
