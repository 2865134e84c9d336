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
//! - `readOnly` `integer` or `decimal`: where the total is reported (at most one such
//!   item; SDC calls it a calculated item). It is not answered: Rapport computes the
//!   total itself, writes it there in exported responses and skips it when reading.
//!
//! Each item's and the Questionnaire's `code`s (`{"system": ..., "code": ...}`) name
//! it in a terminology. They let Rapport recognise responses that other systems wrote
//! against their own copy of the questionnaire: by the panel code, or by item codes used
//! as `linkId`s (`/44250-9`) or in `item.code` (see [`crate::fhir`]).
//!
//! # Where the built-in LOINC codes come from
//!
//! PHQ-9 and GAD-7 carry the codes of LOINC's published panels, whose forms are
//! `http://loinc.org/q/44249-1` and `http://loinc.org/q/69737-5` (named in each file's
//! `derivedFrom`):
//!
//! - PHQ-9, panel 44249-1: items 1 to 9 are 44250-9, 44255-8, 44259-0, 44254-1,
//!   44251-7, 44258-2, 44252-5, 44253-3, 44260-8; the difficulty item is 69722-7; the
//!   total is 44261-6.
//! - GAD-7, panel 69737-5: items 1 to 7 are 69725-0, 68509-9, 69733-4, 69734-2,
//!   69735-9, 69689-8, 69736-7; the total is 70274-6.
//! - Answers to the symptom items of both panels (GAD-7 item 2, 68509-9, included):
//!   LA6568-5 Not at all (0), LA6569-3 Several days (1), LA6570-1 More than half the
//!   days (2), LA6571-9 Nearly every day (3). PHQ-9's difficulty item (69722-7):
//!   LA6572-7 Not difficult at all, LA6573-5 Somewhat difficult, LA6575-0 Very
//!   difficult, LA6574-3 Extremely difficult (weighted 0 to 3 in that order; the item
//!   is not summed into the total).
//!
//! Weights are written twice on every answer option, as FHIR R5's `itemWeight` and as
//! R4's `ordinalValue` (both `http://hl7.org/fhir/StructureDefinition/...`), so tools of
//! either release read them; either is enough when reading.
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

/// A code from a terminology (`http://loinc.org` `44250-9`), as a FHIR `Coding` holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code {
    /// The terminology's URI, when given.
    pub system: Option<String>,
    /// The code.
    pub code: String,
}

impl Code {
    /// Whether a coding written elsewhere (`system` optional) names this code: the codes
    /// are equal and the systems too where both are given.
    pub fn matches(&self, system: Option<&str>, code: &str) -> bool {
        self.code == code
            && match (system, &self.system) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            }
    }
}

/// Reads the `code` array of a Questionnaire or item (codings without a code are skipped).
fn codes_of(node: &Value) -> Vec<Code> {
    node.get("code")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|c| {
                    Some(Code {
                        system: c.get("system").and_then(Value::as_str).map(str::to_string),
                        code: c.get("code").and_then(Value::as_str)?.to_string(),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The read-only item where the total is reported (PHQ-9's LOINC 44261-6, say).
#[derive(Debug, Clone, PartialEq)]
pub struct TotalItem {
    /// Its `linkId`.
    pub link_id: String,
    /// Its codes.
    pub codes: Vec<Code>,
    /// Whether it is an `integer` item (else `decimal`).
    pub integer: bool,
}

/// One answerable item.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// The FHIR `linkId`, also the CSV column name.
    pub link_id: String,
    /// Its codes (`item.code`), e.g. the LOINC code of a PHQ-9 question.
    pub codes: Vec<Code>,
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
    /// The Questionnaire's `code`s, e.g. its LOINC panel.
    pub codes: Vec<Code>,
    /// Other canonical URLs of the same form (the Questionnaire's `derivedFrom`).
    pub derived_from: Vec<String>,
    /// Where the total is reported, if the Questionnaire has such an item.
    pub total_item: Option<TotalItem>,
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
        let mut totals = Vec::new();
        collect_items(q.get("item"), "questionnaire.item", &mut raw, &mut totals).map_err(bad)?;
        if totals.len() > 1 {
            return Err(bad(format!(
                "{} readOnly items ({}); keep one, where the total is reported",
                totals.len(),
                totals
                    .iter()
                    .map(|t| t.link_id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        let total_item = totals.pop();
        let codes = codes_of(q);
        let derived_from = q
            .get("derivedFrom")
            .and_then(Value::as_array)
            .map(|l| {
                l.iter()
                    .filter_map(Value::as_str)
                    .map(|u| u.split('|').next().unwrap_or(u).to_string())
                    .collect()
            })
            .unwrap_or_default();
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
        for item in items
            .iter()
            .map(|i| &i.link_id)
            .chain(total_item.iter().map(|t| &t.link_id))
        {
            if !seen.insert(item.as_str()) {
                return Err(bad(format!("linkId {item:?} appears twice")));
            }
        }
        for item in &items {
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
            codes,
            derived_from,
            total_item,
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

    /// The item one of whose codes is `code` (`system` checked where given).
    pub fn item_by_code(&self, system: Option<&str>, code: &str) -> Option<&Item> {
        self.items
            .iter()
            .find(|i| i.codes.iter().any(|c| c.matches(system, code)))
    }

    /// Whether `code` names the item where the total is reported.
    pub fn is_total_code(&self, system: Option<&str>, code: &str) -> bool {
        self.total_item
            .as_ref()
            .is_some_and(|t| t.codes.iter().any(|c| c.matches(system, code)))
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
    ///
    /// Every answer option carries its weight both as R5's `itemWeight` and as R4's
    /// `ordinalValue`, whichever of the two the file gave.
    pub fn questionnaire_with_text(&self, texts: &BTreeMap<String, String>) -> Value {
        let mut q = self.questionnaire.clone();
        if let Some(items) = q.get_mut("item") {
            replace_text(items, texts);
            add_both_weights(items);
        }
        q
    }
}

/// Adds the missing one of `itemWeight` and `ordinalValue` to every answer option.
fn add_both_weights(items: &mut Value) {
    let Some(list) = items.as_array_mut() else {
        return;
    };
    for item in list {
        if let Some(options) = item.get_mut("answerOption").and_then(Value::as_array_mut) {
            for option in options {
                let Some(weight) = extension_value(option, &[ITEM_WEIGHT_URL, ORDINAL_VALUE_URL])
                else {
                    continue;
                };
                let Some(obj) = option.as_object_mut() else {
                    continue;
                };
                let ext = obj
                    .entry("extension")
                    .or_insert_with(|| Value::Array(Vec::new()));
                if let Some(ext) = ext.as_array_mut() {
                    for url in [ITEM_WEIGHT_URL, ORDINAL_VALUE_URL] {
                        if !ext
                            .iter()
                            .any(|e| e.get("url").and_then(Value::as_str) == Some(url))
                        {
                            ext.push(serde_json::json!({ "url": url, "valueDecimal": weight }));
                        }
                    }
                }
            }
        }
        if let Some(children) = item.get_mut("item") {
            add_both_weights(children);
        }
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
    extension_value(node, urls).and_then(|v| v.as_f64())
}

/// The `valueDecimal` or `valueInteger` of the first extension with one of `urls`.
pub(crate) fn extension_value(node: &Value, urls: &[&str]) -> Option<Value> {
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
                .filter(|v| v.is_number())
                .cloned()
        })
}

/// An item with its `required` as written (`None` when absent).
type RawItem = (Item, Option<bool>);

fn collect_items(
    list: Option<&Value>,
    path: &str,
    out: &mut Vec<RawItem>,
    totals: &mut Vec<TotalItem>,
) -> Result<(), String> {
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
                collect_items(node.get("item"), &format!("{here}.item"), out, totals)?;
                continue;
            }
            "integer" | "decimal"
                if node.get("readOnly").and_then(Value::as_bool) == Some(true) =>
            {
                totals.push(TotalItem {
                    link_id,
                    codes: codes_of(node),
                    integer: kind == "integer",
                });
                continue;
            }
            _ if node.get("readOnly").and_then(Value::as_bool) == Some(true) => {
                return Err(format!(
                    "{here} ({link_id}) is readOnly but not an integer or decimal item; Rapport reads a readOnly item only as where the total is reported"
                ));
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
                codes: codes_of(node),
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

    /// The instrument with this id, as people spell it: case, hyphens, underscores and
    /// spaces do not count, so `phq9`, `PHQ-9` and `phq_9` all name `phq-9`. An exact
    /// match wins over a loose one.
    pub fn get(&self, id: &str) -> Option<&Instrument> {
        let id = id.trim();
        if let Some(exact) = self
            .instruments
            .iter()
            .find(|i| i.id.eq_ignore_ascii_case(id))
        {
            return Some(exact);
        }
        let wanted = loose_id(id);
        if wanted.is_empty() {
            return None;
        }
        self.instruments.iter().find(|i| loose_id(&i.id) == wanted)
    }

    /// The instrument a `questionnaire` canonical URL names (a `|version` suffix is
    /// ignored): its own `url` or one in its `derivedFrom`; failing that, another
    /// publisher's URL for the same form, recognised by its last path segment being the
    /// instrument's panel code (`http://loinc.org/q/44249-1`, `Questionnaire/44249-1`)
    /// or its id, spelled loosely with or without a `questionnaire` prefix or suffix
    /// (`http://hl7.org/fhir/Questionnaire/phq-9-questionnaire`).
    pub fn by_url(&self, url: &str) -> Option<&Instrument> {
        let url = url.split('|').next().unwrap_or(url).trim();
        if url.is_empty() {
            return None;
        }
        if let Some(exact) = self
            .instruments
            .iter()
            .find(|i| i.url == url || i.derived_from.iter().any(|d| d == url))
        {
            return Some(exact);
        }
        let last = url
            .trim_end_matches('/')
            .rsplit(['/', ':'])
            .next()
            .unwrap_or(url);
        if let Some(by_code) = self
            .instruments
            .iter()
            .find(|i| i.codes.iter().any(|c| c.code == last))
        {
            return Some(by_code);
        }
        let loose = loose_id(last);
        let loose = loose
            .strip_prefix("questionnaire")
            .or_else(|| loose.strip_suffix("questionnaire"))
            .unwrap_or(&loose);
        if loose.is_empty() {
            return None;
        }
        self.instruments.iter().find(|i| loose_id(&i.id) == loose)
    }

    /// The instrument whose panel code, or items' codes, `codes` name: for responses
    /// that identify their items by code instead of naming a questionnaire Rapport
    /// knows. A panel code decides at once; otherwise the instrument with the most
    /// of `codes` among its items' codes wins.
    pub fn by_codes<'a>(&self, codes: impl IntoIterator<Item = &'a str>) -> Option<&Instrument> {
        let codes: Vec<&str> = codes.into_iter().collect();
        if let Some(panel) = self
            .instruments
            .iter()
            .find(|i| i.codes.iter().any(|c| codes.contains(&c.code.as_str())))
        {
            return Some(panel);
        }
        self.instruments
            .iter()
            .map(|i| {
                let named = codes
                    .iter()
                    .filter(|c| i.item_by_code(None, c).is_some() || i.is_total_code(None, c))
                    .count();
                (i, named)
            })
            .filter(|(_, named)| *named > 0)
            .max_by_key(|(_, named)| *named)
            .map(|(i, _)| i)
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

/// An id with case, hyphens, underscores and white space dropped (`PHQ-9` → `phq9`).
pub fn loose_id(id: &str) -> String {
    id.chars()
        .filter(|c| !matches!(c, '-' | '_') && !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Formats a number without a trailing `.0` for whole numbers.
pub fn fmt_num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}
