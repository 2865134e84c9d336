//! `rapport measures`: reads the input, hands the work to `rapport_measures` and the
//! rendering to `rapport_report`, and writes the output only once everything has
//! succeeded, so a bad row never leaves partial output behind. (`export --format fhir`
//! streams its Bundle, but only after the whole input has loaded and been checked.)
//! What a reader inferred (session numbers of a FHIR Bundle without them) is said on
//! stderr. Instrument ids are taken as people spell them (`phq9`, `GAD-7`, `waisr`).

use std::collections::BTreeMap;

use rapport_measures::{Instrument, Overrides, Registry, Response, Settings};
use rapport_report::{measures as tables, trends};

use crate::cli::{
    ExportArgs, ExportFormat, InstrumentOptions, IoOptions, ListArgs, ListFormat, MeasuresArgs,
    MeasuresCommand, QuestionnaireArgs, ScoreArgs, ScoreFormat, ScoringOptions, TrackArgs,
    TrackFormat,
};
use crate::exit::BadInput;
use crate::io::{read_input, write_output, write_output_with};

/// Runs `rapport measures`.
pub fn run(args: MeasuresArgs) -> anyhow::Result<()> {
    match args.command {
        MeasuresCommand::List(a) => list(a),
        MeasuresCommand::Questionnaire(a) => questionnaire(a),
        MeasuresCommand::Score(a) => score(a),
        MeasuresCommand::Track(a) => track(a),
        MeasuresCommand::Export(a) => export(a),
    }
}

fn bad(message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(BadInput(message.into()))
}

/// The built-in instruments plus those loaded with `--instrument-file`.
fn registry(options: &InstrumentOptions) -> anyhow::Result<Registry> {
    let mut registry = Registry::builtin();
    for path in &options.instrument_files {
        let input = read_input(path)?;
        let text = String::from_utf8(input.bytes).map_err(|_| {
            bad(format!(
                "{}: the instrument file is not UTF-8",
                input.source
            ))
        })?;
        let instrument = Instrument::from_json(&text, &input.source)?;
        tracing::info!("loaded instrument {} from {}", instrument.id, input.source);
        registry.add(instrument);
    }
    Ok(registry)
}

fn load(io: &IoOptions, registry: &Registry) -> anyhow::Result<Vec<Response>> {
    let input = read_input(&io.input)?;
    let loaded = rapport_measures::load_with_notices(&input.bytes, input.label(), registry)?;
    for notice in &loaded.notices {
        eprintln!("rapport: note: {notice}");
    }
    // Counts only: answers never reach the logs above debug level.
    tracing::info!(
        "read {} responses from {}",
        loaded.responses.len(),
        input.label()
    );
    Ok(loaded.responses)
}

/// The scoring options common to `score` and `track`, with track's own on top.
fn overrides(scoring: &ScoringOptions) -> Overrides {
    Overrides {
        cutoffs: scoring.cutoffs.clone(),
        srs_cutoff: scoring.srs_cutoff,
        reliable_change: scoring.rcis.clone(),
        ..Overrides::default()
    }
}

fn list(args: ListArgs) -> anyhow::Result<()> {
    let registry = registry(&args.instruments)?;
    let text = match args.format {
        ListFormat::Text => tables::instruments_text(&registry),
        ListFormat::Json => {
            let list: Vec<serde_json::Value> = registry
                .iter()
                .map(|i| {
                    let (lo, hi) = i.total_range();
                    serde_json::json!({
                        "id": i.id,
                        "title": i.title,
                        "url": i.url,
                        "construct": i.scoring.construct,
                        "direction": i.scoring.direction,
                        "items": i.items.iter().map(|it| it.link_id.as_str()).collect::<Vec<_>>(),
                        "total_min": lo,
                        "total_max": hi,
                        "cutoff": i.scoring.cutoff.as_ref().map(|c| c.value),
                        "reliable_change": i.scoring.reliable_change,
                    })
                })
                .collect();
            serde_json::to_string_pretty(&list)? + "\n"
        }
    };
    write_output(None, &text)
}

fn questionnaire(args: QuestionnaireArgs) -> anyhow::Result<()> {
    let registry = registry(&args.instruments)?;
    let instrument = registry.get(&args.id).ok_or_else(|| {
        bad(format!(
            "unknown instrument {:?}; `rapport measures list` shows the ids",
            args.id
        ))
    })?;
    let mut texts = BTreeMap::new();
    if let Some(path) = &args.item_text {
        let input = read_input(path)?;
        let name = &input.source;
        texts = serde_json::from_slice::<BTreeMap<String, String>>(&input.bytes).map_err(|e| {
            bad(format!(
                "{name}: expected a JSON object from linkId to item text, like {{\"item1\": \"...\"}} ({e})"
            ))
        })?;
        if let Some(unknown) = texts.keys().find(|k| instrument.item(k).is_none()) {
            return Err(bad(format!(
                "{name}: {unknown:?} is not an item of {}",
                instrument.id
            )));
        }
    }
    let q = instrument.questionnaire_with_text(&texts);
    let text = rapport_measures::fhir::to_json_pretty(&q);
    write_output(args.output.as_deref(), &text)
}

fn score(args: ScoreArgs) -> anyhow::Result<()> {
    let registry = registry(&args.io.instruments)?;
    let settings = Settings::from_overrides(&overrides(&args.scoring), &registry)?;
    let responses = load(&args.io, &registry)?;
    let report = rapport_measures::score_all(&registry, &responses, &settings)?;
    let text = match args.format {
        ScoreFormat::Json => serde_json::to_string_pretty(&report)? + "\n",
        ScoreFormat::Csv => tables::score_csv(&report),
        ScoreFormat::Text => tables::score_text(&report),
    };
    write_output(args.io.output.as_deref(), &text)
}

fn track(args: TrackArgs) -> anyhow::Result<()> {
    let registry = registry(&args.io.instruments)?;
    let overrides = Overrides {
        drops: args.drops.clone(),
        rules: args.rules.iter().map(|&r| r.into()).collect(),
        sd_k: args.sd_k,
        repair_window: args.repair_window,
        ..overrides(&args.scoring)
    };
    let settings = Settings::from_overrides(&overrides, &registry)?;
    let responses = load(&args.io, &registry)?;
    let scored = rapport_measures::score_all(&registry, &responses, &settings)?;
    let report = rapport_measures::track(&registry, &scored, &settings);
    let text = match args.format {
        TrackFormat::Json => serde_json::to_string_pretty(&report)? + "\n",
        TrackFormat::Text => tables::track_text(&report, &registry, &settings),
        TrackFormat::Html => trends::track_html(&report, &registry, &settings)?,
    };
    write_output(args.io.output.as_deref(), &text)
}

fn export(args: ExportArgs) -> anyhow::Result<()> {
    let registry = registry(&args.io.instruments)?;
    let responses = load(&args.io, &registry)?;
    match args.format {
        // Streamed entry by entry: a large caseload never sits whole in memory as JSON.
        ExportFormat::Fhir => write_output_with(args.io.output.as_deref(), |out| {
            rapport_measures::write_bundle(&responses, &registry, out)
        }),
        ExportFormat::Csv => write_output(
            args.io.output.as_deref(),
            &rapport_measures::write_csv(&responses, &registry),
        ),
    }
}
