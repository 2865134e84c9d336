//! Instruments as data: a FHIR R4 `Questionnaire` plus Rapport's scoring rules, read from
//! one JSON file.
//!
//! # The instrument file
//!
//! ```json
//! {
//!   "questionnaire": { "resourceType": "Questionnaire", "id": "srs", "url": "...", "item": [...] },
//!   "scoring": {
//!     "rapport_instrument": 1,
//!     "construct": "alliance",
//!     "direction": "higher_is_better",
//!     "total": ["relationship", "goals", "approach", "overall"],
//!     "subscales": [{"name": "task", "items": ["item1", "item2"]}],
//!     "bands": [{"min": 0, "label": "minimal"}, {"min": 5, "label": "mild"}],
//!     "cutoff": {"value": 36, "flag": "below_cutoff"},
//!     "reliable_change": 5,
//!     "rupture": {"drop": 1},
//!     "item_flags": [{"item": "item9", "above": 0, "flag": "self_harm_item"}]
//!   }
//! }
//! ```
//!
//! `questionnaire` is a plain FHIR R4 Questionnaire and is what `rapport measures
//! questionnaire ID` prints; `scoring` sits beside it because FHIR has no standard place
//! for sums, bands and cut-offs. The instrument's id is the Questionnaire's `id`; its
//! item ids are the items' `linkId`s (nested `group` items are flattened; `display`
//! items are skipped). Answerable items are:
//!
//! - `choice`: each `answerOption` carries its score in the
//!   `http://hl7.org/fhir/StructureDefinition/itemWeight` extension (`valueDecimal` or
//!   `valueInteger`; the older R4 `ordinalValue` extension is read too). A response must
//!   hold one of these weights.
//! - `decimal` or `integer`: the `minValue` and `maxValue` extensions
//!   (`http://hl7.org/fhir/StructureDefinition/minValue`, `.../maxValue`) bound the answer.
//!   Both are required.
//!
//! Items summed into the total must be answered; any other item is optional unless it
//! says `"required": true` (PHQ-9's difficulty item is optional). In `scoring`:
//!
//! - `rapport_instrument` is the file format's version, `1`.
//! - `construct` is `alliance` (ruptures are tracked) or `outcome` (change is tracked).
//! - `direction` is `higher_is_better` or `higher_is_worse`.
//! - `total` lists the items summed into the total (default: every item not marked
//!   `"required": false`).
//! - `subscales` are further sums, reported by name.
//! - `bands` label the total: the band is the last one whose `min` is at or below the
//!   total, so bands need ascending `min`s and leave no gaps.
//! - `cutoff.value` splits the clinical (or concerning) side from the other: below it when
//!   higher is better, at or above it when higher is worse. `cutoff.flag`, when present,
//!   is the flag a scored response on the clinical side gets.
//! - `reliable_change` is the reliable-change index in total points: a change of at least
//!   this much is reliable.
//! - `rupture.drop` is the default of the `drop` rupture rule, in total points.
//! - `item_flags` flag a response whose item answer is above a value.

use std::collections::{BTreeMap, HashSet};

use serde::Deserialize;
use serde_json::Value;

use crate::error::InstrumentError;

/// The itemWeight extension (FHIR R5 core, R4 via the extensions pack).
pub const ITEM_WEIGHT_URL: &str = "http://hl7.org/fhir/StructureDefinition/itemWeight";
/// The R4 name of the same extension, still read for older files.
pub const ORDINAL_VALUE_URL: &str = "http://hl7.org/fhir/StructureDefinition/ordinalValue";
/// Lower bound of a numeric answer.
pub const MIN_VALUE_URL: &str = "http://hl7.org/fhir/StructureDefinition/minValue";
/// Upper bound of a numeric answer.
pub const MAX_VALUE_URL: &str = "http://hl7.org/fhir/StructureDefinition/maxValue";

/// The built-in instrument files, in the order `rapport measures list` shows them.
const BUILT_IN: [(&str, &str); 5] = [
    ("wai-sr.json", include_str!("../instruments/wai-sr.json")),
    ("srs.json", include_str!("../instruments/srs.json")),
    ("ors.json", include_str!("../instruments/ors.json")),
    ("phq-9.json", include_str!("../instruments/phq-9.json")),
    ("gad-7.json", include_str!("../instruments/gad-7.json")),
];

/// What an instrument measures, which decides what tracking reports for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Construct {
    /// The therapeutic alliance: ruptures and repairs are tracked.
    Alliance,
    /// Symptoms or wellbeing: change from first to last session is tracked.
    Outcome,
}

impl Construct {
    /// The construct as written in instrument files and output.
    pub fn as_str(self) -> &'static str {
        match self {
            Construct::Alliance => "alliance",
            Construct::Outcome => "outcome",
        }
    }
}

/// Which way the total points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// A higher total is a stronger alliance or better wellbeing (SRS, ORS, WAI-SR).
    HigherIsBetter,
    /// A higher total is more symptoms (PHQ-9, GAD-7).
    HigherIsWorse,
}

impl Direction {
    /// +1 when higher is better, -1 when higher is worse: multiply a change by this to
    /// get "improvement" in total points.
    pub fn sign(self) -> f64 {
        match self {
            Direction::HigherIsBetter => 1.0,
            Direction::HigherIsWorse => -1.0,
        }
    }
}

/// The answers an item accepts.
#[derive(Debug, Clone, PartialEq)]
pub enum ItemKind {
    /// One of a list of options, each with a weight.
    Choice(Vec<AnswerOption>),
    /// A number between `min` and `max` inclusive (`integer` items also need a whole number).
    Numeric {
        /// Smallest allowed answer.
        min: f64,
        /// Largest allowed answer.
        max: f64,
        /// Whether the answer must be a whole number (FHIR `integer`).
        integer: bool,
    },
}

/// One answer option of a choice item.
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerOption {
    /// Its score.
    pub weight: f64,
    /// The coding's system, if any.
    pub system: Option<String>,
    /// The coding's code (for `valueInteger`/`valueString` options, the value as text).
    pub code: String,
    /// The coding's display text, where the licence allows shipping it.
    pub display: Option<String>,
    /// The option's value as FHIR writes it in an answer (`{"valueCoding": {...}}`).
    pub answer: Value,
}

/// One answerable item.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// The FHIR `linkId`, also the CSV column name.
    pub link_id: String,
    /// The item's text, if shipped.
    pub text: Option<String>,
    /// Whether a response must answer it.
    pub required: bool,
    /// The answers it accepts.
    pub kind: ItemKind,
}

impl Item {
    /// The smallest and largest score this item can contribute.
    pub fn range(&self) -> (f64, f64) {
        match &self.kind {
            ItemKind::Choice(options) => {
                let min = options
                    .iter()
                    .map(|o| o.weight)
                    .fold(f64::INFINITY, f64::min);
                let max = options
                    .iter()
                    .map(|o| o.weight)
                    .fold(f64::NEG_INFINITY, f64::max);
                (min, max)
            }
            ItemKind::Numeric { min, max, .. } => (*min, *max),
        }
    }

    /// The accepted answers in words, for error messages.
    pub fn describe_answers(&self) -> String {
        match &self.kind {
            ItemKind::Choice(options) => {
                let weights: Vec<String> = options.iter().map(|o| fmt_num(o.weight)).collect();
                format!("one of {}", weights.join(", "))
            }
            ItemKind::Numeric { min, max, integer } => {
                let what = if *integer {
                    "a whole number"
                } else {
                    "a number"
                };
                format!("{what} from {} to {}", fmt_num(*min), fmt_num(*max))
            }
        }
    }
}

/// A named sum of items.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
pub struct Subscale {
    /// Its name in the output (`task`, `goal`, `bond`).
    pub name: String,
    /// The `linkId`s summed.
    pub items: Vec<String>,
}

/// A severity band: applies from `min` up to the next band's `min`.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
pub struct Band {
    /// The lowest total in the band.
    pub min: f64,
    /// The band's label (`moderately severe`).
    pub label: String,
}

/// The cut-off between the clinical (or concerning) range and the rest.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
pub struct Cutoff {
    /// The cut-off total.
    pub value: f64,
    /// The flag a response on the clinical side gets, if any.
    #[serde(default)]
    pub flag: Option<String>,
}

/// Defaults of the rupture rules.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, serde::Serialize)]
pub struct RuptureDefaults {
    /// Default of the `drop` rule, in total points.
    #[serde(default)]
    pub drop: Option<f64>,
}

/// A flag raised by one item's answer.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
pub struct ItemFlag {
    /// The item's `linkId`.
    pub item: String,
    /// The flag is raised when the answer is above this.
    pub above: f64,
    /// The flag's name (`self_harm_item`).
    pub flag: String,
}

/// Rapport's scoring rules, the `scoring` object of an instrument file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoringSpec {
    /// File format version; must be 1.
    pub rapport_instrument: u32,
    /// Alliance or outcome.
    pub construct: Construct,
    /// Which way the total points.
    pub direction: Direction,
    /// Items summed into the total; `None` means every item not marked `"required": false`.
    #[serde(default)]
    pub total: Option<Vec<String>>,
    /// Subscales.
    #[serde(default)]
    pub subscales: Vec<Subscale>,
    /// Bands of the total.
    #[serde(default)]
    pub bands: Vec<Band>,
    /// Cut-off.
    #[serde(default)]
    pub cutoff: Option<Cutoff>,
    /// Reliable-change index, in total points.
    #[serde(default)]
    pub reliable_change: Option<f64>,
    /// Rupture rule defaults.
    #[serde(default)]
    pub rupture: RuptureDefaults,
    /// Item flags.
    #[serde(default)]
    pub item_flags: Vec<ItemFlag>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InstrumentFile {
    questionnaire: Value,
    scoring: ScoringSpec,
}

/// A loaded, checked instrument.
#[derive(Debug, Clone, PartialEq)]
pub struct Instrument {
    /// Its id (`phq-9`), the Questionnaire's `id`.
    pub id: String,
    /// The Questionnaire's canonical `url`.
    pub url: String,
    /// Its title.
    pub title: String,
    /// The answerable items, in questionnaire order.
    pub items: Vec<Item>,
    /// The items summed into the total.
    pub total_items: Vec<String>,
    /// The scoring rules.
    pub scoring: ScoringSpec,
    /// The FHIR Questionnaire as it was in the file.
    pub questionnaire: Value,
}

impl Instrument {
    /// Reads an instrument file; `source` names it in errors.
    pub fn from_json(text: &str, source: &str) -> Result<Self, InstrumentError> {
        let bad = |message: String| InstrumentError {
            file: source.to_string(),
            message,
        };
        let file: InstrumentFile = serde_json::from_str(text).map_err(|e| {
            bad(format!(
                "not an instrument file ({e}); expected {{\"questionnaire\": {{...}}, \"scoring\": {{...}}}}"
            ))
        })?;
        if file.scoring.rapport_instrument != 1 {
            return Err(bad(format!(
                "scoring.rapport_instrument is {}; this Rapport reads version 1",
                file.scoring.rapport_instrument
            )));
        }
        let q = &file.questionnaire;
        if q.get("resourceType").and_then(Value::as_str) != Some("Questionnaire") {
            return Err(bad(
                "questionnaire.resourceType must be \"Questionnaire\"".to_string()
            ));
        }
        let id = q
            .get("id")
            .and_then(Value::as_str)
            .filter(|id| valid_fhir_id(id))
            .ok_or_else(|| {
                bad("questionnaire.id is missing or not a FHIR id (letters, digits, '-', '.', at most 64)".to_string())
            })?
            .to_ascii_lowercase();
        let url = q
            .get("url")
            .and_then(Value::as_str)
            .filter(|u| !u.is_empty())
            .ok_or_else(|| bad("questionnaire.url (its canonical URL) is missing".to_string()))?
            .to_string();
        let title = q
            .get("title")
            .or_else(|| q.get("name"))
            .and_then(Value::as_str)
            .unwrap_or(&id)
            .to_string();
        let mut raw = Vec::new();
        collect_items(q.get("item"), "questionnaire.item", &mut raw).map_err(bad)?;
        let scoring = file.scoring;
        let total_items = match &scoring.total {
            Some(list) => list.clone(),
            // Without a list, every item not marked optional is summed.
            None => raw
                .iter()
                .filter(|(_, required)| *required != Some(false))
                .map(|(i, _)| i.link_id.clone())
                .collect(),
        };
        for (item, required) in &raw {
            if *required == Some(false) && total_items.contains(&item.link_id) {
                return Err(bad(format!(
                    "item {:?} is summed into the total but marked \"required\": false",
                    item.link_id
                )));
            }
        }
        let items: Vec<Item> = raw
            .into_iter()
            .map(|(mut item, _)| {
                // A scored item left blank would make totals incomparable.
                item.required |= total_items.contains(&item.link_id);
                item
            })
            .collect();
        if items.is_empty() {
            return Err(bad("questionnaire has no answerable items".to_string()));
        }
        let mut seen = HashSet::new();
        for item in &items {
            if !seen.insert(item.link_id.as_str()) {
                return Err(bad(format!("linkId {:?} appears twice", item.link_id)));
            }
            if matches!(
                item.link_id.as_str(),
                "client" | "session" | "date" | "instrument"
            ) {
                return Err(bad(format!(
                    "linkId {:?} clashes with a CSV column Rapport reserves",
                    item.link_id
                )));
            }
        }
        let known = |link: &str, what: &str| -> Result<(), InstrumentError> {
            if items.iter().any(|i| i.link_id == link) {
                Ok(())
            } else {
                Err(bad(format!(
                    "{what} names item {link:?}, which the questionnaire lacks"
                )))
            }
        };
        if total_items.is_empty() {
            return Err(bad("scoring.total lists no items".to_string()));
        }
        for link in &total_items {
            known(link, "scoring.total")?;
        }
        for sub in &scoring.subscales {
            for link in &sub.items {
                known(link, &format!("subscale {:?}", sub.name))?;
            }
        }
        for flag in &scoring.item_flags {
            known(&flag.item, "scoring.item_flags")?;
        }
        for pair in scoring.bands.windows(2) {
            if pair[1].min <= pair[0].min {
                return Err(bad(
                    "scoring.bands must have ascending min values".to_string()
                ));
            }
        }
        let finite = [
            scoring.cutoff.as_ref().map(|c| c.value),
            scoring.reliable_change,
            scoring.rupture.drop,
        ];
        if finite.iter().flatten().any(|v| !v.is_finite())
            || scoring.bands.iter().any(|b| !b.min.is_finite())
        {
            return Err(bad("scoring holds a number that is not finite".to_string()));
        }
        if scoring.reliable_change.is_some_and(|r| r <= 0.0) {
            return Err(bad("scoring.reliable_change must be above 0".to_string()));
        }
        Ok(Instrument {
            id,
            url,
            title,
            items,
            total_items,
            scoring,
            questionnaire: file.questionnaire,
        })
    }

    /// The item with this `linkId`.
    pub fn item(&self, link_id: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.link_id == link_id)
    }

    /// The smallest and largest possible total.
    pub fn total_range(&self) -> (f64, f64) {
        self.total_items
            .iter()
            .filter_map(|l| self.item(l))
            .map(Item::range)
            .fold((0.0, 0.0), |(lo, hi), (a, b)| (lo + a, hi + b))
    }

    /// Whether `total` is on the clinical (or concerning) side of `cutoff`: below it
    /// when higher is better, at or above it when higher is worse.
    pub fn clinical(&self, total: f64, cutoff: f64) -> bool {
        match self.scoring.direction {
            Direction::HigherIsBetter => total < cutoff,
            Direction::HigherIsWorse => total >= cutoff,
        }
    }

    /// The questionnaire with item text replaced from `texts` (`linkId` → text), for
    /// clinics that hold a licence to text Rapport does not ship.
    pub fn questionnaire_with_text(&self, texts: &BTreeMap<String, String>) -> Value {
        let mut q = self.questionnaire.clone();
        if let Some(items) = q.get_mut("item") {
            replace_text(items, texts);
        }
        q
    }
}

fn replace_text(items: &mut Value, texts: &BTreeMap<String, String>) {
    let Some(list) = items.as_array_mut() else {
        return;
    };
    for item in list {
        let link = item
            .get("linkId")
            .and_then(Value::as_str)
            .map(str::to_string);
        if let (Some(link), Some(obj)) = (link, item.as_object_mut()) {
            if let Some(text) = texts.get(&link) {
                obj.insert("text".to_string(), Value::String(text.clone()));
            }
            if let Some(children) = obj.get_mut("item") {
                replace_text(children, texts);
            }
        }
    }
}

/// FHIR `id`: `[A-Za-z0-9\-\.]{1,64}`.
fn valid_fhir_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
}

fn extension_number(node: &Value, urls: &[&str]) -> Option<f64> {
    node.get("extension")?
        .as_array()?
        .iter()
        .find(|e| {
            e.get("url")
                .and_then(Value::as_str)
                .is_some_and(|u| urls.contains(&u))
        })
        .and_then(|e| {
            e.get("valueDecimal")
                .or_else(|| e.get("valueInteger"))
                .and_then(Value::as_f64)
        })
}

/// An item with its `required` as written (`None` when absent).
type RawItem = (Item, Option<bool>);

fn collect_items(list: Option<&Value>, path: &str, out: &mut Vec<RawItem>) -> Result<(), String> {
    let Some(list) = list else {
        return Ok(());
    };
    let list = list
        .as_array()
        .ok_or_else(|| format!("{path} must be an array"))?;
    for (n, node) in list.iter().enumerate() {
        let here = format!("{path}[{n}]");
        let link_id = node
            .get("linkId")
            .and_then(Value::as_str)
            .filter(|l| !l.is_empty())
            .ok_or_else(|| format!("{here}.linkId is missing"))?
            .to_string();
        let kind = node.get("type").and_then(Value::as_str).unwrap_or("");
        let text = node.get("text").and_then(Value::as_str).map(str::to_string);
        // FHIR's default is optional; scored items are made required below.
        let required = node.get("required").and_then(Value::as_bool);
        let kind = match kind {
            "display" => continue,
            "group" => {
                collect_items(node.get("item"), &format!("{here}.item"), out)?;
                continue;
            }
            "choice" => {
                let options = node
                    .get("answerOption")
                    .and_then(Value::as_array)
                    .filter(|o| !o.is_empty())
                    .ok_or_else(|| {
                        format!("{here} ({link_id}) is a choice item without answerOption")
                    })?;
                let mut parsed = Vec::new();
                for (k, option) in options.iter().enumerate() {
                    let weight = extension_number(option, &[ITEM_WEIGHT_URL, ORDINAL_VALUE_URL])
                        .filter(|w| w.is_finite())
                        .ok_or_else(|| {
                            format!("{here}.answerOption[{k}] ({link_id}) has no itemWeight extension with a number")
                        })?;
                    let value_key = ["valueCoding", "valueInteger", "valueString"]
                        .into_iter()
                        .find(|k| option.get(*k).is_some())
                        .unwrap_or("valueCoding");
                    let answer = serde_json::json!({ value_key: option.get(value_key).cloned().unwrap_or(Value::Null) });
                    let (system, code, display) = if let Some(c) = option.get("valueCoding") {
                        let code = c.get("code").and_then(Value::as_str).ok_or_else(|| {
                            format!("{here}.answerOption[{k}].valueCoding.code is missing")
                        })?;
                        (
                            c.get("system").and_then(Value::as_str).map(str::to_string),
                            code.to_string(),
                            c.get("display").and_then(Value::as_str).map(str::to_string),
                        )
                    } else if let Some(v) = option.get("valueInteger").and_then(Value::as_i64) {
                        (None, v.to_string(), None)
                    } else if let Some(v) = option.get("valueString").and_then(Value::as_str) {
                        (None, v.to_string(), Some(v.to_string()))
                    } else {
                        return Err(format!(
                            "{here}.answerOption[{k}] needs valueCoding, valueInteger or valueString"
                        ));
                    };
                    if parsed.iter().any(|o: &AnswerOption| o.weight == weight) {
                        return Err(format!(
                            "{here} ({link_id}) has two options weighted {weight}"
                        ));
                    }
                    parsed.push(AnswerOption {
                        weight,
                        system,
                        code,
                        display,
                        answer,
                    });
                }
                ItemKind::Choice(parsed)
            }
            "decimal" | "integer" => {
                let min = extension_number(node, &[MIN_VALUE_URL]);
                let max = extension_number(node, &[MAX_VALUE_URL]);
                match (min, max) {
                    (Some(min), Some(max)) if min.is_finite() && max.is_finite() && min <= max => {
                        ItemKind::Numeric {
                            min,
                            max,
                            integer: kind == "integer",
                        }
                    }
                    _ => {
                        return Err(format!(
                            "{here} ({link_id}) needs minValue and maxValue extensions with min <= max"
                        ));
                    }
                }
            }
            other => {
                return Err(format!(
                    "{here} ({link_id}) has type {other:?}; Rapport scores choice, decimal and integer items"
                ));
            }
        };
        out.push((
            Item {
                link_id,
                text,
                required: required == Some(true),
                kind,
            },
            required,
        ));
    }
    Ok(())
}

/// The instruments a run knows: the built-ins plus any the clinic loads.
#[derive(Debug, Clone)]
pub struct Registry {
    instruments: Vec<Instrument>,
}

impl Registry {
    /// The five built-in instruments: `wai-sr`, `srs`, `ors`, `phq-9`, `gad-7`.
    pub fn builtin() -> Self {
        let instruments = BUILT_IN
            .iter()
            .filter_map(|(name, text)| {
                // The built-in files are checked by this crate's tests; a broken one is
                // skipped rather than taking the whole program down.
                Instrument::from_json(text, name).ok()
            })
            .collect();
        Registry { instruments }
    }

    /// An empty registry, for tests and for clinics that want only their own instruments.
    pub fn empty() -> Self {
        Registry {
            instruments: Vec::new(),
        }
    }

    /// Adds an instrument; one with the same id or canonical URL as a loaded one replaces it.
    pub fn add(&mut self, instrument: Instrument) {
        if let Some(slot) = self
            .instruments
            .iter_mut()
            .find(|i| i.id == instrument.id || i.url == instrument.url)
        {
            *slot = instrument;
        } else {
            self.instruments.push(instrument);
        }
    }

    /// The instrument with this id, compared without regard to case.
    pub fn get(&self, id: &str) -> Option<&Instrument> {
        self.instruments
            .iter()
            .find(|i| i.id.eq_ignore_ascii_case(id.trim()))
    }

    /// The instrument whose canonical URL is `url` (a `|version` suffix is ignored).
    pub fn by_url(&self, url: &str) -> Option<&Instrument> {
        let url = url.split('|').next().unwrap_or(url);
        self.instruments.iter().find(|i| i.url == url)
    }

    /// The instruments in order.
    pub fn iter(&self) -> impl Iterator<Item = &Instrument> {
        self.instruments.iter()
    }

    /// The position of an instrument, for ordering output.
    pub fn position(&self, id: &str) -> usize {
        self.instruments
            .iter()
            .position(|i| i.id == id)
            .unwrap_or(usize::MAX)
    }

    /// Every `linkId` any loaded instrument uses, i.e. the item columns a CSV may have.
    pub fn all_link_ids(&self) -> HashSet<&str> {
        self.instruments
            .iter()
            .flat_map(|i| i.items.iter().map(|it| it.link_id.as_str()))
            .collect()
    }
}

/// Formats a number without a trailing `.0` for whole numbers.
pub fn fmt_num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}
