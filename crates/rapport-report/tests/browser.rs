//! Loads the HTML reports in headless Chromium and checks that they load with no
//! console message (no error, no Content-Security-Policy violation) and that the page
//! makes no network request.
//!
//! Network requests are read from Chromium's own NetLog (`--log-net-log`): every
//! request the page starts is logged there with the page as initiator, even one the
//! CSP would block or that fails for want of a network. Chromium's background requests
//! (component updates and the like) carry no initiator and are ignored.
//!
//! Needs Debian's `chromium` (`.ci/run` installs it; `CHROMIUM` names another binary).
//! Without it the test fails when `CI` is set and is skipped otherwise.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rapport_core::ModelAccuracy;
use rapport_report::{html, session_file_names};

fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// The browser, or `None` (after saying why) when the test should be skipped.
fn browser_or_skip() -> Option<PathBuf> {
    match chromium() {
        Some(path) => Some(path),
        None if std::env::var_os("CI").is_some() => panic!(
            "chromium is not installed, and CI is set: install it with \
             `apt-get install -y chromium` (.ci/run does) or name it with CHROMIUM=..."
        ),
        None => {
            eprintln!(
                "skipping the browser test: chromium is not installed (apt-get install -y chromium)"
            );
            None
        }
    }
}

/// What Chromium showed and did while loading one page.
struct Load {
    dom: String,
    console: Vec<String>,
    requests: Vec<String>,
}

fn load(browser: &Path, page: &Path) -> Load {
    let scratch = tempfile::tempdir().unwrap();
    let netlog = scratch.path().join("netlog.json");
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!(
            "--user-data-dir={}",
            scratch.path().join("profile").display()
        ))
        .arg(format!("--log-net-log={}", netlog.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chromium starts");
    // Read both pipes on threads so a chatty browser cannot fill one and stall.
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut s).ok();
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut s).ok();
        s
    });
    let deadline = Instant::now() + Duration::from_secs(90);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            child.kill().ok();
            child.wait().ok();
            panic!(
                "chromium did not finish loading {} within 90 s",
                page.display()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let dom = out.join().unwrap();
    let stderr = err.join().unwrap();
    assert!(status.success(), "chromium failed ({status}):\n{stderr}");
    // Console messages (errors, warnings, CSP violations) are logged as `:CONSOLE`.
    let console = stderr
        .lines()
        .filter(|line| line.contains(":CONSOLE"))
        .map(str::to_string)
        .collect();
    Load {
        dom,
        console,
        requests: page_requests(&netlog),
    }
}

/// URLs of the requests the page itself started, from a NetLog file.
fn page_requests(netlog: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(netlog).expect("chromium wrote its NetLog");
    let log: serde_json::Value = serde_json::from_str(&text).expect("the NetLog is JSON");
    let start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
        .as_u64()
        .expect("the NetLog names URL_REQUEST_START_JOB");
    log["events"]
        .as_array()
        .expect("the NetLog has events")
        .iter()
        .filter(|e| e["type"].as_u64() == Some(start_job))
        .filter(|e| e["params"]["initiator"].as_str() != Some("not an origin"))
        .filter_map(|e| e["params"]["url"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn reports_load_cleanly_and_offline() {
    let Some(browser) = browser_or_skip() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();

    // First prove the harness sees what it must catch: a console error, a request the
    // CSP blocks, and a request to an address that goes nowhere.
    let bad = dir.path().join("bad.html");
    std::fs::write(
        &bad,
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body>\
         <img src=\"http://192.0.2.1/pixel.png\" alt=\"\">\
         <script>console.error('boom')</script></body></html>",
    )
    .unwrap();
    let load_bad = load(&browser, &bad);
    assert!(
        load_bad.console.iter().any(|l| l.contains("boom")),
        "the harness missed a console error: {:?}",
        load_bad.console
    );
    assert!(
        load_bad.requests.iter().any(|u| u.contains("192.0.2.1")),
        "the harness missed a network request: {:?}",
        load_bad.requests
    );

    let sessions = common::series();
    let files = session_file_names(&sessions, "html");
    let accuracy = ModelAccuracy::unknown();
    let mut pages = Vec::new();
    for (session, file) in sessions.iter().zip(&files) {
        let path = dir.path().join(file);
        std::fs::write(&path, html::render_session(session, &accuracy).unwrap()).unwrap();
        pages.push((path, "Coded transcript"));
    }
    let index = dir.path().join("index.html");
    std::fs::write(
        &index,
        html::render_index(&sessions, &files, &accuracy).unwrap(),
    )
    .unwrap();
    pages.push((index, "Trends"));

    for (page, heading) in &pages {
        let loaded = load(&browser, page);
        assert!(
            loaded.dom.contains(heading) && loaded.dom.contains("<svg"),
            "{} did not render: {}",
            page.display(),
            &loaded.dom[..loaded.dom.len().min(500)]
        );
        assert_eq!(
            loaded.console,
            Vec::<String>::new(),
            "{}: console messages",
            page.display()
        );
        assert_eq!(
            loaded.requests,
            Vec::<String>::new(),
            "{}: network requests",
            page.display()
        );
    }
}
