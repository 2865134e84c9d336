//! Helpers the binary's integration tests share: paths in the repository, the
//! `rapport` command, and a clinic server started as a process with a user in it.

#![allow(dead_code)] // not every helper is used on every platform

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

/// A path in the repository.
pub fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

/// The `rapport` binary under test.
pub fn rapport() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("rapport").expect("the rapport binary is built for tests")
}

/// The password of the users these tests create.
pub const PASSWORD: &str = "a long enough password";

/// Creates a user named Dana with `rapport admin create-user` in the data directory.
pub fn create_user(data: &Path, email: &str, role: &str) {
    create_named_user(data, email, "Dana", role);
}

/// Creates a user with `rapport admin create-user` in the data directory.
pub fn create_named_user(data: &Path, email: &str, name: &str, role: &str) {
    let mut create = Command::new(env!("CARGO_BIN_EXE_rapport"))
        .args([
            "admin",
            "create-user",
            "--email",
            email,
            "--name",
            name,
            "--role",
            role,
            "--password-stdin",
            "--data-dir",
        ])
        .arg(data)
        .stdin(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("rapport admin starts");
    create
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .expect("the password is written");
    assert!(create.wait().expect("rapport admin ends").success());
}

/// One HTTP/1.1 request on a fresh connection; (status, headers, body).
pub fn http(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> std::io::Result<(u16, String, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(20)))?;
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes())?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("no status line"))?;
    Ok((status, head.to_string(), body.to_string()))
}

/// A server process and the port it serves on.
pub struct Server {
    /// The process.
    pub child: Child,
    /// Its port on 127.0.0.1.
    pub port: u16,
}

impl Server {
    /// Starts `rapport serve` on a free port of 127.0.0.1.
    pub fn start(data: &Path) -> Server {
        Server::start_with(data, &[])
    }

    /// Starts `rapport serve` on a free port of 127.0.0.1 with more options (`--fast`).
    pub fn start_with(data: &Path, options: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_rapport"))
            .args(["serve", "--bind", "127.0.0.1:0", "--data-dir"])
            .arg(data)
            .args(options)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("rapport serve starts");
        let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
        let mut line = String::new();
        stderr
            .read_line(&mut line)
            .expect("the server says where it serves");
        // Keep reading, so the server can still write to its stderr.
        std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
        let port = line
            .split("http://127.0.0.1:")
            .nth(1)
            .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no port in {line:?}"));
        Server { child, port }
    }
}

/// Polls a coding job (a minute at most) until it ends; its final state (`done`,
/// `failed`, or the last seen).
pub fn finished_job(port: u16, cookie: &str, job: i64) -> Value {
    let mut state = Value::Null;
    for _ in 0..600 {
        let (status, _, reply) = http(
            port,
            "GET",
            &format!("/api/v1/jobs/{job}"),
            &[("Cookie", cookie)],
            "",
        )
        .unwrap();
        assert_eq!(status, 200, "{reply}");
        state = serde_json::from_str::<Value>(&reply).unwrap()["state"].clone();
        if state == "done" || state == "failed" {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    state
}

/// Signs in as `email`; (cookie, csrf token).
pub fn sign_in(port: u16, email: &str) -> (String, String) {
    let body = json!({"email": email, "password": PASSWORD}).to_string();
    let (status, head, body) = http(
        port,
        "POST",
        "/api/v1/login",
        &[("Content-Type", "application/json")],
        &body,
    )
    .unwrap();
    assert_eq!(status, 200, "{body}");
    let cookie = head
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: "))
        .and_then(|c| c.split(';').next())
        .expect("a session cookie")
        .to_string();
    let csrf = serde_json::from_str::<Value>(&body).unwrap()["csrf_token"]
        .as_str()
        .unwrap()
        .to_string();
    (cookie, csrf)
}

/// A test that fails part-way leaves no server running behind it.
impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Server {
    /// Stops the server with SIGTERM; it finishes requests in flight and exits 0.
    pub fn terminate(mut self) {
        let status = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()
            .expect("kill runs");
        assert!(status.success());
        let exit = self.child.wait().expect("the server ends");
        assert!(
            exit.success(),
            "rapport serve exits 0 on SIGTERM, got {exit}"
        );
    }
}
