//! Scoring against hand-computed answers, including every band edge and cut-off.

use rapport_measures::{Registry, Settings, Subscales};

use crate::helpers::{gad7_with_total, items, phq9_with_total, rows, score_csv, score_with};

const SRS: [&str; 4] = ["relationship", "goals", "approach", "overall"];
const ORS: [&str; 4] = ["individual", "interpersonal", "social", "overall"];

fn phq9(answers: &[Vec<f64>]) -> Vec<(f64, Option<String>, Vec<String>)> {
    let cols = items(9);
    let cols: Vec<&str> = cols.iter().map(String::as_str).collect();
    let answers: Vec<&[f64]> = answers.iter().map(Vec::as_slice).collect();
    score_csv(&rows("phq-9", &cols, &answers))
        .responses
        .into_iter()
        .map(|r| (r.total, r.band, r.flags))
        .collect()
}

#[test]
fn srs_total_and_cutoff_edge() {
    // 10 + 9 + 9.5 + 9.5 = 38; 9 * 4 = 36 sits on the cut-off, not under it;
    // 9 + 9 + 9 + 8.9 = 35.9 is under it.
    let report = score_csv(&rows(
        "srs",
        &SRS,
        &[
            &[10.0, 9.0, 9.5, 9.5],
            &[9.0, 9.0, 9.0, 9.0],
            &[9.0, 9.0, 9.0, 8.9],
        ],
    ));
    let got: Vec<(f64, Vec<String>)> = report
        .responses
        .iter()
        .map(|r| (r.total, r.flags.clone()))
        .collect();
    assert_eq!(
        got,
        [
            (38.0, vec![]),
            (36.0, vec![]),
            (35.9, vec!["below_cutoff".to_string()])
        ]
    );
    assert_eq!(report.responses[0].band, None);
    assert_eq!(report.responses[0].subscales, Subscales::default());
}

#[test]
fn srs_total_free_of_floating_point_noise() {
    // 9.1 + 8.9 + 9.3 + 8.7 is 35.99999999999999 in f64; the total must be 36 and not flagged.
    let report = score_csv(&rows("srs", &SRS, &[&[9.1, 8.9, 9.3, 8.7]]));
    assert_eq!(report.responses[0].total, 36.0);
    assert!(report.responses[0].flags.is_empty());
}

#[test]
fn srs_cutoff_is_configurable() {
    let mut settings = Settings::default();
    settings.cutoffs.insert("srs".into(), 36.1);
    let report = score_with(&rows("srs", &SRS, &[&[9.0, 9.0, 9.0, 9.0]]), &settings);
    assert_eq!(report.responses[0].flags, ["below_cutoff"]);
}

#[test]
fn srs_extremes() {
    let report = score_csv(&rows("srs", &SRS, &[&[0.0; 4], &[10.0; 4]]));
    assert_eq!(report.responses[0].total, 0.0);
    assert_eq!(report.responses[1].total, 40.0);
}

#[test]
fn ors_clinical_range_edge() {
    // 25 is the adult cut-off: 25 is not clinical, 24.9 is.
    let report = score_csv(&rows(
        "ors",
        &ORS,
        &[
            &[6.25, 6.25, 6.25, 6.25],
            &[6.2, 6.2, 6.2, 6.3],
            &[6.2, 6.2, 6.2, 6.2],
            &[4.5; 4],
        ],
    ));
    let got: Vec<(f64, usize)> = report
        .responses
        .iter()
        .map(|r| (r.total, r.flags.len()))
        .collect();
    assert_eq!(got, [(25.0, 0), (24.9, 1), (24.8, 1), (18.0, 1)]);
    assert_eq!(report.responses[3].flags, ["below_cutoff"]);
}

#[test]
fn ors_children_cutoff_32() {
    let mut settings = Settings::default();
    settings.cutoffs.insert("ors".into(), 32.0);
    let report = score_with(
        &rows("ors", &ORS, &[&[8.0; 4], &[7.9, 8.0, 8.0, 8.0]]),
        &settings,
    );
    assert!(report.responses[0].flags.is_empty());
    assert_eq!(report.responses[1].flags, ["below_cutoff"]);
}

#[test]
fn wai_sr_total_and_subscales() {
    // Task = items 1, 2, 10, 12; Goal = 4, 6, 8, 11; Bond = 3, 5, 7, 9 (Hatcher & Gillaspy 2006).
    let cols = items(12);
    let cols: Vec<&str> = cols.iter().map(String::as_str).collect();
    //              1    2    3    4    5    6    7    8    9    10   11   12
    let a: &[f64] = &[4.0, 4.0, 5.0, 4.0, 5.0, 4.0, 5.0, 4.0, 5.0, 4.0, 4.0, 4.0];
    let b: &[f64] = &[1.0, 2.0, 3.0, 4.0, 5.0, 1.0, 2.0, 3.0, 4.0, 5.0, 1.0, 2.0];
    let report = score_csv(&rows("wai-sr", &cols, &[a, b, &[1.0; 12], &[5.0; 12]]));
    let r = &report.responses;
    assert_eq!(r[0].total, 52.0);
    assert_eq!(
        r[0].subscales.0,
        [
            ("task".to_string(), 16.0),
            ("goal".to_string(), 16.0),
            ("bond".to_string(), 20.0)
        ]
    );
    // b: task 1+2+5+2 = 10; goal 4+1+3+1 = 9; bond 3+5+2+4 = 14; total 33.
    assert_eq!(r[1].total, 33.0);
    assert_eq!(r[1].subscales.get("task"), Some(10.0));
    assert_eq!(r[1].subscales.get("goal"), Some(9.0));
    assert_eq!(r[1].subscales.get("bond"), Some(14.0));
    assert_eq!((r[2].total, r[3].total), (12.0, 60.0));
    assert_eq!(r[2].subscales.get("bond"), Some(4.0));
    assert_eq!(r[3].subscales.get("bond"), Some(20.0));
    assert!(r.iter().all(|x| x.band.is_none() && x.flags.is_empty()));
}

#[test]
fn wai_sr_json_matches_the_issue() {
    let cols = items(12);
    let cols: Vec<&str> = cols.iter().map(String::as_str).collect();
    let a: &[f64] = &[4.0, 4.0, 5.0, 4.0, 5.0, 4.0, 5.0, 4.0, 5.0, 4.0, 4.0, 4.0];
    let report = score_csv(&rows("wai-sr", &cols, &[a]).replace(",2026-01-01,", ",2026-01-05,"));
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"responses": [{"client": "A", "session": 1, "date": "2026-01-05",
            "instrument": "wai-sr", "total": 52.0,
            "subscales": {"task": 16.0, "goal": 16.0, "bond": 20.0}, "band": null, "flags": []}]})
    );
    // Subscales keep the instrument's order, not alphabetical order.
    let text = serde_json::to_string(&report).unwrap();
    assert!(text.contains(r#""subscales":{"task":16.0,"goal":16.0,"bond":20.0}"#));
}

#[test]
fn phq9_band_edges() {
    // Kroenke et al. 2001: 0-4 minimal, 5-9 mild, 10-14 moderate, 15-19 moderately severe, 20-27 severe.
    let cases = [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "moderately severe"),
        (19, "moderately severe"),
        (20, "severe"),
        (24, "severe"),
    ];
    let answers: Vec<Vec<f64>> = cases.iter().map(|(t, _)| phq9_with_total(*t, 0)).collect();
    let got = phq9(&answers);
    for ((total, band), (got_total, got_band, flags)) in cases.iter().zip(got) {
        assert_eq!(got_total, f64::from(*total));
        assert_eq!(got_band.as_deref(), Some(*band), "total {total}");
        assert!(flags.is_empty());
    }
    // The maximum, 27, needs item 9 = 3.
    let got = phq9(&[phq9_with_total(27, 3)]);
    assert_eq!(
        got[0],
        (
            27.0,
            Some("severe".into()),
            vec!["self_harm_item".to_string()]
        )
    );
}

#[test]
fn phq9_self_harm_flag_is_item9_above_0() {
    let got = phq9(&[
        phq9_with_total(3, 0),
        phq9_with_total(3, 1),
        phq9_with_total(6, 2),
    ]);
    assert!(got[0].2.is_empty());
    assert_eq!(got[1].2, ["self_harm_item"]);
    assert_eq!(got[2].2, ["self_harm_item"]);
    // PHQ-9 sets no below_cutoff flag: its band carries the severity.
    let got = phq9(&[phq9_with_total(12, 0)]);
    assert_eq!(got[0], (12.0, Some("moderate".into()), vec![]));
}

#[test]
fn phq9_item10_is_optional_and_not_scored() {
    let csv = "client,session,date,instrument,item1,item2,item3,item4,item5,item6,item7,item8,item9,item10\n\
               A,1,2026-01-05,phq-9,1,1,1,1,1,1,1,1,0,3\n\
               A,2,2026-01-12,phq-9,1,1,1,1,1,1,1,1,0,\n";
    let report = score_csv(csv);
    assert_eq!(report.responses[0].total, 8.0);
    assert_eq!(report.responses[1].total, 8.0);
}

#[test]
fn gad7_band_edges() {
    // Spitzer et al. 2006: 0-4 minimal, 5-9 mild, 10-14 moderate, 15-21 severe.
    let cases = [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "severe"),
        (21, "severe"),
    ];
    let cols = items(7);
    let cols: Vec<&str> = cols.iter().map(String::as_str).collect();
    let answers: Vec<Vec<f64>> = cases.iter().map(|(t, _)| gad7_with_total(*t)).collect();
    let answers: Vec<&[f64]> = answers.iter().map(Vec::as_slice).collect();
    let report = score_csv(&rows("gad-7", &cols, &answers));
    for ((total, band), r) in cases.iter().zip(&report.responses) {
        assert_eq!(r.total, f64::from(*total));
        assert_eq!(r.band.as_deref(), Some(*band), "total {total}");
        assert!(r.flags.is_empty());
    }
}

#[test]
fn instrument_names_are_case_insensitive() {
    let report = score_csv(&rows("SRS", &SRS, &[&[9.0; 4]]));
    assert_eq!(report.responses[0].instrument, "srs");
}

#[test]
fn whole_answer_sets_are_checked_item_by_item() {
    use std::collections::BTreeMap;

    use rapport_measures::check_answers;
    let registry = Registry::builtin();
    let phq = registry.get("phq-9").unwrap();
    let mut answers: BTreeMap<String, f64> = (1..=9).map(|i| (format!("item{i}"), 1.0)).collect();
    let checked = check_answers(phq, &answers).unwrap();
    assert_eq!(checked.len(), 9);
    // The optional difficulty item may be left out; a choice value snaps to its weight.
    answers.insert("item3".into(), 2.000_000_000_1);
    assert_eq!(check_answers(phq, &answers).unwrap()["item3"], 2.0);
    answers.remove("item4");
    answers.insert("item9".into(), 4.0);
    answers.insert("item11".into(), 1.0);
    let problems = check_answers(phq, &answers).unwrap_err();
    let items: Vec<&str> = problems.iter().map(|p| p.item.as_str()).collect();
    assert_eq!(items, ["item4", "item9", "item11"]);
    assert!(problems[0].message.contains("no answer"));
    assert!(problems[1].message.contains("4 is out of range"));
    assert!(problems[2].message.contains("not an item of phq-9"));
    let srs = registry.get("srs").unwrap();
    let nan: BTreeMap<String, f64> = [
        ("relationship", f64::NAN),
        ("goals", 9.0),
        ("approach", 9.0),
        ("overall", 10.5),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let problems = check_answers(srs, &nan).unwrap_err();
    assert_eq!(problems.len(), 2);
    assert!(problems[0].message.contains("not a number"));
}
