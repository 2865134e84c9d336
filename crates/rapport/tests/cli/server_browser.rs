//! A client answers on a phone and the counsellor sees the alert: headless Chromium at
//! a phone's viewport (390 x 844 CSS pixels), driven through chromedriver. The
//! questionnaire must fit the screen (nothing overflows horizontally), label every
//! control, work with no script, and thank the client; the counsellor's dashboard
//! then shows the self-harm alert. Screenshots land in `target/screenshots/` (the
//! README's come from there).
//!
//! A supervisor follows a trainee: ten sessions' transcripts uploaded and coded, the
//! client's SRS for each entered, and the supervisor's pages (the list, the trainee's
//! practice with its four charts and the SRS beside each session, a session's report)
//! read in the browser, on a desktop and on a phone.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them). Without
//! them the test fails when `CI` is set and is skipped otherwise.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::common::{
    PASSWORD, Server, create_named_user, create_user, finished_job, http, sign_in,
};
use fantoccini::{ClientBuilder, Locator};
use serde_json::{Value, json};

fn driver_or_skip() -> Option<PathBuf> {
    let found = ["chromedriver", "/usr/lib/chromium/chromedriver"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file() || Command::new(p).arg("--version").output().is_ok());
    match found {
        Some(path) => Some(path),
        None if std::env::var_os("CI").is_some() => {
            panic!(
                "chromedriver is not installed, and CI is set: apt-get install -y chromium chromium-driver"
            )
        }
        None => {
            eprintln!("skipping the browser test: apt-get install -y chromium chromium-driver");
            None
        }
    }
}

struct Driver(Child);

impl Driver {
    /// chromedriver on a free port: (the process, its port).
    fn start(chromedriver: &std::path::Path) -> (Driver, u16) {
        let port = free_port();
        let child = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        (Driver(child), port)
    }
}

/// Signs in on the sign-in page as `email` and waits for the dashboard.
async fn sign_in_page(browser: &fantoccini::Client, base: &str, email: &str) {
    browser.goto(&format!("{base}/login")).await.unwrap();
    type_into(browser, Locator::Id("email"), email).await;
    type_into(browser, Locator::Id("password"), PASSWORD).await;
    click(browser, Locator::Css("button[type=submit]")).await;
    arrive(browser, "/").await;
}

/// Types `text` into the element `at`.
async fn type_into(browser: &fantoccini::Client, at: Locator<'_>, text: &str) {
    let field = browser.find(at).await.unwrap();
    field.send_keys(text).await.unwrap();
}

/// Clicks the element `at`.
async fn click(browser: &fantoccini::Client, at: Locator<'_>) {
    browser.find(at).await.unwrap().click().await.unwrap();
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn screenshots() -> PathBuf {
    let dir = crate::common::repo("target/screenshots");
    std::fs::create_dir_all(&dir).expect("target/screenshots");
    dir
}

/// Waits until the browser shows `path` (a form's redirect has landed).
async fn arrive(browser: &fantoccini::Client, path: &str) {
    for _ in 0..100 {
        if let Ok(url) = browser.current_url().await
            && url.path() == path
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the browser never reached {path}");
}

/// A browser session through chromedriver on `driver_port`: headless Chromium, at a
/// phone's viewport where `phone` gives one (CSS pixels), else a desktop window.
async fn connect(
    driver_port: u16,
    profile: &std::path::Path,
    phone: Option<(u32, u32)>,
) -> fantoccini::Client {
    let mut options = json!({
        "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
        "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--window-size=1280,900",
                 format!("--user-data-dir={}", profile.display())],
    });
    if let Some((width, height)) = phone {
        options["mobileEmulation"] = json!({"deviceMetrics": {"width": width, "height": height, "pixelRatio": 2.0, "touch": true}});
    }
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("goog:chromeOptions".into(), options);
    let mut last_error = String::new();
    for _ in 0..50 {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(capabilities.clone())
            .connect(&format!("http://127.0.0.1:{driver_port}"))
            .await
        {
            Ok(c) => return c,
            Err(e) => {
                last_error = e.to_string();
                tokio::time::sleep(Duration::from_millis(200)).await
            }
        }
    }
    panic!("chromedriver answers: {last_error}");
}

#[test]
fn a_client_answers_on_a_phone_and_the_alert_reaches_the_dashboard() {
    let Some(chromedriver) = driver_or_skip() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    create_user(&data, "dana@clinic.test", "counsellor");
    let server = Server::start(&data);
    let port = server.port;
    let (cookie, csrf) = sign_in(port, "dana@clinic.test");
    let auth = [
        ("Cookie", cookie.as_str()),
        ("X-CSRF-Token", csrf.as_str()),
        ("Content-Type", "application/json"),
    ];
    let (_, _, body) = http(
        port,
        "POST",
        "/api/v1/clients",
        &auth,
        r#"{"code":"C-017"}"#,
    )
    .unwrap();
    let client = serde_json::from_str::<Value>(&body).unwrap()["id"]
        .as_i64()
        .unwrap();
    let (status, _, body) = http(
        port,
        "POST",
        &format!("/api/v1/clients/{client}/links"),
        &auth,
        &json!({"instruments": ["srs", "phq-9"], "session": 1}).to_string(),
    )
    .unwrap();
    assert_eq!(status, 201, "{body}");
    let url = serde_json::from_str::<Value>(&body).unwrap()["url"]
        .as_str()
        .unwrap()
        .to_string();

    let (_driver, driver_port) = Driver::start(&chromedriver);
    let profile = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let browser = connect(driver_port, profile.path(), Some((390, 844))).await;
        let base = format!("http://127.0.0.1:{port}");
        browser.goto(&format!("{base}{url}")).await.unwrap();

        let width: Value = browser
            .execute(
                "return [document.documentElement.scrollWidth, window.innerWidth];",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(width[1], 390, "the phone's viewport");
        assert!(
            width[0].as_i64() <= width[1].as_i64(),
            "the form overflows horizontally: {width}"
        );
        let unlabelled: Value = browser
            .execute(
                "return [...document.querySelectorAll('input:not([type=hidden])')]
                   .filter(i => !(i.labels && i.labels.length)).map(i => i.name);",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(unlabelled, json!([]), "every control has a label");
        let scripts: Value = browser
            .execute("return document.scripts.length;", vec![])
            .await
            .unwrap();
        assert_eq!(scripts, 0);
        std::fs::write(
            screenshots().join("answer-form.png"),
            browser.screenshot().await.unwrap(),
        )
        .unwrap();

        for (item, value) in [
            ("relationship", "9.5"),
            ("goals", "8"),
            ("approach", "9"),
            ("overall", "8.5"),
        ] {
            type_into(&browser, Locator::Id(&format!("srs-{item}")), value).await;
        }
        for n in 1..=9 {
            // "Several days" (1) for item 9 raises the safety alert; 0 elsewhere.
            let value = if n == 9 { "1" } else { "0" };
            let choice = format!("input[name='phq-9.item{n}'][value='{value}']");
            click(&browser, Locator::Css(&choice)).await;
        }
        click(&browser, Locator::Css("button[type=submit]")).await;
        arrive(&browser, "/thanks").await;
        let heading = browser
            .find(Locator::Css("h1"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(heading, "Thank you");
        std::fs::write(
            screenshots().join("answer-thanks.png"),
            browser.screenshot().await.unwrap(),
        )
        .unwrap();

        // The counsellor signs in on the same phone and sees the alert first.
        sign_in_page(&browser, &base, "dana@clinic.test").await;
        let first_alert = browser
            .find(Locator::Css("table.alerts tbody tr"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            first_alert.contains("C-017") && first_alert.contains("self-harm item"),
            "{first_alert}"
        );
        let width: Value = browser
            .execute(
                "return [document.documentElement.scrollWidth, window.innerWidth];",
                vec![],
            )
            .await
            .unwrap();
        assert!(
            width[0].as_i64() <= width[1].as_i64(),
            "the dashboard overflows: {width}"
        );
        std::fs::write(
            screenshots().join("dashboard.png"),
            browser.screenshot().await.unwrap(),
        )
        .unwrap();
        browser.close().await.unwrap();
    });
    server.terminate();
}

/// A session in which the counsellor reflects `reflections` times and asks
/// `4 - reflections` questions (speaker-labelled text written for this test).
fn trainee_session(reflections: usize) -> String {
    let questions = [
        "What would you like to talk about today?",
        "How much do you drink in a week?",
        "Have you tried to stop before?",
        "What worries you most about it?",
    ];
    let reflections_said = [
        "You are worried that drinking is starting to cost you things that matter.",
        "Part of you wants to change, and part of you is not ready yet.",
        "Your family means a great deal to you.",
        "It sounds like you feel stuck between two choices.",
    ];
    let mut text = String::new();
    for q in questions.iter().take(4 - reflections) {
        text.push_str(&format!(
            "Counselor: {q}\nClient: I guess I want to cut down, but it is hard.\n"
        ));
    }
    for r in reflections_said.iter().take(reflections) {
        text.push_str(&format!("Counselor: {r}\nClient: Yes, that is it.\n"));
    }
    text
}

#[test]
fn a_supervisor_follows_a_trainee_over_ten_sessions() {
    let Some(chromedriver) = driver_or_skip() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    create_named_user(&data, "admin@clinic.test", "Ada Admin", "admin");
    create_named_user(&data, "sam@clinic.test", "Sam Supervisor", "supervisor");
    create_named_user(&data, "tia@clinic.test", "Tia Trainee", "counsellor");
    let server = Server::start_with(&data, &["--fast"]);
    let port = server.port;
    let json_headers = |cookie: &str, csrf: &str| {
        vec![
            ("Cookie".to_string(), cookie.to_string()),
            ("X-CSRF-Token".to_string(), csrf.to_string()),
            ("Content-Type".to_string(), "application/json".to_string()),
        ]
    };
    let call = |headers: &[(String, String)], method: &str, path: &str, body: &str| {
        let h: Vec<(&str, &str)> = headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let (status, _, reply) = http(port, method, path, &h, body).unwrap();
        (status, reply)
    };
    // The admin makes Sam Tia's supervisor.
    let (cookie, csrf) = sign_in(port, "admin@clinic.test");
    let admin = json_headers(&cookie, &csrf);
    let (_, users) = call(&admin, "GET", "/api/v1/users", "");
    let users: Value = serde_json::from_str(&users).unwrap();
    let id_of = |email: &str| {
        users["users"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["email"] == email)
            .unwrap()["id"]
            .as_i64()
            .unwrap()
    };
    let (sam, tia) = (id_of("sam@clinic.test"), id_of("tia@clinic.test"));
    let (status, reply) = call(
        &admin,
        "PUT",
        &format!("/api/v1/users/{tia}/supervisor"),
        &json!({"supervisor": sam}).to_string(),
    );
    assert_eq!(status, 204, "{reply}");
    // Tia sees a client for ten sessions: a transcript and an SRS for each.
    let (cookie, csrf) = sign_in(port, "tia@clinic.test");
    let trainee = json_headers(&cookie, &csrf);
    let (_, reply) = call(&trainee, "POST", "/api/v1/clients", r#"{"code":"C-101"}"#);
    let client = serde_json::from_str::<Value>(&reply).unwrap()["id"]
        .as_i64()
        .unwrap();
    let consent = json!({"scope": "transcripts", "given": true}).to_string();
    call(
        &trainee,
        "POST",
        &format!("/api/v1/clients/{client}/consents"),
        &consent,
    );
    let mut raw = trainee.clone();
    raw[2].1 = "text/plain".to_string();
    let mut jobs = Vec::new();
    for session in 1..=10u32 {
        let reflections = (session as usize * 4) / 10;
        let (status, reply) = call(
            &raw,
            "POST",
            &format!("/api/v1/clients/{client}/sessions/{session}/transcript?format=txt"),
            &trainee_session(reflections.min(4)),
        );
        assert_eq!(status, 202, "{reply}");
        jobs.push(
            serde_json::from_str::<Value>(&reply).unwrap()["job"]
                .as_i64()
                .unwrap(),
        );
        let srs = 6.0 + f64::from(session) * 0.3;
        let answers = json!({"session": session, "date": format!("2026-10-{:02}", session + 1),
            "instrument": "srs", "answers": {"relationship": srs, "goals": srs, "approach": srs, "overall": srs}});
        let (status, reply) = call(
            &trainee,
            "POST",
            &format!("/api/v1/clients/{client}/responses"),
            &answers.to_string(),
        );
        assert_eq!(status, 201, "{reply}");
    }
    for job in jobs {
        assert_eq!(finished_job(port, &cookie, job), "done");
    }

    let (_driver, driver_port) = Driver::start(&chromedriver);
    let profile = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let browser = connect(driver_port, profile.path(), None).await;
        let base = format!("http://127.0.0.1:{port}");
        sign_in_page(&browser, &base, "sam@clinic.test").await;
        click(&browser, Locator::LinkText("Supervision")).await;
        arrive(&browser, "/supervision").await;
        let row = browser.find(Locator::Css("#supervisees tbody tr")).await.unwrap().text().await.unwrap();
        assert!(row.contains("Tia Trainee") && row.contains("10"), "{row}");
        click(&browser, Locator::LinkText("Tia Trainee")).await;
        arrive(&browser, &format!("/supervision/{tia}")).await;
        let charts: Value = browser
            .execute("return document.querySelectorAll('#trends svg').length;", vec![])
            .await
            .unwrap();
        assert_eq!(charts, 4, "R:Q, %CR, % open questions and change talk over the ten sessions");
        let rows: Value = browser
            .execute("return [...document.querySelectorAll('table.series tbody tr')].map(r => r.lastElementChild.textContent.trim());", vec![])
            .await
            .unwrap();
        assert_eq!(rows.as_array().unwrap().len(), 10);
        assert_eq!(rows[9], "36", "session 10's SRS beside its figures");
        let together = browser.find(Locator::Css("#together p")).await.unwrap().text().await.unwrap();
        assert!(together.contains("r = "), "{together}");
        let scripts: Value = browser.execute("return document.scripts.length;", vec![]).await.unwrap();
        assert_eq!(scripts, 0);
        std::fs::write(screenshots().join("supervision.png"), browser.screenshot().await.unwrap()).unwrap();
        // A session's report, from the series table, beside the client's rating.
        click(&browser, Locator::Css("table.series tbody tr:last-child a")).await;
        arrive(&browser, &format!("/clients/{client}/sessions/10")).await;
        let text = browser.find(Locator::Css("body")).await.unwrap().text().await.unwrap().to_lowercase();
        assert!(text.contains("rapport session report") && text.contains("the client's ratings of this session"), "{text}");
        assert!(text.contains("it sounds like you feel stuck"), "the coded transcript");
        std::fs::write(screenshots().join("session.png"), browser.screenshot().await.unwrap()).unwrap();
        browser.close().await.unwrap();

        // The same pages fit a phone.
        let phone = tempfile::tempdir().unwrap();
        let browser = connect(driver_port, phone.path(), Some((390, 844))).await;
        sign_in_page(&browser, &base, "sam@clinic.test").await;
        for page in ["/supervision".to_string(), format!("/supervision/{tia}"), format!("/clients/{client}/sessions/10")] {
            browser.goto(&format!("{base}{page}")).await.unwrap();
            let width: Value = browser
                .execute("return [document.documentElement.scrollWidth, window.innerWidth];", vec![])
                .await
                .unwrap();
            assert!(width[0].as_i64() <= width[1].as_i64(), "{page} overflows a phone: {width}");
        }
        browser.close().await.unwrap();
    });
    server.terminate();
}
