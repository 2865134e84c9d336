//! Responses in Rapport's CSV layout: reading ([`load_csv`]) and writing ([`write_csv`]).
//!
//! The CSV layout: a header, then one row per completed questionnaire. Columns `client`,
//! `session` (a whole number, 0 or more), `date` (`YYYY-MM-DD`) and `instrument` (an
//! instrument id, any case), then item columns named by `linkId`. Instruments share
//! column names (`item1` is in WAI-SR, PHQ-9 and GAD-7); a row fills the columns of its
//! own instrument and leaves every other item column blank. A column that is no loaded
//! instrument's item is an error rather than silently ignored, so a misspelt item never
//! goes unnoticed. Rows whose cells are all blank are skipped.

use std::collections::BTreeMap;

use crate::error::{InputError, Location, Problems};
use crate::instrument::Registry;
use crate::response::{Response, SeenKeys, check_value, parse_date};

/// The CSV columns every file needs, in the order Rapport writes them.
pub const FIXED_COLUMNS: [&str; 4] = ["client", "session", "date", "instrument"];

/// Parses a number as written in a CSV cell; `None` for text, NaN or infinity.
fn parse_number(text: &str) -> Option<f64> {
    text.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Reads responses from CSV bytes. Every bad row (up to 20 problems) is reported in one
/// [`InputError`]; on error no responses are returned.
pub fn load_csv(data: &[u8], file: &str, registry: &Registry) -> Result<Vec<Response>, InputError> {
    let data = data
        .strip_prefix(b"\xEF\xBB\xBF".as_slice())
        .unwrap_or(data);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(data);
    let mut problems = Problems::default();
    let mut records = reader.byte_records();

    // The header.
    let header = match records.next() {
        None => {
            return Err(InputError::whole_file(
                file,
                "the file is empty; expected a header line: client,session,date,instrument, then item columns",
            ));
        }
        Some(Err(e)) => {
            return Err(InputError::whole_file(
                file,
                format!("cannot read the header as CSV ({e})"),
            ));
        }
        Some(Ok(record)) => record,
    };
    let link_ids = registry.all_link_ids();
    let mut columns: Vec<String> = Vec::new();
    for (n, raw) in header.iter().enumerate() {
        let at = |name: &str| Location::Csv {
            line: 1,
            column: Some((n + 1, name.to_string())),
        };
        let Ok(name) = std::str::from_utf8(raw) else {
            problems.push(
                at("?"),
                "the column name is not UTF-8 text; save the file as UTF-8",
            );
            columns.push(String::new());
            continue;
        };
        let name = name.trim();
        let canonical = FIXED_COLUMNS
            .iter()
            .copied()
            .chain(link_ids.iter().copied())
            .find(|k| *k == name)
            .or_else(|| {
                FIXED_COLUMNS
                    .iter()
                    .copied()
                    .chain(link_ids.iter().copied())
                    .find(|k| k.eq_ignore_ascii_case(name))
            });
        match canonical {
            Some(c) if columns.iter().any(|x| x == c) => {
                problems.push(at(name), format!("column {c} appears twice; keep one"));
                columns.push(String::new());
            }
            Some(c) => columns.push(c.to_string()),
            None => {
                problems.push(
                    at(name),
                    format!(
                        "{name:?} is not client, session, date, instrument or an item of a loaded instrument; \
                         fix its name, remove it, or load its instrument with --instrument-file"
                    ),
                );
                columns.push(String::new());
            }
        }
    }
    for fixed in FIXED_COLUMNS {
        if !columns.iter().any(|c| c == fixed) {
            problems.push(
                Location::Csv {
                    line: 1,
                    column: None,
                },
                format!("the header has no {fixed} column; the first four columns are client,session,date,instrument"),
            );
        }
    }
    if !problems.is_empty() {
        return problems.into_result(file, Vec::new());
    }
    let index = |name: &str| columns.iter().position(|c| c == name);
    // The four fixed columns were checked above.
    let [client_col, session_col, date_col, instrument_col] =
        FIXED_COLUMNS.map(|c| index(c).unwrap_or(0));

    let mut responses = Vec::new();
    let mut seen = SeenKeys::default();
    let mut line_guess: u64 = 1;
    for record in records {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(line_guess + 1);
                problems.push(
                    Location::Csv { line, column: None },
                    format!("cannot read this row as CSV ({e}); check its quotes"),
                );
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    break;
                }
                continue;
            }
        };
        let line = record
            .position()
            .map(|p| p.line())
            .unwrap_or(line_guess + 1);
        line_guess = line;
        let cell_at = |n: usize| Location::Csv {
            line,
            column: Some((n + 1, columns[n].clone())),
        };
        let row_at = Location::Csv { line, column: None };
        if record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        if record.len() != columns.len() {
            problems.push(
                row_at,
                format!(
                    "the row has {} fields but the header has {}; check for a missing or extra comma",
                    record.len(),
                    columns.len()
                ),
            );
            continue;
        }
        let mut cells: Vec<&str> = Vec::with_capacity(record.len());
        let mut bad_row = false;
        for (n, raw) in record.iter().enumerate() {
            match std::str::from_utf8(raw) {
                Ok(s) => cells.push(s.trim()),
                Err(_) => {
                    problems.push(
                        cell_at(n),
                        "the cell is not UTF-8 text; save the file as UTF-8",
                    );
                    cells.push("");
                    bad_row = true;
                }
            }
        }

        let client = cells[client_col];
        if client.is_empty() {
            problems.push(
                cell_at(client_col),
                "client is blank; write the client's identifier",
            );
            bad_row = true;
        }
        let session = cells[session_col].parse::<u32>().ok();
        if session.is_none() {
            problems.push(
                cell_at(session_col),
                format!(
                    "session {:?} is not a whole number; write the session's number, like 3",
                    cells[session_col]
                ),
            );
            bad_row = true;
        }
        let date = parse_date(cells[date_col]);
        if date.is_none() {
            problems.push(
                cell_at(date_col),
                format!(
                    "date {:?} is not a date in YYYY-MM-DD form; write it like 2026-01-05",
                    cells[date_col]
                ),
            );
            bad_row = true;
        }
        let instrument = registry.get(cells[instrument_col]);
        let Some(instrument) = instrument else {
            let known: Vec<&str> = registry.iter().map(|i| i.id.as_str()).collect();
            problems.push(
                cell_at(instrument_col),
                format!(
                    "unknown instrument {:?}; use one of {} or load it with --instrument-file",
                    cells[instrument_col],
                    known.join(", ")
                ),
            );
            continue;
        };

        let mut answers = BTreeMap::new();
        for (n, column) in columns.iter().enumerate() {
            if FIXED_COLUMNS.contains(&column.as_str()) {
                continue;
            }
            let cell = cells[n];
            let item = instrument.item(column);
            match (item, cell.is_empty()) {
                (None, true) => {}
                (None, false) => {
                    problems.push(
                        cell_at(n),
                        format!(
                            "{column} is not an item of {}; leave it blank on {} rows",
                            instrument.id, instrument.id
                        ),
                    );
                    bad_row = true;
                }
                (Some(item), true) => {
                    if item.required {
                        problems.push(
                            cell_at(n),
                            format!(
                                "{} item {column} is blank; every scored item needs an answer",
                                instrument.id
                            ),
                        );
                        bad_row = true;
                    }
                }
                (Some(item), false) => match parse_number(cell) {
                    None => {
                        problems.push(
                            cell_at(n),
                            format!(
                                "{cell:?} is not a number; {} {column} takes {}",
                                instrument.id,
                                item.describe_answers()
                            ),
                        );
                        bad_row = true;
                    }
                    Some(value) => match check_value(instrument, column, value, cell) {
                        Ok(v) => {
                            answers.insert(column.clone(), v);
                        }
                        Err(message) => {
                            problems.push(cell_at(n), message);
                            bad_row = true;
                        }
                    },
                },
            }
        }
        let missing: Vec<&str> = instrument
            .items
            .iter()
            .filter(|i| i.required && index(&i.link_id).is_none())
            .map(|i| i.link_id.as_str())
            .collect();
        if !missing.is_empty() {
            problems.push(
                row_at.clone(),
                format!(
                    "{} needs the column(s) {}, which the header lacks; add them",
                    instrument.id,
                    missing.join(", ")
                ),
            );
            bad_row = true;
        }
        if bad_row {
            continue;
        }
        if let (Some(session), Some(date)) = (session, date) {
            let response = Response {
                client: client.to_string(),
                session,
                date,
                instrument: instrument.id.clone(),
                answers,
            };
            if let Some(first) = seen.check(&response, format!("line {line}")) {
                problems.push(
                    row_at,
                    format!(
                        "client {}, session {}, {} already appears on {first}; keep one of the two rows",
                        response.client, response.session, response.instrument
                    ),
                );
                continue;
            }
            responses.push(response);
        }
    }
    problems.into_result(file, responses)
}

/// Writes responses back in the CSV layout [`load_csv`] reads: the fixed columns, then
/// the item columns of the instruments used, in registry order.
pub fn write_csv(responses: &[Response], registry: &Registry) -> String {
    let mut item_columns: Vec<&str> = Vec::new();
    for instrument in registry.iter() {
        if responses.iter().any(|r| r.instrument == instrument.id) {
            for item in &instrument.items {
                if !item_columns.contains(&item.link_id.as_str()) {
                    item_columns.push(&item.link_id);
                }
            }
        }
    }
    let mut out = csv::Writer::from_writer(Vec::new());
    let header: Vec<&str> = FIXED_COLUMNS
        .iter()
        .copied()
        .chain(item_columns.iter().copied())
        .collect();
    // Writing to a Vec cannot fail; errors are ignored rather than unwrapped.
    let _ = out.write_record(&header);
    for r in responses {
        let mut row = vec![
            r.client.clone(),
            r.session.to_string(),
            r.date.format("%Y-%m-%d").to_string(),
            r.instrument.clone(),
        ];
        for column in &item_columns {
            row.push(
                r.answers
                    .get(*column)
                    .map(|v| crate::instrument::fmt_num(*v))
                    .unwrap_or_default(),
            );
        }
        let _ = out.write_record(&row);
    }
    String::from_utf8(out.into_inner().unwrap_or_default()).unwrap_or_default()
}
