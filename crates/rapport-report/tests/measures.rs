//! The measures' reports: text, CSV and the HTML trends page (insta snapshots in
//! `snapshots/`), from the caseload in `testdata/measures/`.

use std::path::PathBuf;

use rapport_measures::{Registry, ScoreReport, Settings, TrackReport, load, score_all, track};
use rapport_report::measures::{instruments_text, score_csv, score_text, track_text};
use rapport_report::trends::track_html;

fn read_fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/measures")
        .join(name);
    std::fs::read(path).unwrap()
}

fn caseload() -> (Registry, ScoreReport, TrackReport) {
    let registry = Registry::builtin();
    let responses = load(&read_fixture("caseload.csv"), "caseload.csv", &registry).unwrap();
    let scored = score_all(&registry, &responses, &Settings::default()).unwrap();
    let tracked = track(&registry, &scored, &Settings::default());
    (registry, scored, tracked)
}

#[test]
fn list_text() {
    insta::assert_snapshot!(instruments_text(&Registry::builtin()));
}

#[test]
fn score_as_text() {
    insta::assert_snapshot!(score_text(&caseload().1));
}

#[test]
fn score_as_csv() {
    let csv = score_csv(&caseload().1);
    assert!(csv.starts_with("client,session,date,instrument,total,task,goal,bond,band,flags\n"));
    insta::assert_snapshot!(csv);
}

#[test]
fn track_as_text() {
    let (registry, _, tracked) = caseload();
    insta::assert_snapshot!(track_text(&tracked, &registry, &Settings::default()));
}

#[test]
fn track_as_html_is_self_contained_and_accessible() {
    let (registry, _, tracked) = caseload();
    let html = track_html(&tracked, &registry, &Settings::default()).unwrap();
    // Self-contained: no scripts, no external stylesheets, images or fonts.
    for banned in ["<script", "<link", "<img", "src=", "@import", "url("] {
        assert!(!html.contains(banned), "found {banned}");
    }
    assert!(html.contains("@media print"));
    // One chart per client and instrument: 4 for A, 3 for B.
    assert_eq!(html.matches("<svg").count(), 7);
    assert_eq!(html.matches("role=\"img\"").count(), 7);
    assert_eq!(html.matches("<figcaption").count(), 7);
    assert!(html.contains("<title id=\"chart-2-title\">Session Rating Scale (SRS) totals for client A, sessions 1 to 6: from 38 to 39. Dashed line: cut-off 36. 1 rupture (triangles), 1 repaired (rings).</title>"));
    assert!(html.contains("<h2 id=\"client-1-h\">Client A</h2>"));
    assert!(html.contains("session 4 (below_cutoff, drop), repaired at session 6"));
    assert!(html.contains("<td>rupture (below_cutoff, drop)</td>"));
    assert!(html.contains("<td>repair</td>"));
    // Okabe-Ito colours for the series, ruptures and repairs.
    for colour in ["#0072B2", "#D55E00", "#009E73"] {
        assert!(html.contains(colour), "{colour}");
    }
    insta::assert_snapshot!(html);
}

#[test]
fn html_escapes_client_ids() {
    let csv = "client,session,date,instrument,relationship,goals,approach,overall\n\
               <b>&x,1,2026-01-05,srs,9,9,9,9\n";
    let registry = Registry::builtin();
    let responses = rapport_measures::load_csv(csv.as_bytes(), "x.csv", &registry).unwrap();
    let scored = score_all(&registry, &responses, &Settings::default()).unwrap();
    let html = track_html(
        &track(&registry, &scored, &Settings::default()),
        &registry,
        &Settings::default(),
    )
    .unwrap();
    assert!(!html.contains("<b>&x"));
    assert!(html.contains("&lt;b&gt;&amp;x"));
}

#[test]
fn empty_reports_render() {
    let registry = Registry::builtin();
    let html = track_html(&TrackReport::default(), &registry, &Settings::default()).unwrap();
    assert!(html.contains("No responses."));
    assert_eq!(
        track_text(&TrackReport::default(), &registry, &Settings::default()),
        "No responses.\n"
    );
    assert_eq!(score_text(&ScoreReport::default()), "No responses.\n");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 64, ..Default::default() })]

    /// Whatever scores renders, in every format: text, CSV and the trends page.
    #[test]
    fn any_scored_series_renders(
        rows in proptest::collection::vec(
            (0usize..3, 1u32..9, 0u32..=100, 0u32..=100, proptest::sample::select(vec!["srs", "ors"])),
            0..20,
        )
    ) {
        let mut csv = String::from("client,session,date,instrument,relationship,goals,approach,overall,individual,interpersonal,social\n");
        let mut seen = std::collections::HashSet::new();
        for (client, session, a, b, instrument) in rows {
            if !seen.insert((client, session, instrument)) {
                continue;
            }
            let (x, y) = (f64::from(a) / 10.0, f64::from(b) / 10.0);
            let client = ["A", "<b>&", "O'Brien/2"][client];
            if instrument == "srs" {
                csv.push_str(&format!("{client},{session},2026-01-05,srs,{x},{y},{x},{y},,,\n"));
            } else {
                csv.push_str(&format!("{client},{session},2026-01-05,ors,,,,{x},{y},{x},{y}\n"));
            }
        }
        let registry = Registry::builtin();
        let responses = load(csv.as_bytes(), "p.csv", &registry).unwrap();
        let settings = Settings::default();
        let scored = score_all(&registry, &responses, &settings).unwrap();
        let tracked = track(&registry, &scored, &settings);
        let _ = score_text(&scored);
        let _ = score_csv(&scored);
        let _ = track_text(&tracked, &registry, &settings);
        let html = track_html(&tracked, &registry, &settings).unwrap();
        proptest::prop_assert!(!html.contains("<b>&"));
    }
}
