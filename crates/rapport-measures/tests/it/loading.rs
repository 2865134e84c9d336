//! Reading CSV: every bad row named by file, line and column; nothing returned on error.

use rapport_measures::{InputError, Location, MAX_PROBLEMS, Registry, load, load_csv, parse_date};

use crate::helpers::read_fixture;

fn errors(csv: &str) -> InputError {
    load_csv(csv.as_bytes(), "in.csv", &Registry::builtin()).unwrap_err()
}

const HEADER: &str = "client,session,date,instrument,relationship,goals,approach,overall";

#[test]
fn bad_fixture_names_every_bad_row() {
    let err = load(&read_fixture("bad.csv"), "bad.csv", &Registry::builtin()).unwrap_err();
    let got: Vec<(Location, &str)> = err
        .problems
        .iter()
        .map(|p| (p.location.clone(), p.message.split(';').next().unwrap()))
        .collect();
    let cell = |line, col, name: &str| Location::Csv {
        line,
        column: Some((col, name.to_string())),
    };
    assert_eq!(
        got,
        [
            (cell(2, 8, "overall"), "11 is out of range for srs overall"),
            (
                cell(3, 3, "date"),
                "date \"2026-1-12\" is not a date in YYYY-MM-DD form"
            ),
            (cell(4, 2, "session"), "session \"x\" is not a whole number"),
            (cell(5, 4, "instrument"), "unknown instrument \"bdi-ii\""),
            (cell(6, 6, "goals"), "srs item goals is blank"),
            (
                Location::Csv {
                    line: 8,
                    column: None
                },
                "client B, session 1, srs already appears on line 7"
            ),
            (cell(9, 17, "item9"), "4 is out of range for phq-9 item9"),
            (cell(10, 16, "item8"), "item8 is not an item of gad-7"),
        ]
    );
    let text = err.to_string();
    assert!(text.starts_with("bad.csv: 8 problems in the input; nothing was output"));
    assert!(text.contains("\n  bad.csv:2:8: column overall: 11 is out of range for srs overall; use a number from 0 to 10"));
    assert!(text.contains("\n  bad.csv:8: client B, session 1, srs already appears on line 7; keep one of the two rows"));
}

#[test]
fn at_most_twenty_problems_are_listed() {
    let mut csv = format!("{HEADER}\n");
    for n in 0..25 {
        csv.push_str(&format!("A,{n},2026-13-01,srs,1,1,1,1\n"));
    }
    let err = errors(&csv);
    assert_eq!(err.problems.len(), MAX_PROBLEMS);
    assert_eq!(err.more, 5);
    assert!(err.to_string().contains("25 problems"));
    assert!(err.to_string().contains("... and 5 more"));
}

#[test]
fn strict_dates() {
    assert!(parse_date("2026-01-05").is_some());
    assert!(parse_date("2024-02-29").is_some());
    for bad in [
        "2026-1-5",
        "2026-01-5",
        "2026-02-30",
        "2025-02-29",
        "26-01-05",
        "2026/01/05",
        "05-01-2026",
        "2026-01-05T10:00",
        "",
        "+2026-01-0",
    ] {
        assert!(parse_date(bad).is_none(), "{bad}");
    }
}

#[test]
fn sessions_must_be_whole_numbers() {
    for bad in ["-1", "1.5", "", "one", "99999999999"] {
        let err = errors(&format!("{HEADER}\nA,{bad},2026-01-05,srs,1,1,1,1\n"));
        assert_eq!(
            err.problems[0].location,
            Location::Csv {
                line: 2,
                column: Some((2, "session".into()))
            },
            "{bad}"
        );
    }
}

#[test]
fn values_out_of_range_or_not_numbers() {
    for bad in ["10.1", "-0.1", "NaN", "inf", "nine"] {
        let err = errors(&format!("{HEADER}\nA,1,2026-01-05,srs,{bad},1,1,1\n"));
        assert_eq!(err.problems.len(), 1, "{bad}");
        assert_eq!(
            err.problems[0]
                .to_string()
                .split(':')
                .take(2)
                .collect::<Vec<_>>(),
            ["2", "5"]
        );
    }
    // Choice items take only their weights.
    let err = errors(
        "client,session,date,instrument,item1,item2,item3,item4,item5,item6,item7\nA,1,2026-01-05,gad-7,1,1,1,1,1,1,1.5\n",
    );
    assert!(err.problems[0].message.contains("use one of 0, 1, 2, 3"));
}

#[test]
fn header_problems() {
    let err = errors("client,session,date,instrument,relationshp,goals,approach,overall\n");
    assert_eq!(
        err.problems[0].location,
        Location::Csv {
            line: 1,
            column: Some((5, "relationshp".into()))
        }
    );
    assert!(err.problems[0].message.contains("--instrument-file"));
    let err = errors("client,date,instrument,goals\nA,2026-01-05,srs,1\n");
    assert!(err.problems[0].message.contains("no session column"));
    let err = errors("client,session,date,instrument,goals,goals\n");
    assert!(err.problems[0].message.contains("appears twice"));
    let err = load_csv(b"", "empty.csv", &Registry::builtin()).unwrap_err();
    assert!(err.to_string().contains("empty.csv: 1 problem"));
    assert!(err.to_string().contains("the file is empty"));
}

#[test]
fn a_missing_item_column_is_named() {
    let err = errors(
        "client,session,date,instrument,relationship,goals,approach\nA,1,2026-01-05,srs,1,1,1\n",
    );
    assert_eq!(
        err.problems[0].location,
        Location::Csv {
            line: 2,
            column: None
        }
    );
    assert!(
        err.problems[0]
            .message
            .contains("needs the column(s) overall")
    );
}

#[test]
fn ragged_rows_and_blank_rows() {
    let err = errors(&format!("{HEADER}\nA,1,2026-01-05,srs,1,1,1\n"));
    assert!(
        err.problems[0]
            .message
            .contains("the row has 7 fields but the header has 8")
    );
    // A row of empty cells (as spreadsheets leave) is skipped.
    let ok = load_csv(
        format!("{HEADER}\n,,,,,,,\nA,1,2026-01-05,srs,1,1,1,1\n").as_bytes(),
        "in.csv",
        &Registry::builtin(),
    )
    .unwrap();
    assert_eq!(ok.len(), 1);
}

#[test]
fn bom_whitespace_and_quotes_are_fine() {
    let csv = format!("\u{feff}{HEADER}\n\"A\", 1 , 2026-01-05 ,srs,1,\"2\",3,4\n");
    let ok = load_csv(csv.as_bytes(), "in.csv", &Registry::builtin()).unwrap();
    assert_eq!(ok[0].answers["goals"], 2.0);
    assert_eq!(ok[0].session, 1);
}

#[test]
fn invalid_utf8_is_a_problem_not_a_panic() {
    let mut csv = format!("{HEADER}\nA,1,2026-01-05,srs,1,1,1,1\n").into_bytes();
    csv.extend_from_slice(b"\xff\xfe,2,2026-01-05,srs,1,1,1,1\n");
    let err = load_csv(&csv, "in.csv", &Registry::builtin()).unwrap_err();
    assert!(err.problems[0].message.contains("UTF-8"));
    assert_eq!(
        err.problems[0].location,
        Location::Csv {
            line: 3,
            column: Some((1, "client".into()))
        }
    );
}

#[test]
fn header_only_is_no_responses() {
    let ok = load_csv(
        format!("{HEADER}\n").as_bytes(),
        "in.csv",
        &Registry::builtin(),
    )
    .unwrap();
    assert!(ok.is_empty());
}

#[test]
fn duplicates_across_instruments_are_fine() {
    let csv = "client,session,date,instrument,relationship,goals,approach,overall,individual,interpersonal,social\n\
               A,1,2026-01-05,srs,1,1,1,1,,,\n\
               A,1,2026-01-05,ors,,,,1,1,1,1\n";
    assert_eq!(
        load_csv(csv.as_bytes(), "in.csv", &Registry::builtin())
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn the_instrument_column_takes_common_spellings() {
    let responses = crate::helpers::load(
        "client,session,date,instrument,item1,item2,item3,item4,item5,item6,item7\n\
         A,1,2026-01-05,GAD7,1,1,1,1,1,1,1\n\
         A,2,2026-01-12,gad_7,0,1,0,1,0,1,0\n",
    );
    let ids: Vec<&str> = responses.iter().map(|r| r.instrument.as_str()).collect();
    assert_eq!(ids, ["gad-7", "gad-7"]);
}
