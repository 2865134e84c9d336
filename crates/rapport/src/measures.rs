//! `rapport measures`: alliance and outcome measures. Parses and checks the flags, reads
//! the input, and hands the work to `rapport_measures`; output is written only once
//! everything has succeeded, so a bad row never leaves partial output behind.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use rapport_measures::{
    Construct, Direction, Instrument, Registry, Response, Rule, Settings, render,
};

use crate::exit::BadInput;

/// Alliance and outcome measures.
#[derive(Debug, Args)]
pub struct MeasuresArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: MeasuresCommand,
}

/// `rapport measures` subcommands.
#[derive(Debug, Subcommand)]
pub enum MeasuresCommand {
    /// List the instruments (built-in and any loaded with --instrument-file).
    List(ListArgs),
    /// Print an instrument's FHIR R4 Questionnaire (JSON).
    Questionnaire(QuestionnaireArgs),
    /// Score each response: total, subscales, band, flags.
    Score(ScoreArgs),
    /// Track each client's series: ruptures and repairs (alliance), change (outcome).
    Track(TrackArgs),
    /// Convert responses: CSV to a FHIR Bundle of QuestionnaireResponses, or back.
    Export(ExportArgs),
}

/// Options every subcommand shares.
#[derive(Debug, Args)]
pub struct InstrumentOptions {
    /// Load an instrument file (FHIR Questionnaire plus scoring rules); repeatable. One
    /// with a built-in's id replaces it.
    #[arg(long = "instrument-file", value_name = "PATH")]
    pub instrument_files: Vec<PathBuf>,
}

/// Arguments of `measures list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    instruments: InstrumentOptions,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    format: ListFormat,
}

/// Output formats of `measures list`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// A table.
    Text,
    /// A JSON array.
    Json,
}

/// Arguments of `measures questionnaire`.
#[derive(Debug, Args)]
pub struct QuestionnaireArgs {
    /// The instrument's id (`rapport measures list` shows them).
    #[arg(value_name = "ID")]
    id: String,
    #[command(flatten)]
    instruments: InstrumentOptions,
    /// Item text the clinic is licensed to use: a JSON object from linkId to text, e.g.
    /// {"item1": "..."}. Rapport ships no WAI-SR item text.
    #[arg(long, value_name = "FILE")]
    item_text: Option<PathBuf>,
    /// Write here instead of standard output.
    #[arg(long, short, value_name = "PATH")]
    output: Option<PathBuf>,
}

/// Cut-off and reliable-change overrides shared by `score` and `track`.
#[derive(Debug, Args)]
pub struct ScoringOptions {
    /// SRS cut-off: totals under it are flagged below_cutoff [default: 36, from the
    /// instrument file]. Sources differ on < 36 and <= 36; 36.1 gives the latter.
    #[arg(long, value_name = "POINTS")]
    srs_cutoff: Option<f64>,
    /// Override an instrument's cut-off, as ID=POINTS (e.g. ors=32 for children);
    /// repeatable.
    #[arg(long = "cutoff", value_name = "ID=POINTS")]
    cutoffs: Vec<String>,
    /// Override an instrument's reliable-change index, as ID=POINTS (defaults: ORS 5,
    /// PHQ-9 6, GAD-7 4); repeatable.
    #[arg(long = "rci", value_name = "ID=POINTS")]
    rcis: Vec<String>,
}

/// Input and output shared by `score`, `track` and `export`.
#[derive(Debug, Args)]
pub struct IoOptions {
    /// Responses: CSV (client,session,date,instrument, then item columns) or a FHIR
    /// Bundle of QuestionnaireResponses (JSON); `-` reads standard input.
    #[arg(value_name = "FILE")]
    input: PathBuf,
    #[command(flatten)]
    instruments: InstrumentOptions,
    /// Write here instead of standard output.
    #[arg(long, short, value_name = "PATH")]
    output: Option<PathBuf>,
}

/// Arguments of `measures score`.
#[derive(Debug, Args)]
pub struct ScoreArgs {
    #[command(flatten)]
    io: IoOptions,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ScoreFormat::Json)]
    format: ScoreFormat,
    #[command(flatten)]
    scoring: ScoringOptions,
}

/// Output formats of `measures score`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScoreFormat {
    /// `{"responses": [...]}`.
    Json,
    /// One row per response.
    Csv,
    /// A table for a terminal.
    Text,
}

/// Arguments of `measures track`.
#[derive(Debug, Args)]
pub struct TrackArgs {
    #[command(flatten)]
    io: IoOptions,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TrackFormat::Json)]
    format: TrackFormat,
    #[command(flatten)]
    scoring: ScoringOptions,
    /// Rupture rules to apply, comma-separated.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "below_cutoff,drop,statistical"
    )]
    rules: Vec<RuleArg>,
    /// Drop rule threshold in total points, for every alliance instrument (POINTS) or one
    /// (ID=POINTS); repeatable [defaults: srs 1, wai-sr 3].
    #[arg(long = "drop", value_name = "[ID=]POINTS")]
    drops: Vec<String>,
    /// Statistical rule: a drop larger than K session-to-session SDs is a rupture.
    #[arg(long, value_name = "K", default_value_t = 2.0)]
    sd_k: f64,
    /// A repair must come within this many sessions (by session number) of the rupture.
    #[arg(long, value_name = "SESSIONS", default_value_t = 3)]
    repair_window: u32,
}

/// Output formats of `measures track`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TrackFormat {
    /// `{"clients": [...]}`.
    Json,
    /// A summary for a terminal.
    Text,
    /// One self-contained HTML page with trend charts.
    Html,
}

/// A rupture rule on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum RuleArg {
    /// Total on the concerning side of the cut-off.
    BelowCutoff,
    /// At least --drop points below the previous session.
    Drop,
    /// A drop larger than --sd-k session-to-session SDs.
    Statistical,
}

/// Arguments of `measures export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    io: IoOptions,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ExportFormat::Fhir)]
    format: ExportFormat,
}

/// Output formats of `measures export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// A FHIR R4 Bundle (type collection) of QuestionnaireResponses.
    Fhir,
    /// Rapport's CSV layout.
    Csv,
}

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

fn read_input(path: &Path) -> anyhow::Result<(Vec<u8>, String)> {
    let name = path.display().to_string();
    let mut data = Vec::new();
    if name == "-" {
        std::io::stdin()
            .read_to_end(&mut data)
            .context("reading standard input")?;
        return Ok((data, "<stdin>".to_string()));
    }
    data = std::fs::read(path).map_err(|e| bad(format!("{name}: cannot read it ({e})")))?;
    Ok((data, name))
}

fn registry(options: &InstrumentOptions) -> anyhow::Result<Registry> {
    let mut registry = Registry::builtin();
    for path in &options.instrument_files {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| bad(format!("{name}: cannot read the instrument file ({e})")))?;
        let instrument = Instrument::from_json(&text, &name).map_err(|e| bad(e.to_string()))?;
        tracing::info!("loaded instrument {} from {name}", instrument.id);
        registry.add(instrument);
    }
    Ok(registry)
}

fn load(io: &IoOptions, registry: &Registry) -> anyhow::Result<Vec<Response>> {
    let (data, name) = read_input(&io.input)?;
    let responses = rapport_measures::load(&data, &name, registry)?;
    // Counts only: answers never reach the logs above debug level.
    tracing::info!("read {} responses from {name}", responses.len());
    Ok(responses)
}

fn write_output(output: Option<&Path>, text: &str) -> anyhow::Result<()> {
    match output {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())?;
            out.flush()?;
            Ok(())
        }
    }
}

/// Parses `ID=POINTS` (or, when `allow_bare`, plain `POINTS` as id `None`).
fn parse_assignment(
    flag: &str,
    text: &str,
    registry: &Registry,
    allow_bare: bool,
) -> anyhow::Result<(Option<String>, f64)> {
    let (id, number) = match text.split_once('=') {
        Some((id, n)) => {
            let instrument = registry.get(id).ok_or_else(|| {
                bad(format!(
                    "--{flag} {text}: unknown instrument {id:?}; `rapport measures list` shows the ids"
                ))
            })?;
            (Some(instrument.id.clone()), n)
        }
        None if allow_bare => (None, text),
        None => {
            return Err(bad(format!(
                "--{flag} {text}: write it as ID=POINTS, like srs=36"
            )));
        }
    };
    let value = number
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| bad(format!("--{flag} {text}: {number:?} is not a number")))?;
    Ok((id, value))
}

fn settings(scoring: &ScoringOptions, registry: &Registry) -> anyhow::Result<Settings> {
    let mut settings = Settings::default();
    for text in &scoring.cutoffs {
        if let (Some(id), value) = parse_assignment("cutoff", text, registry, false)? {
            settings.cutoffs.insert(id, value);
        }
    }
    if let Some(value) = scoring.srs_cutoff {
        if !value.is_finite() {
            return Err(bad("--srs-cutoff must be a number"));
        }
        settings.cutoffs.insert("srs".to_string(), value);
    }
    for text in &scoring.rcis {
        if let (Some(id), value) = parse_assignment("rci", text, registry, false)? {
            if value <= 0.0 {
                return Err(bad(format!("--rci {text}: the index must be above 0")));
            }
            settings.reliable_change.insert(id, value);
        }
    }
    Ok(settings)
}

fn list(args: ListArgs) -> anyhow::Result<()> {
    let registry = registry(&args.instruments)?;
    let text = match args.format {
        ListFormat::Text => render::instruments_text(&registry),
        ListFormat::Json => {
            let list: Vec<serde_json::Value> = registry
                .iter()
                .map(|i| {
                    let (lo, hi) = i.total_range();
                    serde_json::json!({
                        "id": i.id,
                        "title": i.title,
                        "url": i.url,
                        "construct": match i.scoring.construct {
                            Construct::Alliance => "alliance",
                            Construct::Outcome => "outcome",
                        },
                        "direction": match i.scoring.direction {
                            Direction::HigherIsBetter => "higher_is_better",
                            Direction::HigherIsWorse => "higher_is_worse",
                        },
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
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| bad(format!("{name}: cannot read it ({e})")))?;
        texts = serde_json::from_str::<BTreeMap<String, String>>(&text).map_err(|e| {
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
    let settings = settings(&args.scoring, &registry)?;
    let responses = load(&args.io, &registry)?;
    let report = rapport_measures::score_all(&registry, &responses, &settings)?;
    let text = match args.format {
        ScoreFormat::Json => serde_json::to_string_pretty(&report)? + "\n",
        ScoreFormat::Csv => render::score_csv(&report),
        ScoreFormat::Text => render::score_text(&report),
    };
    write_output(args.io.output.as_deref(), &text)
}

fn track(args: TrackArgs) -> anyhow::Result<()> {
    let registry = registry(&args.io.instruments)?;
    let mut settings = settings(&args.scoring, &registry)?;
    settings.rules = Rule::ALL
        .into_iter()
        .filter(|rule| {
            args.rules.iter().any(|r| {
                matches!(
                    (r, rule),
                    (RuleArg::BelowCutoff, Rule::BelowCutoff)
                        | (RuleArg::Drop, Rule::Drop)
                        | (RuleArg::Statistical, Rule::Statistical)
                )
            })
        })
        .collect();
    for text in &args.drops {
        let (id, value) = parse_assignment("drop", text, &registry, true)?;
        if value <= 0.0 {
            return Err(bad(format!("--drop {text}: the threshold must be above 0")));
        }
        match id {
            Some(id) => {
                settings.drops.insert(id, value);
            }
            None => settings.drop_all = Some(value),
        }
    }
    if !(args.sd_k.is_finite() && args.sd_k > 0.0) {
        return Err(bad(format!(
            "--sd-k {}: K must be above 0 (1 loose, 2 strict)",
            args.sd_k
        )));
    }
    settings.sd_k = args.sd_k;
    settings.repair_window = args.repair_window;

    let responses = load(&args.io, &registry)?;
    let scored = rapport_measures::score_all(&registry, &responses, &settings)?;
    let report = rapport_measures::track(&registry, &scored, &settings);
    let text = match args.format {
        TrackFormat::Json => serde_json::to_string_pretty(&report)? + "\n",
        TrackFormat::Text => render::track_text(&report, &registry, &settings),
        TrackFormat::Html => render::track_html(&report, &registry, &settings)?,
    };
    write_output(args.io.output.as_deref(), &text)
}

fn export(args: ExportArgs) -> anyhow::Result<()> {
    let registry = registry(&args.io.instruments)?;
    let responses = load(&args.io, &registry)?;
    let text = match args.format {
        ExportFormat::Fhir => rapport_measures::fhir::to_json_pretty(&rapport_measures::to_bundle(
            &responses, &registry,
        )),
        ExportFormat::Csv => rapport_measures::write_csv(&responses, &registry),
    };
    write_output(args.io.output.as_deref(), &text)
}
