//! `GET /api/v1/clients/{id}`'s `instruments` are what `rapport measures track` prints
//! for that client over the same answers: the clinic's responses written as Rapport's
//! CSV, loaded, scored and tracked by `rapport-measures` directly, and compared.

use axum::http::StatusCode;
use rapport_measures::{Registry, Settings, load_csv, score_all, track};
use serde_json::{Value, json};

use crate::harness::{Agent, Server, on_both};

const COLUMNS: [&str; 16] = [
    "relationship",
    "goals",
    "approach",
    "overall",
    "individual",
    "interpersonal",
    "social",
    "item1",
    "item2",
    "item3",
    "item4",
    "item5",
    "item6",
    "item7",
    "item8",
    "item9",
];

/// Enters one response by paper and writes its CSV row.
async fn enter(
    s: &Server,
    csv: &mut String,
    who: &Agent,
    (client, code): (i64, &str),
    (session, date): (u32, &str),
    instrument: &str,
    answers: Value,
) {
    let r = s
        .paper(who, client, session, date, instrument, answers.clone())
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let cells: Vec<String> = COLUMNS
        .iter()
        .map(|c| answers.get(c).map(|v| v.to_string()).unwrap_or_default())
        .collect();
    csv.push_str(&format!(
        "{code},{session},{date},{instrument},{}\n",
        cells.join(",")
    ));
}

fn four(names: [&str; 4], v: [f64; 4]) -> Value {
    json!({names[0]: v[0], names[1]: v[1], names[2]: v[2], names[3]: v[3]})
}

on_both! {
    fn the_clients_instruments_are_what_measures_track_computes(s) {
        let w = s.world().await;
        let mut csv = format!("client,session,date,instrument,{}\n", COLUMNS.join(","));
        let srs = ["relationship", "goals", "approach", "overall"];
        let ors = ["individual", "interpersonal", "social", "overall"];
        let c1 = (w.client_c1, "C1-001");
        let c2 = (w.client_c2, "C2-001");
        let srs_c1 = [[9.0, 9.2, 9.1, 9.0], [9.5, 9.4, 9.6, 9.5], [7.0, 6.5, 7.2, 6.8], [9.4, 9.6, 9.5, 9.7], [9.8, 9.7, 9.9, 9.6], [8.0, 8.1, 7.9, 8.2]];
        let ors_c1 = [[4.0, 5.0, 3.5, 4.5], [5.0, 5.5, 4.0, 5.0], [6.0, 6.5, 5.5, 6.0], [7.5, 7.0, 6.5, 7.0], [8.0, 8.5, 7.5, 8.0], [8.5, 8.0, 8.0, 8.5]];
        for (i, (a, o)) in srs_c1.iter().zip(&ors_c1).enumerate() {
            let session = i as u32 + 1;
            let date = format!("2026-{:02}-{:02}", 9 + i / 3, 1 + (i % 3) * 7);
            enter(s, &mut csv, &w.c1, c1, (session, &date), "srs", four(srs, *a)).await;
            enter(s, &mut csv, &w.c1, c1, (session, &date), "ors", four(ors, *o)).await;
            if session % 2 == 1 {
                let v = 3 - (i / 2).min(3);
                let phq = json!({"item1": v, "item2": v, "item3": 1, "item4": v, "item5": 0, "item6": 1, "item7": 0, "item8": 0, "item9": 0});
                enter(s, &mut csv, &w.c1, c1, (session, &date), "phq-9", phq).await;
            }
        }
        // The rest of the caseload, which the statistical rule pools over.
        for (i, v) in [9.0, 8.5, 9.2, 5.0].iter().enumerate() {
            let date = format!("2026-10-{:02}", 1 + i * 7);
            enter(s, &mut csv, &w.c2, c2, (i as u32 + 1, &date), "srs", four(srs, [*v, *v, *v, *v])).await;
        }
        // Another clinic's answers are not in this clinic's caseload (nor the CSV).
        let r = s.paper(&w.d, w.client_d, 1, "2026-10-01", "srs", four(srs, [1.0, 1.0, 1.0, 1.0])).await;
        assert_eq!(r.status, StatusCode::CREATED);

        let registry = Registry::builtin();
        let responses = load_csv(csv.as_bytes(), "caseload.csv", &registry).expect("the CSV loads");
        let settings = Settings::default();
        let scored = score_all(&registry, &responses, &settings).expect("scores");
        let report = track(&registry, &scored, &settings);
        for (client, code, who) in [(w.client_c1, "C1-001", &w.c1), (w.client_c2, "C2-001", &w.c2)] {
            let expected = report.clients.iter().find(|c| c.client == code).expect("tracked");
            let r = s.get(Some(who), &format!("/api/v1/clients/{client}")).await;
            assert_eq!(r.status, StatusCode::OK);
            let got = r.json()["instruments"].clone();
            assert_eq!(got, serde_json::to_value(&expected.instruments).unwrap(), "{code}");
        }
        let c1_track = &report.clients.iter().find(|c| c.client == "C1-001").unwrap().instruments;
        assert_eq!(c1_track.len(), 3, "srs, ors and phq-9 are tracked");
        // The supervisor's read is the same record.
        let sup = s.get(Some(&w.sup), &format!("/api/v1/clients/{}", w.client_c1)).await.json();
        assert_eq!(sup["instruments"], serde_json::to_value(c1_track).unwrap());
    }
}
