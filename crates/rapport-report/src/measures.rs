//! The measures' reports for people and spreadsheets: the instrument list, scores and
//! tracks as text tables, and scores as CSV. The HTML trends page is [`crate::trends`];
//! JSON is the reports' own serde form.

use rapport_measures::{
    Change, Construct, Registry, ReliableChange, Rupture, ScoreReport, Settings, Subscales,
    TrackReport, fmt_num,
};

/// Lays out rows as a left-aligned table with two spaces between columns.
fn table(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            if c + 1 == row.len() {
                line.push_str(cell);
            } else {
                line.push_str(cell);
                let pad = widths[c] - cell.chars().count() + 2;
                line.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// `rapport measures list`: one line per instrument.
pub fn instruments_text(registry: &Registry) -> String {
    let mut rows = vec![vec![
        "id".to_string(),
        "measures".to_string(),
        "items".to_string(),
        "total".to_string(),
        "cut-off".to_string(),
        "title".to_string(),
    ]];
    for i in registry.iter() {
        let (lo, hi) = i.total_range();
        rows.push(vec![
            i.id.clone(),
            i.scoring.construct.as_str().to_string(),
            i.items.len().to_string(),
            format!("{}-{}", fmt_num(lo), fmt_num(hi)),
            i.scoring
                .cutoff
                .as_ref()
                .map(|c| fmt_num(c.value))
                .unwrap_or_else(|| "-".to_string()),
            i.title.clone(),
        ]);
    }
    table(&rows)
}

fn subscale_text(s: &Subscales) -> String {
    s.0.iter()
        .map(|(n, v)| format!("{n} {}", fmt_num(*v)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `score --format text`: a table, one row per response.
pub fn score_text(report: &ScoreReport) -> String {
    if report.responses.is_empty() {
        return "No responses.\n".to_string();
    }
    let mut rows = vec![
        [
            "client",
            "session",
            "date",
            "instrument",
            "total",
            "subscales",
            "band",
            "flags",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for r in &report.responses {
        rows.push(vec![
            r.client.clone(),
            r.session.to_string(),
            r.date.format("%Y-%m-%d").to_string(),
            r.instrument.clone(),
            fmt_num(r.total),
            or_dash(subscale_text(&r.subscales)),
            r.band.clone().unwrap_or_else(|| "-".to_string()),
            or_dash(r.flags.join(", ")),
        ]);
    }
    table(&rows)
}

fn or_dash(s: String) -> String {
    if s.is_empty() { "-".to_string() } else { s }
}

/// `score --format csv`: `client,session,date,instrument,total`, one column per subscale
/// name met (blank where a response's instrument lacks it), `band`, and `flags` joined
/// with `;`.
pub fn score_csv(report: &ScoreReport) -> String {
    let mut subscale_names: Vec<&str> = Vec::new();
    for r in &report.responses {
        for (name, _) in &r.subscales.0 {
            if !subscale_names.contains(&name.as_str()) {
                subscale_names.push(name);
            }
        }
    }
    let mut out = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["client", "session", "date", "instrument", "total"];
    header.extend(subscale_names.iter().copied());
    header.extend(["band", "flags"]);
    // Writing to a Vec cannot fail.
    let _ = out.write_record(&header);
    for r in &report.responses {
        let mut row = vec![
            r.client.clone(),
            r.session.to_string(),
            r.date.format("%Y-%m-%d").to_string(),
            r.instrument.clone(),
            fmt_num(r.total),
        ];
        for name in &subscale_names {
            row.push(r.subscales.get(name).map(fmt_num).unwrap_or_default());
        }
        row.push(r.band.clone().unwrap_or_default());
        row.push(r.flags.join(";"));
        let _ = out.write_record(&row);
    }
    String::from_utf8(out.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// Describes a change in words: `18 -> 27 (+9): improved, clinically significant`.
pub fn change_text(change: &Change) -> String {
    let sign = if change.delta > 0.0 { "+" } else { "" };
    let mut text = format!(
        "{} -> {} ({sign}{})",
        fmt_num(change.first),
        fmt_num(change.last),
        fmt_num(change.delta)
    );
    match change.reliable_change {
        Some(ReliableChange::Improved) => text.push_str(": reliably improved"),
        Some(ReliableChange::Deteriorated) => text.push_str(": reliably deteriorated"),
        Some(ReliableChange::Unchanged) => text.push_str(": no reliable change"),
        None => text.push_str(": no reliable-change index for this instrument"),
    }
    if change.clinically_significant == Some(true) {
        text.push_str(", clinically significant");
    }
    text
}

/// Describes a rupture: `session 4 (below_cutoff, drop), repaired at session 6`.
pub fn rupture_text(r: &Rupture) -> String {
    let repair = match r.repaired_at {
        Some(s) => format!("repaired at session {s}"),
        None => "not repaired".to_string(),
    };
    format!("session {} ({}), {repair}", r.session, r.rules.join(", "))
}

/// `track --format text`: per client and instrument, the series, ruptures and change.
pub fn track_text(report: &TrackReport, registry: &Registry, settings: &Settings) -> String {
    let mut out = String::new();
    if report.clients.is_empty() {
        return "No responses.\n".to_string();
    }
    for client in &report.clients {
        out.push_str(&format!("Client {}\n", client.client));
        for t in &client.instruments {
            let instrument = registry.get(&t.instrument);
            let alliance = instrument.is_some_and(|i| i.scoring.construct == Construct::Alliance);
            out.push_str(&format!(
                "\n  {} ({})\n",
                t.instrument,
                if alliance {
                    Construct::Alliance
                } else {
                    Construct::Outcome
                }
                .as_str()
            ));
            let mut rows = vec![vec![
                "    session".to_string(),
                "date".to_string(),
                "total".to_string(),
            ]];
            for p in &t.series {
                rows.push(vec![
                    format!("    {}", p.session),
                    p.date.format("%Y-%m-%d").to_string(),
                    fmt_num(p.total),
                ]);
            }
            out.push_str(&table(&rows));
            if alliance {
                if t.ruptures.is_empty() {
                    out.push_str("    ruptures: none\n");
                } else {
                    for r in &t.ruptures {
                        out.push_str(&format!("    rupture: {}\n", rupture_text(r)));
                    }
                }
                if let Some(i) = instrument
                    && settings.cutoff(i).is_none()
                {
                    out.push_str("    (no cut-off: only the drop and statistical rules apply)\n");
                }
            } else {
                match &t.change {
                    Some(c) => out.push_str(&format!("    change: {}\n", change_text(c))),
                    None => out.push_str("    change: needs two sessions\n"),
                }
            }
        }
        out.push('\n');
    }
    out
}
