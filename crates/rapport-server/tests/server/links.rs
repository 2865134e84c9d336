//! The client's side: a one-time link answered as JSON (201) or a form (303); a used
//! link is 410 and records nothing; a link expires after the clinic's lifetime (four
//! days by default) with a 410; a missing or out-of-range answer is a 422 naming the
//! item, stores nothing and leaves the link usable; kiosk codes open the same form.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{Server, on_both};

fn srs(v: f64) -> Value {
    json!({"relationship": v, "goals": v, "approach": v, "overall": v})
}

fn phq9(item9: u8) -> Value {
    json!({"item1": 1, "item2": 1, "item3": 0, "item4": 2, "item5": 0, "item6": 1, "item7": 0, "item8": 0, "item9": item9})
}

async fn answer_json(s: &Server, url: &str, answers: Value) -> crate::harness::Resp {
    s.req(Method::POST, url)
        .json(&json!({"answers": answers}))
        .send()
        .await
}

async fn stored(s: &Server) -> i64 {
    s.count("SELECT COUNT(*) FROM responses").await
}

on_both! {
    fn a_link_takes_json_answers_once(s) {
        let w = s.world().await;
        let (url, _) = s.new_link(&w.c1, w.client_c1, 1, &["srs", "phq-9"]).await;
        assert!(url.starts_with("/a/") && url.len() > 40);
        let form = s.get(None, &url).await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(form.text().contains("relationship") && form.text().contains("item9"));
        let r = answer_json(s, &url, json!({"srs": srs(9.1), "phq-9": phq9(0)})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        assert_eq!(r.json()["stored"], json!(["srs", "phq-9"]));
        assert_eq!(stored(s).await, 2);
        // Used: 410 and nothing more is stored, whatever is sent.
        let r = answer_json(s, &url, json!({"srs": srs(2.0), "phq-9": phq9(3)})).await;
        assert_eq!(r.status, StatusCode::GONE);
        assert_eq!(stored(s).await, 2);
        assert_eq!(s.get(None, &url).await.status, StatusCode::GONE);
        let r = s.req(Method::POST, &url).form(&[("srs.relationship", "1")]).send().await;
        assert_eq!(r.status, StatusCode::GONE);
        assert_eq!(stored(s).await, 2);
        let answers = s.rows("SELECT answers FROM responses WHERE instrument = 'srs'").await;
        assert!(answers[0].contains("9.1"), "the first answers stand: {answers:?}");
        // An unknown token is a 404.
        assert_eq!(s.get(None, "/a/nope").await.status, StatusCode::NOT_FOUND);
        assert_eq!(answer_json(s, "/a/nope", json!({"srs": srs(9.0)})).await.status, StatusCode::NOT_FOUND);
        // A browser's form to an unknown token gets a page, not JSON.
        let r = s.req(Method::POST, "/a/nope").form(&[("srs.relationship", "9")]).send().await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert!(r.header("content-type").unwrap().starts_with("text/html"), "{:?}", r.header("content-type"));
        assert!(r.text().contains("<html"), "{}", r.text());
    }

    fn a_link_whose_answers_were_entered_from_paper_says_so_and_stays_unused(s) {
        let w = s.world().await;
        let (url, _) = s.new_link(&w.c1, w.client_c1, 3, &["srs"]).await;
        let r = s.paper(&w.c1, w.client_c1, 3, "2026-11-30", "srs", srs(7.0)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        // The client is told their counsellor recorded them, not that the link was used.
        let r = answer_json(s, &url, json!({"srs": srs(9.0)})).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
        let message = r.json()["error"].as_str().unwrap().to_string();
        assert!(message.contains("srs") && message.contains("recorded already"), "{message}");
        assert!(!message.contains("used"), "{message}");
        let r = s.req(Method::POST, &url)
            .form(&[("srs.relationship", "9"), ("srs.goals", "9"), ("srs.approach", "9"), ("srs.overall", "9")])
            .send().await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(r.text().contains("recorded already"), "{}", r.text());
        // The paper answers stand, and the link was not spent.
        assert_eq!(stored(s).await, 1);
        let answers = s.rows("SELECT answers FROM responses").await;
        assert!(answers[0].contains('7'), "{answers:?}");
        assert_eq!(s.count("SELECT COUNT(*) FROM links WHERE used_at IS NULL").await, 1);
    }

    fn a_link_takes_a_form_and_redirects_to_thanks(s) {
        let w = s.world().await;
        let (url, _) = s.new_link(&w.c1, w.client_c1, 2, &["srs"]).await;
        let r = s.req(Method::POST, &url)
            .form(&[("srs.relationship", "9,5"), ("srs.goals", "9"), ("srs.approach", "8.5"), ("srs.overall", "10")])
            .send().await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        assert_eq!(r.location().as_deref(), Some("/thanks"));
        assert_eq!(stored(s).await, 1);
        let rows = s.rows("SELECT session_number, source, answered_on FROM responses").await;
        assert_eq!(rows, ["2|link|2026-12-01"]);
        let r = s.req(Method::POST, &url).form(&[("srs.relationship", "9")]).send().await;
        assert_eq!(r.status, StatusCode::GONE);
        assert!(r.text().contains("already been used"));
    }

    fn a_bad_answer_is_422_naming_the_item_and_stores_nothing(s) {
        let w = s.world().await;
        let (url, _) = s.new_link(&w.c1, w.client_c1, 1, &["srs", "phq-9"]).await;
        let mut missing = phq9(0);
        missing.as_object_mut().unwrap().remove("item4");
        let cases = [
            (json!({"srs": srs(9.0), "phq-9": missing}), "item4"),
            (json!({"srs": {"relationship": 11, "goals": 9, "approach": 9, "overall": 9}, "phq-9": phq9(0)}), "relationship"),
            (json!({"srs": srs(9.0), "phq-9": {"item1": 1, "item2": 1, "item3": 0, "item4": 2, "item5": 0, "item6": 1, "item7": 0, "item8": 0, "item9": 4}}), "item9"),
            (json!({"srs": {"relationship": -1, "goals": 9, "approach": 9, "overall": 9}, "phq-9": phq9(0)}), "relationship"),
            (json!({"srs": {"relationship": "lots", "goals": 9, "approach": 9, "overall": 9}, "phq-9": phq9(0)}), "relationship"),
            (json!({"srs": srs(9.0)}), "item1"),
            (json!({"srs": srs(9.0), "phq-9": phq9(0), "gad-7": {"item1": 1}}), "gad-7"),
        ];
        for (answers, item) in cases {
            let r = answer_json(s, &url, answers.clone()).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{answers}: {}", r.text());
            let body = r.json();
            assert_eq!(body["item"], item, "{answers}: {body}");
            assert!(body["error"].as_str().unwrap().contains(item) || item.contains('-'), "{body}");
            assert_eq!(stored(s).await, 0);
        }
        // The form says which item, with a 422 and the answers kept.
        let r = s.req(Method::POST, &url)
            .form(&[("srs.relationship", "12"), ("srs.goals", "9"), ("srs.approach", "9"), ("srs.overall", "9")])
            .send().await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().contains("relationship"));
        assert_eq!(stored(s).await, 0);
        // Malformed JSON is a 400.
        let r = s.req(Method::POST, &url).header("content-type", "application/json").send().await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        // The link still works.
        let r = answer_json(s, &url, json!({"srs": srs(9.0), "phq-9": phq9(0)})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        assert_eq!(stored(s).await, 2);
    }

    fn a_link_expires_after_four_days_or_the_clinics_setting(s) {
        let w = s.world().await;
        let (url, _) = s.new_link(&w.c1, w.client_c1, 1, &["srs"]).await;
        let r = s.post_json(&w.c1, &format!("/api/v1/clients/{}/links", w.client_c1), json!({"instruments": ["srs"], "session": 2})).await;
        assert_eq!(r.json()["expires_at"], "2026-12-05T09:00:00Z");
        let late_url = r.json()["url"].as_str().unwrap().to_string();
        s.clock.advance(96 * 3600 - 1);
        assert_eq!(s.get(None, &url).await.status, StatusCode::OK);
        assert_eq!(answer_json(s, &url, json!({"srs": srs(9.0)})).await.status, StatusCode::CREATED);
        s.clock.advance(1);
        assert_eq!(s.get(None, &late_url).await.status, StatusCode::GONE);
        let r = answer_json(s, &late_url, json!({"srs": srs(9.0)})).await;
        assert_eq!(r.status, StatusCode::GONE);
        assert!(r.json()["error"].as_str().unwrap().contains("expired"));
        let r = s.req(Method::POST, &late_url).form(&[("srs.relationship", "9")]).send().await;
        assert_eq!(r.status, StatusCode::GONE);
        assert_eq!(stored(s).await, 1);
        // A clinic that keeps links open for two hours (signed in afresh: days passed).
        let admin = s.login("admin@a.org", crate::harness::PASSWORD).await;
        let c1 = s.login("c1@a.org", crate::harness::PASSWORD).await;
        let mut settings = s.get(Some(&admin), "/api/v1/settings").await.json();
        settings["link_expiry_hours"] = json!(2);
        let r = s.put_json(&admin, "/api/v1/settings", settings.clone()).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        // Out-of-range lifetimes are refused.
        for hours in [0, 721] {
            let mut bad = settings.clone();
            bad["link_expiry_hours"] = json!(hours);
            assert_eq!(s.put_json(&admin, "/api/v1/settings", bad).await.status, StatusCode::UNPROCESSABLE_ENTITY);
        }
        let (url, _) = s.new_link(&c1, w.client_c1, 3, &["srs"]).await;
        s.clock.advance(2 * 3600);
        assert_eq!(answer_json(s, &url, json!({"srs": srs(9.0)})).await.status, StatusCode::GONE);
        // The other clinic keeps its four days.
        let d = s.login("d@b.org", crate::harness::PASSWORD).await;
        let (url, _) = s.new_link(&d, w.client_d, 1, &["srs"]).await;
        s.clock.advance(3 * 3600);
        assert_eq!(answer_json(s, &url, json!({"srs": srs(9.0)})).await.status, StatusCode::CREATED);
    }

    fn a_kiosk_code_opens_the_form_once(s) {
        let w = s.world().await;
        let (_, code) = s.new_link(&w.c1, w.client_c1, 1, &["srs"]).await;
        assert_eq!(code.len(), 6);
        let r = s.req(Method::POST, "/kiosk").form(&[("kiosk_code", code.as_str())]).send().await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert!(r.html().contains("action=\"/kiosk/answer\"") && r.text().contains(&format!("value=\"{code}\"")));
        // A bad answer by kiosk: 422, nothing stored, code still good.
        let r = s.req(Method::POST, "/kiosk/answer")
            .form(&[("kiosk_code", code.as_str()), ("srs.relationship", "9"), ("srs.goals", "9"), ("srs.approach", "9")])
            .send().await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().contains("overall"));
        assert_eq!(stored(s).await, 0);
        let r = s.req(Method::POST, "/kiosk/answer")
            .form(&[("kiosk_code", code.as_str()), ("srs.relationship", "9"), ("srs.goals", "9"), ("srs.approach", "9"), ("srs.overall", "9")])
            .send().await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        assert_eq!(stored(s).await, 1);
        // Used: the code opens nothing and takes nothing.
        let r = s.req(Method::POST, "/kiosk").form(&[("kiosk_code", code.as_str())]).send().await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let r = s.req(Method::POST, "/kiosk/answer")
            .form(&[("kiosk_code", code.as_str()), ("srs.relationship", "1"), ("srs.goals", "1"), ("srs.approach", "1"), ("srs.overall", "1")])
            .send().await;
        assert_eq!(r.status, StatusCode::GONE);
        assert_eq!(stored(s).await, 1);
    }

    fn kiosk_codes_cannot_be_guessed_through_either_door(s) {
        let w = s.world().await;
        let (_, code) = s.new_link(&w.c1, w.client_c1, 1, &["srs"]).await;
        let wrong = if code == "000000" { "000001" } else { "000000" };
        // Five wrong codes from one address, through /kiosk/answer (which used to skip
        // the throttle and tell an open code from a closed one)...
        for _ in 0..5 {
            let r = s.req(Method::POST, "/kiosk/answer").peer("198.51.100.9")
                .form(&[("kiosk_code", wrong), ("srs.relationship", "9")]).send().await;
            assert!(r.status == StatusCode::GONE || r.status == StatusCode::UNPROCESSABLE_ENTITY, "{}", r.status);
        }
        // ...and the right code is refused from that address, by either door.
        let r = s.req(Method::POST, "/kiosk").peer("198.51.100.9").form(&[("kiosk_code", code.as_str())]).send().await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
        let r = s.req(Method::POST, "/kiosk/answer").peer("198.51.100.9")
            .form(&[("kiosk_code", code.as_str()), ("srs.relationship", "9"), ("srs.goals", "9"), ("srs.approach", "9"), ("srs.overall", "9")])
            .send().await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(stored(s).await, 0);
        // Another device is not held up.
        let r = s.req(Method::POST, "/kiosk").peer("198.51.100.10").form(&[("kiosk_code", code.as_str())]).send().await;
        assert_eq!(r.status, StatusCode::OK);
    }
}
