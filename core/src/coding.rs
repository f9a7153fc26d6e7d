//! Coding cards against a codebook, and how far independent analysts agree.
//!
//! A workshop's codebook holds codes (a name, a definition, optionally a parent code).
//! Each analyst codes cards on their own: for every card they have looked at, the set of
//! codes they apply (possibly none). Coding never touches a board: cards are referred to
//! by id.
//!
//! Agreement treats each (card, code) pair as one decision every analyst who looked at
//! the card made: applied or not.
//! - Per code and overall, Krippendorff's alpha (nominal), which takes any number of
//!   analysts and cards some of them did not look at (Krippendorff 2011, "Computing
//!   Krippendorff's Alpha-Reliability").
//! - With exactly two analysts, Cohen's kappa as well, over the cards both looked at.
//! - The disagreements: each (card, code) the analysts who looked at it did not all
//!   decide alike, with who applied it and who did not.
//!
//! No maintained Rust crate computes either coefficient, so they are written here and
//! checked against published worked examples (see the tests).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

/// Longest code name, in characters.
pub const MAX_CODE_NAME: usize = 80;
/// Longest code definition, in characters.
pub const MAX_CODE_DEFINITION: usize = 1_000;
/// Most codes in one codebook.
pub const MAX_CODES: usize = 500;
/// Deepest nesting of codes (a top-level code is at depth 1).
pub const MAX_CODE_DEPTH: usize = 4;

/// One code of a codebook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Code {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub definition: String,
    /// The code this one is nested under.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
}

/// A workshop's codes, in their order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Codebook {
    pub codes: Vec<Code>,
}

/// Why a codebook or a coding was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodingError {
    #[error("a codebook holds at most {MAX_CODES} codes")]
    TooManyCodes,
    #[error("code {0:?} appears twice")]
    DuplicateId(String),
    #[error("code {0:?} needs a name of 1 to {MAX_CODE_NAME} characters")]
    BadName(String),
    #[error("two codes are called {0:?}")]
    DuplicateName(String),
    #[error("code {0:?} has a definition over {MAX_CODE_DEFINITION} characters")]
    DefinitionTooLong(String),
    #[error("code {0:?} is nested under {1:?}, which is not in the codebook")]
    NoSuchParent(String, String),
    #[error("code {0:?} is nested under itself, or deeper than {MAX_CODE_DEPTH} levels")]
    BadNesting(String),
    #[error("the coding uses {0:?}, which is not in the codebook")]
    NoSuchCode(String),
    #[error("agreement needs at least two analysts")]
    TooFewAnalysts,
    #[error("analyst {0:?} appears twice")]
    DuplicateAnalyst(String),
}

impl Codebook {
    /// Refuse a codebook with repeated ids or names, empty or long names, long
    /// definitions, missing parents, or nesting that loops or goes too deep.
    pub fn check(&self) -> Result<(), CodingError> {
        if self.codes.len() > MAX_CODES {
            return Err(CodingError::TooManyCodes);
        }
        let mut ids = HashMap::new();
        let mut names = BTreeSet::new();
        for c in &self.codes {
            if ids.insert(c.id.as_str(), c).is_some() {
                return Err(CodingError::DuplicateId(c.id.clone()));
            }
            let name = c.name.trim();
            if name.is_empty() || name.chars().count() > MAX_CODE_NAME {
                return Err(CodingError::BadName(c.id.clone()));
            }
            if !names.insert(name.to_lowercase()) {
                return Err(CodingError::DuplicateName(name.to_string()));
            }
            if c.definition.chars().count() > MAX_CODE_DEFINITION {
                return Err(CodingError::DefinitionTooLong(c.id.clone()));
            }
        }
        for c in &self.codes {
            let mut at = c;
            let mut depth = 1;
            while let Some(p) = &at.parent {
                at = ids
                    .get(p.as_str())
                    .ok_or_else(|| CodingError::NoSuchParent(c.id.clone(), p.clone()))?;
                depth += 1;
                if depth > MAX_CODE_DEPTH || at.id == c.id {
                    return Err(CodingError::BadNesting(c.id.clone()));
                }
            }
        }
        Ok(())
    }

    /// Refuse a coding that uses a code this codebook does not have.
    pub fn check_coding(&self, coding: &Coding) -> Result<(), CodingError> {
        let known: BTreeSet<&str> = self.codes.iter().map(|c| c.id.as_str()).collect();
        for codes in coding.values() {
            if let Some(bad) = codes.iter().find(|c| !known.contains(c.as_str())) {
                return Err(CodingError::NoSuchCode(bad.clone()));
            }
        }
        Ok(())
    }
}

/// One analyst's coding: for each card they looked at, the codes they applied (a card
/// looked at and given none is present with an empty set; a card not looked at is absent).
pub type Coding = BTreeMap<String, BTreeSet<String>>;

/// How far the analysts agree on one code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CodeAgreement {
    pub code: String,
    /// Krippendorff's alpha; `None` when it is undefined (nobody, or everybody, applied
    /// the code to every card looked at by two or more analysts: no variation to agree on).
    pub alpha: Option<f64>,
    /// Cohen's kappa, with exactly two analysts; `None` otherwise or when undefined.
    pub kappa: Option<f64>,
    /// The share of cards (looked at by two or more) on which all decided alike.
    pub percent_agreement: Option<f64>,
    /// How many cards each analyst applied it to, in the analysts' order.
    pub applied: Vec<usize>,
}

/// A (card, code) on which the analysts who looked at the card did not all decide alike.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disagreement {
    pub card: String,
    pub code: String,
    pub applied_by: Vec<String>,
    pub not_applied_by: Vec<String>,
}

/// Agreement of a set of analysts over a codebook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Agreement {
    pub analysts: Vec<String>,
    /// Cards looked at by two or more analysts (the ones agreement is measured on).
    pub cards_compared: usize,
    /// Over every (card, code) decision.
    pub alpha: Option<f64>,
    pub kappa: Option<f64>,
    pub percent_agreement: Option<f64>,
    /// In the codebook's order.
    pub per_code: Vec<CodeAgreement>,
    /// By card id, then in the codebook's order.
    pub disagreements: Vec<Disagreement>,
}

/// Pairable counts for Krippendorff's alpha over binary decisions, summed over units:
/// `d` the disagreeing pairs weighted by 1/(m-1), `ones` and `zeros` the pairable values.
#[derive(Debug, Default, Clone, Copy)]
struct Binary {
    d: f64,
    ones: f64,
    zeros: f64,
    units: usize,
    alike: usize,
    /// Two analysts: both applied, first only, second only, neither.
    table: [usize; 4],
}

impl Binary {
    /// One unit: `yes` analysts applied the code, `no` did not (of those who looked).
    fn add(&mut self, yes: usize, no: usize) {
        let m = yes + no;
        if m < 2 {
            return;
        }
        self.units += 1;
        if yes == 0 || no == 0 {
            self.alike += 1;
        }
        self.d += 2.0 * (yes * no) as f64 / (m - 1) as f64;
        self.ones += yes as f64;
        self.zeros += no as f64;
    }

    fn merge(&mut self, o: &Binary) {
        self.d += o.d;
        self.ones += o.ones;
        self.zeros += o.zeros;
        self.units += o.units;
        self.alike += o.alike;
        for (a, b) in self.table.iter_mut().zip(o.table) {
            *a += b;
        }
    }

    fn alpha(&self) -> Option<f64> {
        let n = self.ones + self.zeros;
        let expected = 2.0 * self.ones * self.zeros;
        (expected > 0.0).then(|| 1.0 - (n - 1.0) * self.d / expected)
    }

    fn percent(&self) -> Option<f64> {
        (self.units > 0).then(|| self.alike as f64 / self.units as f64)
    }

    fn kappa(&self) -> Option<f64> {
        let [both, first, second, neither] = self.table.map(|n| n as f64);
        let n = both + first + second + neither;
        if n == 0.0 {
            return None;
        }
        let observed = (both + neither) / n;
        let (a, b) = ((both + first) / n, (both + second) / n);
        let expected = a * b + (1.0 - a) * (1.0 - b);
        (expected < 1.0).then(|| (observed - expected) / (1.0 - expected))
    }
}

/// Agreement of `analysts` (name, coding) over `codebook`: per code, overall, and the
/// disagreements. Codes the codebook does not have are refused.
pub fn agreement(
    codebook: &Codebook,
    analysts: &[(String, Coding)],
) -> Result<Agreement, CodingError> {
    if analysts.len() < 2 {
        return Err(CodingError::TooFewAnalysts);
    }
    let mut seen = BTreeSet::new();
    for (name, coding) in analysts {
        if !seen.insert(name.as_str()) {
            return Err(CodingError::DuplicateAnalyst(name.clone()));
        }
        codebook.check_coding(coding)?;
    }
    let pair = analysts.len() == 2;
    // Every card someone looked at, with who looked at it.
    let mut cards: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, (_, coding)) in analysts.iter().enumerate() {
        for card in coding.keys() {
            cards.entry(card.as_str()).or_default().push(i);
        }
    }
    let compared = cards.values().filter(|who| who.len() >= 2).count();
    let mut per_code: Vec<Binary> = vec![Binary::default(); codebook.codes.len()];
    let mut applied = vec![vec![0usize; analysts.len()]; codebook.codes.len()];
    let mut disagreements = Vec::new();
    // Each code's place in the codebook, and per card which analysts applied which codes
    // (filled from the analysts' sets, so the work per card is what they applied plus
    // one flag per code and analyst, not a search per code).
    let place: HashMap<&str, usize> = codebook
        .codes
        .iter()
        .enumerate()
        .map(|(k, c)| (c.id.as_str(), k))
        .collect();
    let mut flags = vec![false; codebook.codes.len() * analysts.len()];
    let (mut yes, mut no) = (Vec::new(), Vec::new());
    for (card, who) in &cards {
        flags.iter_mut().for_each(|f| *f = false);
        for &i in who {
            for code in &analysts[i].1[*card] {
                flags[place[code.as_str()] * analysts.len() + i] = true;
            }
        }
        for (k, code) in codebook.codes.iter().enumerate() {
            yes.clear();
            no.clear();
            for &i in who {
                if flags[k * analysts.len() + i] {
                    applied[k][i] += 1;
                    yes.push(i);
                } else {
                    no.push(i);
                }
            }
            let unit = &mut per_code[k];
            unit.add(yes.len(), no.len());
            if who.len() < 2 {
                continue;
            }
            if pair {
                let cell = match (yes.contains(&0), yes.contains(&1)) {
                    (true, true) => 0,
                    (true, false) => 1,
                    (false, true) => 2,
                    (false, false) => 3,
                };
                unit.table[cell] += 1;
            }
            if !yes.is_empty() && !no.is_empty() {
                let names = |ix: &[usize]| ix.iter().map(|&i| analysts[i].0.clone()).collect();
                disagreements.push(Disagreement {
                    card: card.to_string(),
                    code: code.id.clone(),
                    applied_by: names(&yes),
                    not_applied_by: names(&no),
                });
            }
        }
    }
    let mut overall = Binary::default();
    for b in &per_code {
        overall.merge(b);
    }
    let kappa = |b: &Binary| if pair { b.kappa() } else { None };
    Ok(Agreement {
        analysts: analysts.iter().map(|(n, _)| n.clone()).collect(),
        cards_compared: compared,
        alpha: overall.alpha(),
        kappa: kappa(&overall),
        percent_agreement: overall.percent(),
        per_code: codebook
            .codes
            .iter()
            .zip(per_code.iter().zip(applied))
            .map(|(code, (b, applied))| CodeAgreement {
                code: code.id.clone(),
                alpha: b.alpha(),
                kappa: kappa(b),
                percent_agreement: b.percent(),
                applied,
            })
            .collect(),
        disagreements,
    })
}

/// Krippendorff's alpha for nominal values with missing data: `units[u][c]` is coder
/// `c`'s value for unit `u`, or `None`. `None` when undefined (no variation).
pub fn nominal_alpha<V: Ord + Clone>(units: &[Vec<Option<V>>]) -> Option<f64> {
    // Coincidences: o[(c, k)] summed over units of pairs (c, k) / (m_u - 1).
    let mut o: BTreeMap<(V, V), f64> = BTreeMap::new();
    for unit in units {
        let values: Vec<&V> = unit.iter().flatten().collect();
        let m = values.len();
        if m < 2 {
            continue;
        }
        let w = 1.0 / (m - 1) as f64;
        for (i, a) in values.iter().enumerate() {
            for (j, b) in values.iter().enumerate() {
                if i != j {
                    *o.entry(((*a).clone(), (*b).clone())).or_default() += w;
                }
            }
        }
    }
    let mut n_c: BTreeMap<&V, f64> = BTreeMap::new();
    for ((c, _), v) in &o {
        *n_c.entry(c).or_default() += v;
    }
    let n: f64 = n_c.values().sum();
    let observed: f64 = o.iter().filter(|((c, k), _)| c != k).map(|(_, v)| v).sum();
    // The pairs of unlike values expected by chance: sum over c != k of n_c * n_k.
    let total = n * n - n_c.values().map(|v| v * v).sum::<f64>();
    (total > 0.0).then(|| 1.0 - (n - 1.0) * observed / total)
}

#[cfg(test)]
mod tests;
