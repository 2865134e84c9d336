//! Command-line definitions (clap), for every subcommand. Values are checked by the
//! library that uses them before work starts.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use rapport_measures::Rule;

/// Rapport: code counselling transcripts and track the therapeutic alliance, offline.
///
/// Nothing leaves this machine: no telemetry, no network calls.
#[derive(Debug, Parser)]
#[command(name = "rapport", version, about, long_about = None)]
pub struct Cli {
    /// More log output on stderr (-v: info, -vv: debug). Utterance text appears only at debug.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Rapport's subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Code every utterance of one or more transcripts and summarise each session.
    Analyze(AnalyzeArgs),
    /// Train the utterance coder on an expert-coded CSV (AnnoMI layout).
    Train(TrainArgs),
    /// Cross-validate the coder, grouped so one video never sits in both train and test.
    Eval(EvalArgs),
    /// Alliance and outcome measures: score, track, export.
    Measures(MeasuresArgs),
    /// Time both coding modes on a large input, whole process, beside the peer baseline.
    Bench(BenchArgs),
    /// Run the clinic server: clients answer measures by link, counsellors see alerts.
    Serve(ServeArgs),
    /// Administer the clinic server from its own machine: users, backups, restores.
    Admin(AdminArgs),
}

/// Where the clinic server keeps its data.
#[derive(Debug, Clone, clap::Args)]
pub struct DataOptions {
    /// The server's data directory (the SQLite database lives here).
    #[arg(long, value_name = "DIR", default_value = rapport_server::serve::DEFAULT_DATA_DIR)]
    pub data_dir: PathBuf,

    /// The database: sqlite://PATH or postgres://USER@HOST/DB [default: sqlite://DIR/rapport.db].
    #[arg(long, value_name = "URL")]
    pub db: Option<String>,
}

/// Arguments of `rapport serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub data: DataOptions,

    /// The address to serve on. Anything but loopback sends cookies with Secure, so put
    /// a TLS reverse proxy in front (see the README).
    #[arg(long, value_name = "ADDR", default_value = rapport_server::serve::DEFAULT_BIND)]
    pub bind: std::net::SocketAddr,

    /// The address clients reach the server at (`https://rapport.clinic.org`), for the
    /// links and QR codes the pages show.
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,

    /// Take the client's address from X-Forwarded-For: only behind a reverse proxy you
    /// run, which sets it.
    #[arg(long)]
    pub trust_proxy: bool,

    /// E-mail notifications through this SMTP server (`smtps://USER:PASSWORD@HOST:465`);
    /// off when not given. Give it in the environment to keep the password off the
    /// command line. A message says only that something is new in Rapport.
    #[arg(
        long,
        value_name = "URL",
        env = "RAPPORT_SMTP_URL",
        hide_env_values = true
    )]
    pub smtp_url: Option<String>,

    /// The address notification e-mails come from (with --smtp-url).
    #[arg(long, value_name = "ADDRESS", default_value = "rapport@localhost")]
    pub smtp_from: String,

    /// Code uploaded transcripts with the fast model (no sentence encoder; less
    /// accurate, see the README's accuracy table) instead of the default one.
    #[arg(long)]
    pub fast: bool,
}

/// Arguments of `rapport admin`.
#[derive(Debug, clap::Args)]
pub struct AdminArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: AdminCommand,
}

/// `rapport admin` subcommands.
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create a user (the first admin, for one); the password is read from standard input.
    CreateUser(CreateUserArgs),
    /// Copy the database, consistently, while the server runs.
    Backup(BackupArgs),
    /// Put a backup in place of the database (stop the server first); the database it
    /// replaces is kept beside it.
    Restore(RestoreArgs),
}

/// Roles on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RoleArg {
    /// Manages users, settings and the audit log.
    Admin,
    /// Counsels and reads supervisees' clients.
    Supervisor,
    /// Counsels.
    #[value(alias = "counselor")]
    Counsellor,
}

/// Arguments of `rapport admin create-user`.
#[derive(Debug, clap::Args)]
pub struct CreateUserArgs {
    #[command(flatten)]
    pub data: DataOptions,
    /// Sign-in e-mail.
    #[arg(long)]
    pub email: String,
    /// Name shown to colleagues.
    #[arg(long)]
    pub name: String,
    /// Role.
    #[arg(long, value_enum)]
    pub role: RoleArg,
    /// Read the password from standard input (its first line), so it stays out of the
    /// shell's history and the process list. Required.
    #[arg(long, required = true)]
    pub password_stdin: bool,
    /// The clinic (created if new) [default: the only clinic, or "Clinic"].
    #[arg(long, value_name = "NAME")]
    pub clinic: Option<String>,
}

/// Arguments of `rapport admin backup`.
#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    #[command(flatten)]
    pub data: DataOptions,
    /// The backup file to write (must not exist).
    #[arg(value_name = "OUT")]
    pub out: PathBuf,
}

/// Arguments of `rapport admin restore`.
#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    #[command(flatten)]
    pub data: DataOptions,
    /// The backup file to restore.
    #[arg(value_name = "BACKUP")]
    pub from: PathBuf,
}

/// Arguments of `rapport bench`.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Transcripts to code (any format `analyze` reads; a many-session CSV such as
    /// AnnoMI's makes a large input).
    #[arg(required = true, value_name = "FILE")]
    pub inputs: Vec<PathBuf>,

    /// Runs of each mode; the fastest counts.
    #[arg(long, default_value_t = 3)]
    pub runs: usize,

    /// The peer baseline script (python3, scikit-learn), run on the same file to time its
    /// predictions; needs a coded CSV in AnnoMI's layout.
    #[arg(long, value_name = "SCRIPT")]
    pub peer: Option<PathBuf>,
}

/// Transcript formats; by default chosen from the file extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InputFormatArg {
    /// WebVTT (.vtt), Zoom or Teams style.
    Vtt,
    /// SubRip (.srt).
    Srt,
    /// Speaker-labelled text (.txt), `Label: text` per turn.
    Text,
    /// CSV with a header (.csv), AnnoMI's layout included.
    Csv,
    /// Rapport's JSON output (.json).
    Json,
}

/// Output formats of `analyze`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// The JSON contract: `{"sessions": [...]}`.
    Json,
    /// A readable summary for a terminal.
    Text,
    /// A self-contained HTML report that opens offline in any browser (one session, or
    /// with --output-dir one page per session plus an index.html comparing them).
    Html,
}

/// Arguments of `rapport analyze`.
#[derive(Debug, clap::Args)]
pub struct AnalyzeArgs {
    /// Transcript files (.vtt, .srt, .txt, .csv, .json); `-` reads standard input.
    #[arg(required = true, value_name = "FILE")]
    pub inputs: Vec<PathBuf>,

    /// Read every input as this format instead of guessing from the extension
    /// (required for `-`).
    #[arg(long, value_enum)]
    pub input_format: Option<InputFormatArg>,

    /// A speaker name that belongs to the counsellor (repeatable). Without it the first
    /// speaker is taken as the counsellor.
    #[arg(long = "counselor", alias = "counsellor", value_name = "NAME")]
    pub counselors: Vec<String>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Json)]
    pub format: OutputFormat,

    /// Write the output here instead of standard output.
    #[arg(long, short, value_name = "PATH")]
    pub output: Option<PathBuf>,

    /// Write one file per session into this directory (created if missing), named after
    /// the session id; with --format html also an index.html comparing the sessions.
    #[arg(long, value_name = "DIR", conflicts_with = "output")]
    pub output_dir: Option<PathBuf>,

    /// Code with the fast model (n-grams only, no sentence encoder): for batch work over
    /// thousands of sessions; less accurate (see the README's figures).
    #[arg(long)]
    pub fast: bool,

    /// Use this model file instead of the ones built into the binary.
    #[arg(long, value_name = "PATH", conflicts_with = "fast")]
    pub model: Option<PathBuf>,
}

/// Which of the two models a command trains or evaluates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModeArg {
    /// Both.
    Both,
    /// The default model (n-grams and the sentence encoder's embeddings).
    Default,
    /// The fast model (n-grams only; no encoder).
    Fast,
}

impl ModeArg {
    /// The modes to run, default first.
    pub fn modes(self) -> Vec<rapport_analysis::Mode> {
        use rapport_analysis::Mode;
        match self {
            ModeArg::Both => Mode::ALL.to_vec(),
            ModeArg::Default => vec![Mode::Default],
            ModeArg::Fast => vec![Mode::Fast],
        }
    }
}

/// Arguments of `rapport train`.
#[derive(Debug, clap::Args)]
pub struct TrainArgs {
    /// Expert-coded utterances, AnnoMI's CSV layout.
    #[arg(long, value_name = "CSV")]
    pub data: PathBuf,

    /// Directory for the models (`rapport-coder.safetensors`, and
    /// `rapport-coder-fast.safetensors`), each with its model card (`.md`) beside it.
    #[arg(long, value_name = "DIR", default_value = "models")]
    pub output_dir: PathBuf,

    /// Which model to train.
    #[arg(long, value_enum, default_value_t = ModeArg::Both)]
    pub mode: ModeArg,

    /// Cross-validation folds whose figures go into the model card (0 skips it).
    #[arg(long, default_value_t = 5)]
    pub folds: usize,

    /// CSV column whose values are kept together in one fold.
    #[arg(long, value_name = "COLUMN", default_value = "video_url")]
    pub group_by: String,
}

/// Arguments of `rapport eval`.
#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// Expert-coded utterances, AnnoMI's CSV layout.
    #[arg(long, value_name = "CSV")]
    pub data: PathBuf,

    /// Number of cross-validation folds.
    #[arg(long, default_value_t = 5)]
    pub folds: usize,

    /// CSV column whose values are kept together in one fold.
    #[arg(long, value_name = "COLUMN", default_value = "video_url")]
    pub group_by: String,

    /// Also run this peer baseline script (python3, scikit-learn) on the same data and
    /// print its figures beside Rapport's.
    #[arg(long, value_name = "SCRIPT")]
    pub peer: Option<PathBuf>,

    /// Which model to evaluate.
    #[arg(long, value_enum, default_value_t = ModeArg::Both)]
    pub mode: ModeArg,

    /// Also code a copy of every held-out session lower-cased and without punctuation,
    /// as speech-to-text writes transcripts, and report its figures beside the original's.
    #[arg(long)]
    pub machine_like: bool,

    /// Print the reports as JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Alliance and outcome measures.
#[derive(Debug, clap::Args)]
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
#[derive(Debug, clap::Args)]
pub struct InstrumentOptions {
    /// Load an instrument file (FHIR Questionnaire plus scoring rules); repeatable. One
    /// with a built-in's id replaces it.
    #[arg(long = "instrument-file", value_name = "PATH")]
    pub instrument_files: Vec<PathBuf>,
}

/// Arguments of `measures list`.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub instruments: InstrumentOptions,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
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
#[derive(Debug, clap::Args)]
pub struct QuestionnaireArgs {
    /// The instrument's id (`rapport measures list` shows them).
    #[arg(value_name = "ID")]
    pub id: String,
    #[command(flatten)]
    pub instruments: InstrumentOptions,
    /// Item text the clinic is licensed to use: a JSON object from linkId to text, e.g.
    /// {"item1": "..."}. Rapport ships no WAI-SR item text.
    #[arg(long, value_name = "FILE")]
    pub item_text: Option<PathBuf>,
    /// Write here instead of standard output.
    #[arg(long, short, value_name = "PATH")]
    pub output: Option<PathBuf>,
}

/// Cut-off and reliable-change overrides shared by `score` and `track`.
#[derive(Debug, clap::Args)]
pub struct ScoringOptions {
    /// SRS cut-off: totals under it are flagged below_cutoff [default: 36, from the
    /// instrument file]. Sources differ on < 36 and <= 36; 36.1 gives the latter.
    #[arg(long, value_name = "POINTS")]
    pub srs_cutoff: Option<f64>,
    /// Override an instrument's cut-off, as ID=POINTS (e.g. ors=32 for children);
    /// repeatable.
    #[arg(long = "cutoff", value_name = "ID=POINTS")]
    pub cutoffs: Vec<String>,
    /// Override an instrument's reliable-change index, as ID=POINTS (defaults: ORS 5,
    /// PHQ-9 6, GAD-7 4); repeatable.
    #[arg(long = "rci", value_name = "ID=POINTS")]
    pub rcis: Vec<String>,
}

/// Input and output shared by `score`, `track` and `export`.
#[derive(Debug, clap::Args)]
pub struct IoOptions {
    /// Responses: CSV (client,session,date,instrument, then item columns) or a FHIR
    /// Bundle of QuestionnaireResponses (JSON); `-` reads standard input.
    #[arg(value_name = "FILE")]
    pub input: PathBuf,
    #[command(flatten)]
    pub instruments: InstrumentOptions,
    /// Write here instead of standard output.
    #[arg(long, short, value_name = "PATH")]
    pub output: Option<PathBuf>,
}

/// Arguments of `measures score`.
#[derive(Debug, clap::Args)]
pub struct ScoreArgs {
    #[command(flatten)]
    pub io: IoOptions,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ScoreFormat::Json)]
    pub format: ScoreFormat,
    #[command(flatten)]
    pub scoring: ScoringOptions,
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
#[derive(Debug, clap::Args)]
pub struct TrackArgs {
    #[command(flatten)]
    pub io: IoOptions,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TrackFormat::Json)]
    pub format: TrackFormat,
    #[command(flatten)]
    pub scoring: ScoringOptions,
    /// Rupture rules to apply, comma-separated.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "below_cutoff,drop,statistical"
    )]
    pub rules: Vec<RuleArg>,
    /// Drop rule threshold in total points, for every alliance instrument (POINTS) or one
    /// (ID=POINTS); repeatable [defaults: srs 1, wai-sr 3].
    #[arg(long = "drop", value_name = "[ID=]POINTS")]
    pub drops: Vec<String>,
    /// Statistical rule: a drop larger than K session-to-session SDs is a rupture.
    #[arg(long, value_name = "K", default_value_t = 2.0)]
    pub sd_k: f64,
    /// A repair must come within this many sessions (by session number) of the rupture.
    #[arg(long, value_name = "SESSIONS", default_value_t = 3)]
    pub repair_window: u32,
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
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub io: IoOptions,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ExportFormat::Fhir)]
    pub format: ExportFormat,
}

impl From<RuleArg> for Rule {
    fn from(rule: RuleArg) -> Rule {
        match rule {
            RuleArg::BelowCutoff => Rule::BelowCutoff,
            RuleArg::Drop => Rule::Drop,
            RuleArg::Statistical => Rule::Statistical,
        }
    }
}

/// Output formats of `measures export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// A FHIR R4 Bundle (type collection) of QuestionnaireResponses.
    Fhir,
    /// Rapport's CSV layout.
    Csv,
}
