//! Ruptures, repairs and change on small hand-made caseloads: one test per rule and
//! per window edge.

use chrono::NaiveDate;
use rapport_measures::track::{change, differences, ruptures, sd_of};
use rapport_measures::{
    Registry, ReliableChange, Rule, Rupture, SeriesPoint, Settings, load, score_all, track,
};

use crate::helpers::read_fixture;

fn series(points: &[(u32, f64)]) -> Vec<SeriesPoint> {
    points
        .iter()
        .map(|&(session, total)| SeriesPoint {
            session,
            date: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()
                + chrono::Days::new(u64::from(session) * 7),
            total,
        })
        .collect()
}

/// Series from totals at sessions 1, 2, 3, ...
fn seq(totals: &[f64]) -> Vec<SeriesPoint> {
    let points: Vec<(u32, f64)> = totals
        .iter()
        .enumerate()
        .map(|(i, t)| (i as u32 + 1, *t))
        .collect();
    series(&points)
}

fn only(rules: &[Rule]) -> Settings {
    Settings {
        rules: rules.to_vec(),
        ..Settings::default()
    }
}

fn run(id: &str, s: &[SeriesPoint], caseload_sd: Option<f64>, settings: &Settings) -> Vec<Rupture> {
    let registry = Registry::builtin();
    ruptures(registry.get(id).unwrap(), s, caseload_sd, settings)
}

fn rupture(session: u32, rules: &[&str], repaired_at: Option<u32>) -> Rupture {
    Rupture {
        session,
        rules: rules.iter().map(|r| r.to_string()).collect(),
        repaired_at,
    }
}

#[test]
fn below_cutoff_fires_under_36_not_at_it() {
    let s = seq(&[38.0, 36.0, 35.9, 37.0]);
    assert_eq!(
        run("srs", &s, None, &only(&[Rule::BelowCutoff])),
        [rupture(3, &["below_cutoff"], Some(4))]
    );
}

#[test]
fn below_cutoff_at_the_first_session_is_repaired_by_crossing_the_cutoff() {
    // No pre-rupture session: the repair is the first session back at or above the cut-off.
    let s = seq(&[30.0, 35.0, 36.0]);
    assert_eq!(
        run("srs", &s, None, &only(&[Rule::BelowCutoff])),
        [
            rupture(1, &["below_cutoff"], Some(3)),
            rupture(2, &["below_cutoff"], Some(3))
        ]
    );
}

#[test]
fn drop_fires_at_exactly_one_point_not_below() {
    let s = seq(&[38.0, 37.0, 38.0, 37.1]);
    assert_eq!(
        run("srs", &s, None, &only(&[Rule::Drop])),
        [rupture(2, &["drop"], Some(3))]
    );
    // Floating-point noise: 38.3 - 37.3 must count as a full point.
    let s = seq(&[38.3, 37.3]);
    assert_eq!(
        run("srs", &s, None, &only(&[Rule::Drop])),
        [rupture(2, &["drop"], None)]
    );
}

#[test]
fn drop_threshold_is_configurable_per_instrument_and_for_all() {
    let s = seq(&[38.0, 36.5]);
    let mut settings = only(&[Rule::Drop]);
    settings.drops.insert("srs".into(), 2.0);
    assert!(run("srs", &s, None, &settings).is_empty());
    let mut settings = only(&[Rule::Drop]);
    settings.drop_all = Some(1.5);
    assert_eq!(run("srs", &s, None, &settings).len(), 1);
}

#[test]
fn wai_sr_default_drop_is_three_points_and_it_has_no_cutoff() {
    let s = seq(&[50.0, 47.0, 50.0, 48.0, 20.0]);
    let got = run("wai-sr", &s, None, &only(&[Rule::Drop, Rule::BelowCutoff]));
    // 50 -> 47 is a drop of 3; 50 -> 48 is not; 48 -> 20 is; 20 never fires below_cutoff.
    assert_eq!(
        got,
        [rupture(2, &["drop"], Some(3)), rupture(5, &["drop"], None)]
    );
}

#[test]
fn statistical_uses_the_clients_own_sd() {
    // Differences +0.5, -0.5, +0.5, -0.5, -8: mean -1.6, sample SD sqrt(52.2 / 4) = 3.612.
    let s = seq(&[38.0, 38.5, 38.0, 38.5, 38.0, 30.0]);
    let sd = sd_of(&differences(&s)).unwrap();
    assert!((sd - (52.2f64 / 4.0).sqrt()).abs() < 1e-12);
    // k = 2: 8 > 7.22 fires; k = 3: 8 < 10.84 does not.
    assert_eq!(
        run("srs", &s, None, &only(&[Rule::Statistical])),
        [rupture(6, &["statistical"], None)]
    );
    let settings = Settings {
        sd_k: 3.0,
        ..only(&[Rule::Statistical])
    };
    assert!(run("srs", &s, None, &settings).is_empty());
}

#[test]
fn statistical_takes_the_larger_caseload_sd() {
    let s = seq(&[38.0, 38.5, 38.0, 38.5, 38.0, 30.0]);
    // Caseload SD 5: 2 x 5 = 10 > 8, so no rupture.
    assert!(run("srs", &s, Some(5.0), &only(&[Rule::Statistical])).is_empty());
    // A smaller caseload SD does not lower the client's.
    assert_eq!(
        run("srs", &s, Some(1.0), &only(&[Rule::Statistical])).len(),
        1
    );
}

#[test]
fn statistical_needs_two_differences_or_a_caseload_sd() {
    // One difference: no client SD; without a caseload SD the rule cannot fire.
    let s = seq(&[38.0, 20.0]);
    assert!(run("srs", &s, None, &only(&[Rule::Statistical])).is_empty());
    // With the caseload's SD it can.
    assert_eq!(
        run("srs", &s, Some(1.0), &only(&[Rule::Statistical])),
        [rupture(2, &["statistical"], None)]
    );
    // A drop of exactly k x SD is not larger than it.
    let s = seq(&[38.0, 30.0]);
    assert!(run("srs", &s, Some(4.0), &only(&[Rule::Statistical])).is_empty());
    assert_eq!(
        run("srs", &s, Some(3.99), &only(&[Rule::Statistical])).len(),
        1
    );
    // An SD of 0 gives the rule nothing to judge against.
    assert!(
        run(
            "srs",
            &seq(&[38.0, 36.0]),
            Some(0.0),
            &only(&[Rule::Statistical])
        )
        .is_empty()
    );
}

#[test]
fn all_rules_are_named_when_they_fire_together() {
    let s = seq(&[38.0, 38.5, 38.0, 38.5, 38.0, 30.0]);
    assert_eq!(
        run("srs", &s, None, &Settings::default()),
        [rupture(6, &["below_cutoff", "drop", "statistical"], None)]
    );
    assert!(run("srs", &s, None, &only(&[])).is_empty());
}

#[test]
fn repair_window_edges() {
    // Rupture at 4 (from 38); back to 38 at session 7 = 4 + 3: repaired.
    let s = series(&[
        (1, 38.0),
        (2, 38.0),
        (3, 38.0),
        (4, 34.0),
        (5, 35.0),
        (6, 35.5),
        (7, 38.0),
    ]);
    let got = run("srs", &s, None, &only(&[Rule::Drop]));
    assert_eq!(got, [rupture(4, &["drop"], Some(7))]);
    // The same return one session later, at 8 = 4 + 4: unrepaired.
    let s = series(&[
        (1, 38.0),
        (2, 38.0),
        (3, 38.0),
        (4, 34.0),
        (5, 35.0),
        (6, 35.5),
        (7, 35.5),
        (8, 38.0),
    ]);
    assert_eq!(
        run("srs", &s, None, &only(&[Rule::Drop])),
        [rupture(4, &["drop"], None)]
    );
    // The window counts session numbers, not rows: a missed session 5-6 still counts.
    let s = series(&[(1, 38.0), (4, 34.0), (8, 38.0)]);
    assert_eq!(
        run("srs", &s, None, &only(&[Rule::Drop])),
        [rupture(4, &["drop"], None)]
    );
    let s = series(&[(1, 38.0), (4, 34.0), (7, 38.0)]);
    assert_eq!(
        run("srs", &s, None, &only(&[Rule::Drop])),
        [rupture(4, &["drop"], Some(7))]
    );
    // A window of 1 needs the very next session.
    let settings = Settings {
        repair_window: 1,
        ..only(&[Rule::Drop])
    };
    let s = seq(&[38.0, 34.0, 35.0, 38.0]);
    assert_eq!(
        run("srs", &s, None, &settings),
        [rupture(2, &["drop"], None)]
    );
}

#[test]
fn repair_needs_the_pre_rupture_level() {
    let s = seq(&[38.0, 34.0, 37.9, 38.0]);
    assert_eq!(
        run("srs", &s, None, &only(&[Rule::Drop])),
        [rupture(2, &["drop"], Some(4))]
    );
    let s = seq(&[38.0, 34.0, 37.9, 37.9, 37.9]);
    assert_eq!(
        run("srs", &s, None, &only(&[Rule::Drop])),
        [rupture(2, &["drop"], None)]
    );
}

#[test]
fn the_pre_rupture_level_skips_sessions_that_were_ruptures() {
    // 38, then 36.5 (drop), then 35 (drop, below): both measured against 38.
    let s = seq(&[38.0, 36.5, 35.0, 37.0, 38.0]);
    assert_eq!(
        run("srs", &s, None, &only(&[Rule::Drop, Rule::BelowCutoff])),
        [
            rupture(2, &["drop"], Some(5)),
            rupture(3, &["below_cutoff", "drop"], Some(5))
        ]
    );
}

fn change_of(id: &str, first: f64, last: f64) -> (f64, Option<ReliableChange>, Option<bool>) {
    let registry = Registry::builtin();
    let c = change(
        registry.get(id).unwrap(),
        &seq(&[first, last]),
        &Settings::default(),
    )
    .unwrap();
    (c.delta, c.reliable_change, c.clinically_significant)
}

#[test]
fn ors_change_edges() {
    use ReliableChange::*;
    // Reliable change index 5 points; clinical cut-off 25 (Miller et al.).
    assert_eq!(
        change_of("ors", 18.0, 27.0),
        (9.0, Some(Improved), Some(true))
    );
    assert_eq!(
        change_of("ors", 20.0, 25.0),
        (5.0, Some(Improved), Some(true))
    );
    assert_eq!(
        change_of("ors", 20.0, 24.9),
        (4.9, Some(Unchanged), Some(false))
    );
    assert_eq!(
        change_of("ors", 19.0, 24.0),
        (5.0, Some(Improved), Some(false))
    );
    assert_eq!(
        change_of("ors", 26.0, 32.0),
        (6.0, Some(Improved), Some(false))
    );
    assert_eq!(
        change_of("ors", 30.0, 25.0),
        (-5.0, Some(Deteriorated), Some(false))
    );
    assert_eq!(
        change_of("ors", 30.0, 25.1),
        (-4.9, Some(Unchanged), Some(false))
    );
}

#[test]
fn phq9_and_gad7_change_edges() {
    use ReliableChange::*;
    // PHQ-9: index 6, clinical at 10 or more; higher is worse.
    assert_eq!(
        change_of("phq-9", 16.0, 10.0),
        (-6.0, Some(Improved), Some(false))
    );
    assert_eq!(
        change_of("phq-9", 15.0, 9.0),
        (-6.0, Some(Improved), Some(true))
    );
    assert_eq!(
        change_of("phq-9", 15.0, 10.0),
        (-5.0, Some(Unchanged), Some(false))
    );
    assert_eq!(
        change_of("phq-9", 4.0, 10.0),
        (6.0, Some(Deteriorated), Some(false))
    );
    // GAD-7: index 4, clinical at 8 or more.
    assert_eq!(
        change_of("gad-7", 8.0, 4.0),
        (-4.0, Some(Improved), Some(true))
    );
    assert_eq!(
        change_of("gad-7", 12.0, 8.0),
        (-4.0, Some(Improved), Some(false))
    );
    assert_eq!(
        change_of("gad-7", 10.0, 7.0),
        (-3.0, Some(Unchanged), Some(false))
    );
    assert_eq!(
        change_of("gad-7", 3.0, 7.0),
        (4.0, Some(Deteriorated), Some(false))
    );
}

#[test]
fn change_is_configurable_and_needs_two_sessions() {
    let registry = Registry::builtin();
    let ors = registry.get("ors").unwrap();
    let mut settings = Settings::default();
    settings.reliable_change.insert("ors".into(), 6.0);
    let c = change(ors, &seq(&[20.0, 25.0]), &settings).unwrap();
    assert_eq!(c.reliable_change, Some(ReliableChange::Unchanged));
    assert!(change(ors, &seq(&[20.0]), &settings).is_none());
}

#[test]
fn caseload_matches_the_issue_json() {
    let registry = Registry::builtin();
    let responses = load(&read_fixture("caseload.csv"), "caseload.csv", &registry).unwrap();
    let scored = score_all(&registry, &responses, &Settings::default()).unwrap();
    let report = track(&registry, &scored, &Settings::default());
    let json = serde_json::to_value(&report).unwrap();
    let a = &json["clients"][0];
    assert_eq!(a["client"], "A");
    let ids: Vec<&str> = a["instruments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["instrument"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["wai-sr", "srs", "ors", "phq-9"]);
    assert_eq!(
        a["instruments"][1]["series"][0],
        serde_json::json!({"session": 1, "date": "2026-01-05", "total": 38.0})
    );
    assert_eq!(
        a["instruments"][1]["ruptures"],
        serde_json::json!([{"session": 4, "rules": ["below_cutoff", "drop"], "repaired_at": 6}])
    );
    assert_eq!(a["instruments"][1]["change"], serde_json::Value::Null);
    assert_eq!(
        a["instruments"][2],
        serde_json::json!({"instrument": "ors",
            "series": [{"session": 1, "date": "2026-01-05", "total": 18.0}, {"session": 6, "date": "2026-02-09", "total": 27.0}],
            "ruptures": [],
            "change": {"first": 18.0, "last": 27.0, "delta": 9.0, "reliable_change": "improved", "clinically_significant": true}})
    );
    // A single PHQ-9 session has no change yet.
    assert_eq!(a["instruments"][3]["change"], serde_json::Value::Null);
    let b = &json["clients"][1];
    assert_eq!(b["client"], "B");
    assert_eq!(
        b["instruments"][0]["ruptures"],
        serde_json::json!([{"session": 2, "rules": ["drop"], "repaired_at": 3}])
    );
    assert_eq!(b["instruments"][1]["change"]["reliable_change"], "improved");
    assert_eq!(
        b["instruments"][2]["change"]["reliable_change"],
        "unchanged"
    );
    assert_eq!(
        b["instruments"][2]["change"]["clinically_significant"],
        false
    );
}

#[test]
fn caseload_sd_pools_every_clients_differences() {
    // Client Y's own series is too short for an SD; the caseload (X's wobble) supplies one.
    let csv = "client,session,date,instrument,relationship,goals,approach,overall\n\
               X,1,2026-01-05,srs,10,10,10,8\n\
               X,2,2026-01-12,srs,10,10,10,9\n\
               X,3,2026-01-19,srs,10,10,10,8\n\
               Y,1,2026-01-05,srs,10,10,10,10\n\
               Y,2,2026-01-12,srs,10,10,10,7\n";
    let registry = Registry::builtin();
    let responses = rapport_measures::load_csv(csv.as_bytes(), "c.csv", &registry).unwrap();
    let scored = score_all(&registry, &responses, &Settings::default()).unwrap();
    let settings = only(&[Rule::Statistical]);
    let report = track(&registry, &scored, &settings);
    // Pooled differences +1, -1, -3: mean -1, SD sqrt((4 + 0 + 4) / 2) = 2; 2 x 2 = 4 > 3.
    assert!(report.clients[1].instruments[0].ruptures.is_empty());
    let loose = Settings {
        sd_k: 1.0,
        ..settings
    };
    let report = track(&registry, &scored, &loose);
    assert_eq!(
        report.clients[1].instruments[0].ruptures,
        [rupture(2, &["statistical"], None)]
    );
}
