//! Renders the hand-written test session as HTML reports, for looking at them in a
//! browser (and for the README's screenshot):
//!
//! ```text
//! cargo run -p rapport-report --example demo -- /tmp/rapport-demo
//! chromium --headless --screenshot=report.png --window-size=1280,2000 file:///tmp/rapport-demo/week-3-sam.html
//! ```

use std::path::PathBuf;

use rapport_core::ModelAccuracy;
use rapport_core::{CodedSession, CodedUtterance, Summary};
use rapport_report::{html, session_file_names};
use serde::Deserialize;

#[derive(Deserialize)]
struct Fixture {
    id: String,
    source: String,
    utterances: Vec<CodedUtterance>,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "rapport-demo".into()),
    );
    let fixture =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/reports/session.json");
    let f: Fixture = serde_json::from_str(&std::fs::read_to_string(fixture)?)?;
    let session = CodedSession {
        id: f.id,
        source: f.source,
        summary: Summary::from_utterances(&f.utterances),
        utterances: f.utterances,
    };
    let sessions = vec![session];
    let files = session_file_names(&sessions, "html");
    std::fs::create_dir_all(&out)?;
    let accuracy = ModelAccuracy::unknown();
    for (session, file) in sessions.iter().zip(&files) {
        std::fs::write(out.join(file), html::render_session(session, &accuracy)?)?;
    }
    std::fs::write(
        out.join("index.html"),
        html::render_index(&sessions, &files, &accuracy)?,
    )?;
    println!("wrote {}", out.display());
    Ok(())
}
