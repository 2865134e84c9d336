//! Signing in and staying signed in: argon2id hashes, throttling per account and per
//! address, a new session id at every sign-in, sign-out and password changes ending
//! sessions, and the idle and absolute time-outs (on the test's clock).

use axum::http::{Method, StatusCode};
use rapport_server::sessions::{ABSOLUTE_TIMEOUT, IDLE_TIMEOUT};
use rapport_server::throttle::{PER_ACCOUNT, PER_ADDRESS, WINDOW};
use rapport_server::users::Role;
use serde_json::json;

use crate::harness::{Agent, PASSWORD, Resp, Server, on_both};

async fn try_login(s: &Server, email: &str, password: &str, ip: &str) -> Resp {
    s.req(Method::POST, "/api/v1/login")
        .peer(ip)
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
}

on_both! {
    fn passwords_are_stored_as_argon2id_and_never_shown(s) {
        let clinic = s.clinic("A").await;
        s.user(clinic, "admin@a.org", Role::Admin, None).await;
        let hashes = s.rows("SELECT password_hash FROM users").await;
        assert_eq!(hashes.len(), 1);
        assert!(hashes[0].starts_with("$argon2id$"), "{}", hashes[0]);
        assert!(!hashes[0].contains(PASSWORD));
        let admin = s.login("admin@a.org", PASSWORD).await;
        let users = s.get(Some(&admin), "/api/v1/users").await.text();
        assert!(!users.contains("argon2") && !users.contains("password"), "{users}");
        // Any case of the e-mail signs in; a wrong password does not.
        s.login("ADMIN@A.org", PASSWORD).await;
        let r = try_login(s, "admin@a.org", "correct horse battery stapl", "10.0.0.1").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.session_cookie().is_none());
        // An unknown e-mail reads exactly as a wrong password.
        let unknown = try_login(s, "nobody@a.org", PASSWORD, "10.0.0.1").await;
        assert_eq!(unknown.status, r.status);
        assert_eq!(unknown.text(), r.text());
    }

    fn sign_in_is_throttled_per_account(s) {
        let clinic = s.clinic("A").await;
        s.user(clinic, "c@a.org", Role::Counsellor, None).await;
        for i in 0..PER_ACCOUNT {
            let r = try_login(s, "c@a.org", "wrong password!!", &format!("10.0.1.{i}")).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST);
        }
        // Even the right password, from a fresh address, waits.
        let r = try_login(s, "C@a.org", PASSWORD, "10.0.2.1").await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text());
        let wait: i64 = r.header("retry-after").unwrap().parse().unwrap();
        assert!(wait > 0 && wait <= WINDOW);
        assert!(r.session_cookie().is_none());
        // The page says the same.
        let page = s.req(Method::POST, "/login").peer("10.0.2.2")
            .form(&[("email", "c@a.org"), ("password", PASSWORD)]).send().await;
        assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(page.session_cookie().is_none());
        // Other accounts are not held up.
        s.user(clinic, "other@a.org", Role::Counsellor, None).await;
        assert_eq!(try_login(s, "other@a.org", PASSWORD, "10.0.2.1").await.status, StatusCode::OK);
        // After the window, the account signs in.
        s.clock.advance(WINDOW);
        assert_eq!(try_login(s, "c@a.org", PASSWORD, "10.0.2.1").await.status, StatusCode::OK);
        // Refusals are audited, without the password.
        let denied = s.count("SELECT COUNT(*) FROM audit WHERE action = 'login' AND outcome = 'denied'").await;
        assert!(denied >= (PER_ACCOUNT + 2) as i64);
    }

    fn sign_in_is_throttled_per_address(s) {
        let clinic = s.clinic("A").await;
        s.user(clinic, "c@a.org", Role::Counsellor, None).await;
        for i in 0..PER_ADDRESS {
            let r = try_login(s, &format!("guess{i}@a.org"), "wrong password!!", "192.0.2.7").await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST);
        }
        let r = try_login(s, "c@a.org", PASSWORD, "192.0.2.7").await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(try_login(s, "c@a.org", PASSWORD, "192.0.2.8").await.status, StatusCode::OK);
        s.clock.advance(WINDOW);
        assert_eq!(try_login(s, "c@a.org", PASSWORD, "192.0.2.7").await.status, StatusCode::OK);
    }

    fn each_sign_in_gets_a_new_session_id_and_ends_the_one_it_came_with(s) {
        let clinic = s.clinic("A").await;
        s.user(clinic, "c@a.org", Role::Counsellor, None).await;
        let first = s.login("c@a.org", PASSWORD).await;
        // Sign in again from the same browser (its cookie sent along).
        let r = s.req(Method::POST, "/api/v1/login").by(Some(&first))
            .json(&json!({"email": "c@a.org", "password": PASSWORD})).send().await;
        assert_eq!(r.status, StatusCode::OK);
        let second = r.session_cookie().unwrap();
        assert_ne!(second, first.cookie);
        assert_ne!(r.json()["csrf_token"].as_str().unwrap(), first.csrf);
        assert_eq!(s.get(Some(&first), "/api/v1/me").await.status, StatusCode::UNAUTHORIZED);
        // The page sign-in too, with a cookie the server never made.
        let planted = Agent { cookie: "rapport_session=chosen-by-an-attacker".into(), ..first.clone() };
        let r = s.req(Method::POST, "/login").by(Some(&planted))
            .form(&[("email", "c@a.org"), ("password", PASSWORD)]).send().await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let third = r.session_cookie().unwrap();
        assert_ne!(third, planted.cookie);
        let cookie = r.header("set-cookie").unwrap();
        for part in ["HttpOnly", "SameSite=Strict", "Path=/"] {
            assert!(cookie.contains(part), "{cookie}");
        }
        // The database keeps only hashes of session ids.
        let id = third.trim_start_matches("rapport_session=");
        let ids = s.rows("SELECT id_hash FROM sessions").await;
        assert!(ids.iter().all(|h| h.len() == 64 && h != id));
    }

    fn sign_out_ends_the_session(s) {
        let clinic = s.clinic("A").await;
        s.user(clinic, "c@a.org", Role::Counsellor, None).await;
        let a = s.login("c@a.org", PASSWORD).await;
        let b = s.login("c@a.org", PASSWORD).await;
        let r = s.req(Method::POST, "/api/v1/logout").by(Some(&a)).csrf(&a).send().await;
        assert_eq!(r.status, StatusCode::NO_CONTENT);
        assert!(r.header("set-cookie").unwrap().contains("Max-Age=0"));
        assert_eq!(s.get(Some(&a), "/api/v1/me").await.status, StatusCode::UNAUTHORIZED);
        // The page sign-out.
        let r = s.post_form(&b, "/logout", &[]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(s.get(Some(&b), "/api/v1/me").await.status, StatusCode::UNAUTHORIZED);
        assert_eq!(s.count("SELECT COUNT(*) FROM sessions").await, 0);
        // Both sign-outs are in the audit log, as the sign-ins are.
        assert_eq!(s.count("SELECT COUNT(*) FROM audit WHERE action = 'logout' AND object = 'session' AND outcome = 'ok'").await, 2);
        assert_eq!(s.count("SELECT COUNT(*) FROM audit WHERE action = 'login' AND outcome = 'ok'").await, 2);
    }

    fn a_password_change_ends_the_other_sessions(s) {
        let clinic = s.clinic("A").await;
        s.user(clinic, "c@a.org", Role::Counsellor, None).await;
        let here = s.login("c@a.org", PASSWORD).await;
        let elsewhere = s.login("c@a.org", PASSWORD).await;
        let r = s.post_json(&here, "/api/v1/password", json!({"current": "not it at all", "new": "a brand new passphrase"})).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.json()["item"], "current");
        let r = s.post_json(&here, "/api/v1/password", json!({"current": PASSWORD, "new": "short"})).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.json()["item"], "new");
        assert_eq!(s.get(Some(&elsewhere), "/api/v1/me").await.status, StatusCode::OK);
        let r = s.post_json(&here, "/api/v1/password", json!({"current": PASSWORD, "new": "a brand new passphrase"})).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
        assert_eq!(s.get(Some(&elsewhere), "/api/v1/me").await.status, StatusCode::UNAUTHORIZED);
        assert_eq!(s.get(Some(&here), "/api/v1/me").await.status, StatusCode::OK);
        assert_eq!(try_login(s, "c@a.org", PASSWORD, "10.0.0.1").await.status, StatusCode::BAD_REQUEST);
        let again = s.login("c@a.org", "a brand new passphrase").await;
        // The page does the same.
        let r = s.post_form(&again, "/password", &[("current", "a brand new passphrase"), ("new", "yet another passphrase")]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(s.get(Some(&here), "/api/v1/me").await.status, StatusCode::UNAUTHORIZED);
        assert_eq!(s.get(Some(&again), "/api/v1/me").await.status, StatusCode::OK);
        assert_eq!(s.count("SELECT COUNT(*) FROM audit WHERE action = 'password.change' AND outcome = 'ok'").await, 2);
    }

    fn sessions_time_out_when_idle_and_after_the_absolute_limit(s) {
        let clinic = s.clinic("A").await;
        s.user(clinic, "c@a.org", Role::Counsellor, None).await;
        // Idle: used just within the limit, it lives; left one second longer, it ends.
        let a = s.login("c@a.org", PASSWORD).await;
        s.clock.advance(IDLE_TIMEOUT);
        assert_eq!(s.get(Some(&a), "/api/v1/me").await.status, StatusCode::OK);
        s.clock.advance(IDLE_TIMEOUT + 1);
        assert_eq!(s.get(Some(&a), "/api/v1/me").await.status, StatusCode::UNAUTHORIZED);
        let page = s.get(Some(&a), "/").await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
        // Absolute: busy all day, it still ends.
        let b = s.login("c@a.org", PASSWORD).await;
        let mut elapsed = 0;
        while elapsed + IDLE_TIMEOUT / 2 <= ABSOLUTE_TIMEOUT {
            s.clock.advance(IDLE_TIMEOUT / 2);
            elapsed += IDLE_TIMEOUT / 2;
            assert_eq!(s.get(Some(&b), "/api/v1/me").await.status, StatusCode::OK, "at {elapsed}s");
        }
        s.clock.advance(ABSOLUTE_TIMEOUT - elapsed + 1);
        assert_eq!(s.get(Some(&b), "/api/v1/me").await.status, StatusCode::UNAUTHORIZED);
        assert_eq!(s.count("SELECT COUNT(*) FROM sessions").await, 0);
    }
}

on_both! {
    fn guessing_the_current_password_from_a_session_is_throttled(s) {
        let clinic = s.clinic("A").await;
        s.user(clinic, "c@a.org", Role::Counsellor, None).await;
        let a = s.login("c@a.org", PASSWORD).await;
        for _ in 0..PER_ACCOUNT {
            let r = s.post_json(&a, "/api/v1/password", json!({"current": "a wrong guess!", "new": "a brand new passphrase"})).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        }
        let r = s.post_json(&a, "/api/v1/password", json!({"current": PASSWORD, "new": "a brand new passphrase"})).await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text());
        assert_eq!(try_login(s, "c@a.org", PASSWORD, "10.9.9.9").await.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(s.count("SELECT COUNT(*) FROM audit WHERE action = 'password.change' AND outcome = 'denied'").await, PER_ACCOUNT as i64 + 1);
        s.clock.advance(WINDOW);
        let a = s.login("c@a.org", PASSWORD).await;
        let r = s.post_json(&a, "/api/v1/password", json!({"current": PASSWORD, "new": "a brand new passphrase"})).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT);
    }
}
