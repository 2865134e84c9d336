//! Options that change scoring and tracking: cut-offs, reliable-change indices and the
//! rupture rules. Every default comes from the instrument file, so a clinic changes
//! behaviour by flag or by file, never by code.
//!
//! [`Overrides`] holds the options as a user writes them (`srs=36`, `--drop 2`), and
//! [`Settings::from_overrides`] checks them against the loaded instruments, so the
//! command line and the clinic server accept and refuse exactly the same values.

use std::collections::BTreeMap;

use crate::instrument::{Instrument, Registry};

/// The rupture rules, each named in a rupture's `rules` when it fires.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// The total is on the concerning side of the instrument's cut-off (SRS below 36).
    BelowCutoff,
    /// The total fell at least the drop threshold from the previous session.
    Drop,
    /// The fall from the previous session is larger than k session-to-session SDs.
    Statistical,
}

impl Rule {
    /// All rules, in the order they are reported.
    pub const ALL: [Rule; 3] = [Rule::BelowCutoff, Rule::Drop, Rule::Statistical];

    /// The rule's name in output and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Rule::BelowCutoff => "below_cutoff",
            Rule::Drop => "drop",
            Rule::Statistical => "statistical",
        }
    }

    /// The rule with this name.
    pub fn from_name(name: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|r| r.name() == name.trim())
    }
}

/// Scoring and tracking options.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Cut-off overrides by instrument id (`srs` → 36).
    pub cutoffs: BTreeMap<String, f64>,
    /// Reliable-change index overrides by instrument id.
    pub reliable_change: BTreeMap<String, f64>,
    /// Drop-rule threshold overrides by instrument id.
    pub drops: BTreeMap<String, f64>,
    /// Drop-rule threshold for every alliance instrument not named in `drops`.
    pub drop_all: Option<f64>,
    /// Which rupture rules run.
    pub rules: Vec<Rule>,
    /// k of the statistical rule.
    pub sd_k: f64,
    /// How many sessions after a rupture a repair may come (by session number).
    pub repair_window: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            cutoffs: BTreeMap::new(),
            reliable_change: BTreeMap::new(),
            drops: BTreeMap::new(),
            drop_all: None,
            rules: Rule::ALL.to_vec(),
            sd_k: 2.0,
            repair_window: 3,
        }
    }
}

impl Settings {
    /// The cut-off in force for an instrument.
    pub fn cutoff(&self, instrument: &Instrument) -> Option<f64> {
        self.cutoffs.get(&instrument.id).copied().or(instrument
            .scoring
            .cutoff
            .as_ref()
            .map(|c| c.value))
    }

    /// The reliable-change index in force for an instrument.
    pub fn reliable_change(&self, instrument: &Instrument) -> Option<f64> {
        self.reliable_change
            .get(&instrument.id)
            .copied()
            .or(instrument.scoring.reliable_change)
    }

    /// The drop-rule threshold in force for an instrument.
    pub fn drop(&self, instrument: &Instrument) -> Option<f64> {
        self.drops
            .get(&instrument.id)
            .copied()
            .or(self.drop_all)
            .or(instrument.scoring.rupture.drop)
    }

    /// Whether a rule runs.
    pub fn rule_on(&self, rule: Rule) -> bool {
        self.rules.contains(&rule)
    }

    /// Checks settings that arrive whole (a clinic's stored settings, a settings form):
    /// every instrument id known, every number finite, thresholds, indices and k above
    /// 0. [`Settings::from_overrides`] checks the command line's values as it parses
    /// them.
    pub fn check(&self, registry: &Registry) -> Result<(), SettingsError> {
        // Stored settings are looked up by the registry's own id, so another spelling
        // (which `get` would accept) would be silently ignored: refuse it.
        let known = |what: &str, id: &str| match registry.get(id) {
            Some(i) if i.id == id => Ok(()),
            Some(i) => Err(refuse(format!(
                "{what}: instrument {id:?} is spelled {:?} in settings; write it so",
                i.id
            ))),
            None => Err(refuse(format!(
                "{what}: unknown instrument {id:?}; `rapport measures list` shows the ids"
            ))),
        };
        for (id, value) in &self.cutoffs {
            known("cut-off", id)?;
            if !value.is_finite() {
                return Err(refuse(format!("the cut-off for {id} must be a number")));
            }
        }
        for (what, map) in [
            ("reliable-change index", &self.reliable_change),
            ("drop threshold", &self.drops),
        ] {
            for (id, value) in map {
                known(what, id)?;
                if !(value.is_finite() && *value > 0.0) {
                    return Err(refuse(format!("the {what} for {id} must be above 0")));
                }
            }
        }
        if let Some(value) = self.drop_all
            && !(value.is_finite() && value > 0.0)
        {
            return Err(refuse("the drop threshold must be above 0"));
        }
        if !(self.sd_k.is_finite() && self.sd_k > 0.0) {
            return Err(refuse(
                "k of the statistical rule must be above 0 (1 loose, 2 strict)",
            ));
        }
        Ok(())
    }
}

/// Scoring and tracking options as the user wrote them, before they are checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Overrides {
    /// `ID=POINTS` cut-offs (`ors=32`).
    pub cutoffs: Vec<String>,
    /// The SRS cut-off on its own (`--srs-cutoff`), applied after `cutoffs`.
    pub srs_cutoff: Option<f64>,
    /// `ID=POINTS` reliable-change indices (`phq-9=5`).
    pub reliable_change: Vec<String>,
    /// Drop-rule thresholds: `POINTS` for every alliance instrument or `ID=POINTS`.
    pub drops: Vec<String>,
    /// The rupture rules to run.
    pub rules: Vec<Rule>,
    /// k of the statistical rule.
    pub sd_k: f64,
    /// The repair window in sessions.
    pub repair_window: u32,
}

impl Default for Overrides {
    fn default() -> Self {
        let settings = Settings::default();
        Overrides {
            cutoffs: Vec::new(),
            srs_cutoff: None,
            reliable_change: Vec::new(),
            drops: Vec::new(),
            rules: settings.rules,
            sd_k: settings.sd_k,
            repair_window: settings.repair_window,
        }
    }
}

/// An option value that cannot be used. The message names the option as the command
/// line spells it (`--cutoff`), quotes the value and says what to write instead.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct SettingsError {
    /// What is wrong and what to do.
    pub message: String,
}

fn refuse(message: impl Into<String>) -> SettingsError {
    SettingsError {
        message: message.into(),
    }
}

/// Parses `ID=POINTS` (or, when `allow_bare`, plain `POINTS` as id `None`) for the
/// option `flag`, with the instrument id as the registry spells it.
fn parse_assignment(
    flag: &str,
    text: &str,
    registry: &Registry,
    allow_bare: bool,
) -> Result<(Option<String>, f64), SettingsError> {
    let (id, number) = match text.split_once('=') {
        Some((id, n)) => {
            let instrument = registry.get(id).ok_or_else(|| {
                refuse(format!(
                    "--{flag} {text}: unknown instrument {id:?}; `rapport measures list` shows the ids"
                ))
            })?;
            (Some(instrument.id.clone()), n)
        }
        None if allow_bare => (None, text),
        None => {
            return Err(refuse(format!(
                "--{flag} {text}: write it as ID=POINTS, like srs=36"
            )));
        }
    };
    let value = number
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| refuse(format!("--{flag} {text}: {number:?} is not a number")))?;
    Ok((id, value))
}

impl Settings {
    /// Checks the user's options against the loaded instruments. Every value is
    /// checked before any is used: an unknown instrument, a number that is not one, or
    /// a threshold that is not above 0 is refused with a message saying what to write.
    pub fn from_overrides(
        overrides: &Overrides,
        registry: &Registry,
    ) -> Result<Settings, SettingsError> {
        let mut settings = Settings::default();
        for text in &overrides.cutoffs {
            if let (Some(id), value) = parse_assignment("cutoff", text, registry, false)? {
                settings.cutoffs.insert(id, value);
            }
        }
        if let Some(value) = overrides.srs_cutoff {
            if !value.is_finite() {
                return Err(refuse("--srs-cutoff must be a number"));
            }
            settings.cutoffs.insert("srs".to_string(), value);
        }
        for text in &overrides.reliable_change {
            if let (Some(id), value) = parse_assignment("rci", text, registry, false)? {
                if value <= 0.0 {
                    return Err(refuse(format!("--rci {text}: the index must be above 0")));
                }
                settings.reliable_change.insert(id, value);
            }
        }
        settings.rules = Rule::ALL
            .into_iter()
            .filter(|rule| overrides.rules.contains(rule))
            .collect();
        for text in &overrides.drops {
            let (id, value) = parse_assignment("drop", text, registry, true)?;
            if value <= 0.0 {
                return Err(refuse(format!(
                    "--drop {text}: the threshold must be above 0"
                )));
            }
            match id {
                Some(id) => {
                    settings.drops.insert(id, value);
                }
                None => settings.drop_all = Some(value),
            }
        }
        if !(overrides.sd_k.is_finite() && overrides.sd_k > 0.0) {
            return Err(refuse(format!(
                "--sd-k {}: K must be above 0 (1 loose, 2 strict)",
                overrides.sd_k
            )));
        }
        settings.sd_k = overrides.sd_k;
        settings.repair_window = overrides.repair_window;
        Ok(settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn overrides() -> Overrides {
        Overrides::default()
    }

    #[test]
    fn whole_settings_are_checked_and_round_trip_as_json() {
        let registry = Registry::builtin();
        let mut settings = Settings::default();
        settings.cutoffs.insert("srs".into(), 35.0);
        settings.rules = vec![Rule::Drop];
        settings.check(&registry).unwrap();
        let json = serde_json::to_string(&settings).unwrap();
        assert!(json.contains("\"rules\":[\"drop\"]"), "{json}");
        assert_eq!(serde_json::from_str::<Settings>(&json).unwrap(), settings);
        assert_eq!(
            serde_json::from_str::<Settings>("{}").unwrap(),
            Settings::default()
        );
        let refused = |change: fn(&mut Settings)| {
            let mut s = Settings::default();
            change(&mut s);
            s.check(&registry).unwrap_err().to_string()
        };
        assert!(
            refused(|s| {
                s.cutoffs.insert("bdi".into(), 3.0);
            })
            .contains("unknown instrument \"bdi\"")
        );
        assert!(
            refused(|s| {
                s.drops.insert("srs".into(), 0.0);
            })
            .contains("drop threshold for srs must be above 0")
        );
        assert!(
            refused(|s| {
                s.reliable_change.insert("ors".into(), f64::NAN);
            })
            .contains("reliable-change index for ors")
        );
        assert!(
            refused(|s| {
                s.cutoffs.insert("phq9".into(), 12.0);
            })
            .contains("spelled \"phq-9\" in settings")
        );
        assert!(refused(|s| s.drop_all = Some(-1.0)).contains("above 0"));
        assert!(refused(|s| s.sd_k = 0.0).contains("k of the statistical rule"));
        assert!(
            refused(|s| {
                s.cutoffs.insert("srs".into(), f64::INFINITY);
            })
            .contains("cut-off for srs must be a number")
        );
    }

    #[test]
    fn defaults_give_the_default_settings() {
        let settings = Settings::from_overrides(&overrides(), &Registry::builtin()).unwrap();
        assert_eq!(settings, Settings::default());
    }

    #[test]
    fn assignments_name_instruments_as_people_spell_them_and_bare_drops_apply_to_all() {
        let o = Overrides {
            cutoffs: vec!["ORS=32".into(), "gad7=9".into()],
            srs_cutoff: Some(36.1),
            reliable_change: vec!["PHQ9=5".into()],
            drops: vec!["2".into(), "waisr=4".into()],
            rules: vec![Rule::Statistical, Rule::Drop],
            sd_k: 1.0,
            repair_window: 2,
        };
        let s = Settings::from_overrides(&o, &Registry::builtin()).unwrap();
        assert_eq!(s.cutoffs.get("ors"), Some(&32.0));
        assert_eq!(s.cutoffs.get("srs"), Some(&36.1));
        assert_eq!(s.cutoffs.get("gad-7"), Some(&9.0));
        assert_eq!(s.reliable_change.get("phq-9"), Some(&5.0));
        assert_eq!(s.drop_all, Some(2.0));
        assert_eq!(s.drops.get("wai-sr"), Some(&4.0));
        // Reported in the rules' own order, whatever order they were asked in.
        assert_eq!(s.rules, [Rule::Drop, Rule::Statistical]);
        assert_eq!((s.sd_k, s.repair_window), (1.0, 2));
    }

    #[test]
    fn bad_values_are_refused_with_the_option_and_the_way_out() {
        let registry = Registry::builtin();
        let refused = |o: Overrides| {
            Settings::from_overrides(&o, &registry)
                .unwrap_err()
                .to_string()
        };
        let cases = [
            (
                Overrides {
                    cutoffs: vec!["bdi=3".into()],
                    ..overrides()
                },
                "--cutoff bdi=3: unknown instrument \"bdi\"",
            ),
            (
                Overrides {
                    cutoffs: vec!["36".into()],
                    ..overrides()
                },
                "--cutoff 36: write it as ID=POINTS",
            ),
            (
                Overrides {
                    reliable_change: vec!["ors=x".into()],
                    ..overrides()
                },
                "--rci ors=x: \"x\" is not a number",
            ),
            (
                Overrides {
                    reliable_change: vec!["ors=0".into()],
                    ..overrides()
                },
                "--rci ors=0: the index must be above 0",
            ),
            (
                Overrides {
                    drops: vec!["-1".into()],
                    ..overrides()
                },
                "--drop -1: the threshold must be above 0",
            ),
            (
                Overrides {
                    sd_k: 0.0,
                    ..overrides()
                },
                "--sd-k 0: K must be above 0",
            ),
            (
                Overrides {
                    srs_cutoff: Some(f64::NAN),
                    ..overrides()
                },
                "--srs-cutoff must be a number",
            ),
            (
                Overrides {
                    cutoffs: vec!["srs=inf".into()],
                    ..overrides()
                },
                "is not a number",
            ),
        ];
        for (o, needle) in cases {
            let message = refused(o);
            assert!(message.contains(needle), "{message:?} lacks {needle:?}");
        }
    }
}
