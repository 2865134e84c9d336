//! Options that change scoring and tracking: cut-offs, reliable-change indices and the
//! rupture rules. Every default comes from the instrument file, so a clinic changes
//! behaviour by flag or by file, never by code.

use std::collections::BTreeMap;

use crate::instrument::Instrument;

/// The rupture rules, each named in a rupture's `rules` when it fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
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
#[derive(Debug, Clone, PartialEq)]
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
}
