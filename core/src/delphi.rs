//! Delphi rating rounds as plain data: a study's items, its scale and the consensus rule
//! fixed before round 1, each round's ratings, and each item's results per round
//! (median, interquartile range, the share in each band, consensus, stability).
//!
//! A study runs in rounds. Round 1 rates every item; each later round carries forward
//! only the items without consensus in the round before, and shows each respondent the
//! group's median and spread there and their own last rating. Respondents are codes
//! ("P07"), never names.
//!
//! Scales: 1 to 9 (bands 1-3, 4-6, 7-9, as in the GRADE and RAND/UCLA methods), or an
//! easy-read 3-point scale with words and symbols, whose points are the three bands
//! (1 "Not important", 2 "Not sure", 3 "Important"). The default rule: consensus when at
//! least 70 % rate an item in the top band and under 15 % in the bottom band.
//!
//! Medians and quartiles come from `statrs` (its `OrderStatistics`: quantiles by the
//! median-unbiased method, R's type 8), a maintained statistics crate, rather than being
//! written here.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use statrs::statistics::{Data, OrderStatistics};

/// Longest item, in characters.
pub const MAX_ITEM: usize = 1_000;
/// Most items in a study.
pub const MAX_ITEMS: usize = 200;
/// Longest comment on a rating, in characters.
pub const MAX_RATING_COMMENT: usize = 2_000;
/// Longest respondent code, in characters.
pub const MAX_CODE: usize = 20;

/// What respondents rate on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scale {
    /// 1 (not important) to 9 (critical).
    #[default]
    NinePoint,
    /// 1 "Not important", 2 "Not sure", 3 "Important": easy read, with symbols.
    ThreePoint,
}

/// A band of the scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Band {
    Low,
    Middle,
    High,
}

impl Scale {
    pub fn max(self) -> u8 {
        match self {
            Scale::NinePoint => 9,
            Scale::ThreePoint => 3,
        }
    }

    /// Which band a rating is in (the rating is on the scale).
    pub fn band(self, rating: u8) -> Band {
        let (low, high) = match self {
            Scale::NinePoint => (3, 7),
            Scale::ThreePoint => (1, 3),
        };
        if rating <= low {
            Band::Low
        } else if rating >= high {
            Band::High
        } else {
            Band::Middle
        }
    }

    /// The words for a point of the easy-read scale (and the ends of the 1-9 scale).
    /// The picture beside a rating's words on the easy-read scale (none on 1 to 9).
    pub fn symbol(self, rating: u8) -> Option<crate::model::schema::Symbol> {
        use crate::model::schema::Symbol;
        match (self, rating) {
            (Scale::ThreePoint, 1) => Some(Symbol::Minus),
            (Scale::ThreePoint, 2) => Some(Symbol::Question),
            (Scale::ThreePoint, 3) => Some(Symbol::Tick),
            _ => None,
        }
    }

    pub fn words(self, rating: u8) -> &'static str {
        match (self, rating) {
            (Scale::ThreePoint, 1) => "Not important",
            (Scale::ThreePoint, 2) => "Not sure",
            (Scale::ThreePoint, 3) => "Important",
            (Scale::NinePoint, 1) => "Not important",
            (Scale::NinePoint, 5) => "Important but not critical",
            (Scale::NinePoint, 9) => "Critical",
            _ => "",
        }
    }
}

/// When an item has consensus, fixed before round 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsensusRule {
    /// At least this share (percent) rate it in the top band...
    pub high_at_least: u8,
    /// ...and under this share (percent) in the bottom band.
    pub low_under: u8,
}

impl Default for ConsensusRule {
    fn default() -> Self {
        ConsensusRule {
            high_at_least: 70,
            low_under: 15,
        }
    }
}

/// One statement to rate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DelphiItem {
    pub id: String,
    pub text: String,
}

/// A new study, as the lead writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewStudy {
    pub title: String,
    #[serde(default)]
    pub scale: Scale,
    #[serde(default)]
    pub rule: ConsensusRule,
    /// The items' texts, in order.
    pub items: Vec<String>,
    /// Where more items come from, after any typed ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<ItemSource>,
}

/// Where a new study's items can come from besides being typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemSource {
    /// The titles of one of the workshop's boards' themes (a synthesis, usually).
    Board(String),
    /// The items of a draft published from one of the workshop's boards (a consultation
    /// or agreement round): each theme's title, or the statement.
    Draft(String),
}

/// Why a study, a respondent or a rating was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DelphiError {
    #[error("a study needs a title of 1 to 120 characters")]
    Title,
    #[error("a study needs 1 to {MAX_ITEMS} items")]
    ItemCount,
    #[error("item {0} needs 1 to {MAX_ITEM} characters")]
    Item(usize),
    #[error("the rule's shares are percentages: 1 to 100 in the top band, 0 to 100 in the bottom")]
    Rule,
    #[error("a respondent code is 1 to {MAX_CODE} letters, digits, dashes or dots")]
    Code,
    #[error("respondent code {0} is used already")]
    CodeTaken(String),
    #[error("a rating is a whole number from 1 to {0}")]
    OutOfScale(u8),
    #[error("item {0:?} is not rated in this round")]
    NotInRound(String),
    #[error("item {0:?} is rated twice")]
    Twice(String),
    #[error("a comment has at most {MAX_RATING_COMMENT} characters")]
    Comment,
    #[error("round {0} is closed")]
    Closed(u32),
    #[error("no round is open")]
    NoneOpen,
}

impl NewStudy {
    /// Refuse a study without a title or items, with long items or a rule that is not
    /// made of percentages.
    pub fn check(&self) -> Result<(), DelphiError> {
        let title = self.title.trim();
        if title.is_empty() || title.chars().count() > 120 {
            return Err(DelphiError::Title);
        }
        if self.items.is_empty() || self.items.len() > MAX_ITEMS {
            return Err(DelphiError::ItemCount);
        }
        for (i, item) in self.items.iter().enumerate() {
            let n = item.trim().chars().count();
            if n == 0 || n > MAX_ITEM {
                return Err(DelphiError::Item(i + 1));
            }
        }
        let r = self.rule;
        if r.high_at_least == 0 || r.high_at_least > 100 || r.low_under > 100 {
            return Err(DelphiError::Rule);
        }
        Ok(())
    }
}

/// A study as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Study {
    pub id: String,
    pub workshop_id: String,
    pub title: String,
    pub scale: Scale,
    pub rule: ConsensusRule,
    pub items: Vec<DelphiItem>,
    pub created_ms: i64,
}

/// One round of a study.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DelphiRound {
    /// 1, 2, ...
    pub number: u32,
    /// The items rated in it (round 1: all; later: those without consensus before).
    pub items: Vec<String>,
    pub open: bool,
    pub opened_ms: i64,
    pub closed_ms: Option<i64>,
}

/// One stored rating.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredRating {
    pub round: u32,
    pub respondent: String,
    pub item: String,
    pub value: u8,
    pub comment: String,
    pub at_ms: i64,
}

/// A study's respondent (a code; the link is theirs alone).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Respondent {
    pub code: String,
    pub created_ms: i64,
    /// When the lead revoked their link (their ratings are kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_ms: Option<i64>,
}

/// A new respondent and their own link's token (shown once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RespondentLink {
    pub code: String,
    pub token: String,
}

/// One round's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoundResults {
    pub round: DelphiRound,
    /// How many respondents rated at least one item in it.
    pub respondents: usize,
    /// In the study's item order, the round's items only.
    pub items: Vec<ItemResult>,
}

/// A study's results, round by round (the lead's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DelphiResults {
    pub study: Study,
    pub respondents: Vec<Respondent>,
    pub rounds: Vec<RoundResults>,
}

/// One item as a respondent sees it in the open round.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemToRate {
    pub item: DelphiItem,
    /// The group's results in the round before (round 2 on).
    pub group_before: Option<ItemResult>,
    /// The respondent's own rating in the round before.
    pub mine_before: Option<u8>,
    /// Their rating and comment so far in this round.
    pub mine: Option<Rating>,
}

/// What a respondent's page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RespondentView {
    pub study_id: String,
    pub title: String,
    pub scale: Scale,
    pub code: String,
    /// The open round, if any (else the last one, closed).
    pub round: Option<DelphiRound>,
    pub items: Vec<ItemToRate>,
}

/// Refuse a respondent code that is empty, long, or not letters, digits, `-` or `.`.
pub fn check_code(code: &str) -> Result<(), DelphiError> {
    let ok = !code.is_empty()
        && code.chars().count() <= MAX_CODE
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
    ok.then_some(()).ok_or(DelphiError::Code)
}

/// One rating as a respondent gives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rating {
    pub item: String,
    pub value: u8,
    #[serde(default)]
    pub comment: String,
}

/// Refuse ratings off the scale, of items not in the round, twice for one item, or with
/// long comments.
pub fn check_ratings(
    scale: Scale,
    round_items: &BTreeSet<String>,
    ratings: &[Rating],
) -> Result<(), DelphiError> {
    let mut seen = BTreeSet::new();
    for r in ratings {
        if r.value == 0 || r.value > scale.max() {
            return Err(DelphiError::OutOfScale(scale.max()));
        }
        if !round_items.contains(&r.item) {
            return Err(DelphiError::NotInRound(r.item.clone()));
        }
        if !seen.insert(r.item.as_str()) {
            return Err(DelphiError::Twice(r.item.clone()));
        }
        if r.comment.chars().count() > MAX_RATING_COMMENT {
            return Err(DelphiError::Comment);
        }
    }
    Ok(())
}

/// One item's results in one round.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemResult {
    pub item: String,
    /// How many rated it.
    pub n: usize,
    pub median: Option<f64>,
    pub q1: Option<f64>,
    pub q3: Option<f64>,
    /// Percent in each band (of those who rated it).
    pub low: f64,
    pub middle: f64,
    pub high: f64,
    /// Whether the rule is met (nobody rating it: no).
    pub consensus: bool,
    /// With the round before: the percent of respondents who rated it in both whose band
    /// did not change (`None` in round 1 or with nobody in both).
    pub stability: Option<f64>,
}

impl ItemResult {
    pub fn iqr(&self) -> Option<f64> {
        Some(self.q3? - self.q1?)
    }
}

/// An item's results from its ratings this round and, if any, its ratings the round
/// before (by respondent).
pub fn item_result(
    scale: Scale,
    rule: ConsensusRule,
    item: &str,
    now: &BTreeMap<String, u8>,
    before: Option<&BTreeMap<String, u8>>,
) -> ItemResult {
    let n = now.len();
    let values: Vec<f64> = now.values().map(|&v| f64::from(v)).collect();
    let (median, q1, q3) = if values.is_empty() {
        (None, None, None)
    } else {
        let mut data = Data::new(values);
        (
            Some(data.median()),
            Some(data.lower_quartile()),
            Some(data.upper_quartile()),
        )
    };
    let share = |band: Band| {
        if n == 0 {
            0.0
        } else {
            100.0 * now.values().filter(|&&v| scale.band(v) == band).count() as f64 / n as f64
        }
    };
    let (low, middle, high) = (share(Band::Low), share(Band::Middle), share(Band::High));
    let consensus =
        n > 0 && high >= f64::from(rule.high_at_least) && low < f64::from(rule.low_under);
    let stability = before.and_then(|before| {
        let both: Vec<(u8, u8)> = now
            .iter()
            .filter_map(|(who, &v)| before.get(who).map(|&b| (b, v)))
            .collect();
        (!both.is_empty()).then(|| {
            let same = both
                .iter()
                .filter(|(b, v)| scale.band(*b) == scale.band(*v))
                .count();
            100.0 * same as f64 / both.len() as f64
        })
    });
    ItemResult {
        item: item.to_string(),
        n,
        median,
        q1,
        q3,
        low,
        middle,
        high,
        consensus,
        stability,
    }
}

/// Each round's results from every stored rating: per item, in the study's order.
pub fn results(
    study: &Study,
    rounds: &[DelphiRound],
    ratings: &[StoredRating],
) -> Vec<RoundResults> {
    // round -> item -> respondent -> value
    let mut by: BTreeMap<u32, BTreeMap<&str, BTreeMap<String, u8>>> = BTreeMap::new();
    for r in ratings {
        by.entry(r.round)
            .or_default()
            .entry(r.item.as_str())
            .or_default()
            .insert(r.respondent.clone(), r.value);
    }
    let empty = BTreeMap::new();
    rounds
        .iter()
        .map(|round| {
            let now = by.get(&round.number);
            let before = round.number.checked_sub(1).and_then(|n| by.get(&n));
            let in_round: BTreeSet<&str> = round.items.iter().map(String::as_str).collect();
            let items = study
                .items
                .iter()
                .filter(|i| in_round.contains(i.id.as_str()))
                .map(|i| {
                    let this = now.and_then(|m| m.get(i.id.as_str())).unwrap_or(&empty);
                    let prev = before.and_then(|m| m.get(i.id.as_str()));
                    item_result(study.scale, study.rule, &i.id, this, prev)
                })
                .collect();
            let respondents = ratings
                .iter()
                .filter(|r| r.round == round.number)
                .map(|r| r.respondent.as_str())
                .collect::<BTreeSet<_>>()
                .len();
            RoundResults {
                round: round.clone(),
                respondents,
                items,
            }
        })
        .collect()
}

/// The items the next round carries: those of the last round without consensus.
pub fn carried_forward(last: &RoundResults) -> Vec<String> {
    last.items
        .iter()
        .filter(|i| !i.consensus)
        .map(|i| i.item.clone())
        .collect()
}

/// A study's results as CSV: one row per round and item.
pub fn results_csv(results: &DelphiResults) -> String {
    let text: BTreeMap<&str, &str> = results
        .study
        .items
        .iter()
        .map(|i| (i.id.as_str(), i.text.as_str()))
        .collect();
    let num = |x: Option<f64>| x.map(|x| format!("{x:.2}")).unwrap_or_default();
    let rows = results
        .rounds
        .iter()
        .flat_map(|r| {
            r.items.iter().map(|i| {
                vec![
                    r.round.number.to_string(),
                    i.item.clone(),
                    text.get(i.item.as_str())
                        .copied()
                        .unwrap_or_default()
                        .to_string(),
                    i.n.to_string(),
                    num(i.median),
                    num(i.q1),
                    num(i.q3),
                    num(i.iqr()),
                    format!("{:.1}", i.low),
                    format!("{:.1}", i.middle),
                    format!("{:.1}", i.high),
                    if i.consensus { "yes" } else { "no" }.to_string(),
                    i.stability.map(|s| format!("{s:.1}")).unwrap_or_default(),
                ]
            })
        })
        .collect();
    crate::model::report::csv_document_with(
        &[
            "round",
            "item_id",
            "item",
            "rated_by",
            "median",
            "q1",
            "q3",
            "iqr",
            "percent_low",
            "percent_middle",
            "percent_high",
            "consensus",
            "stability_percent",
        ],
        rows,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ratings(values: &[u8]) -> BTreeMap<String, u8> {
        values
            .iter()
            .enumerate()
            .map(|(i, &v)| (format!("P{i:02}"), v))
            .collect()
    }

    #[test]
    fn bands_follow_the_scale() {
        let nine: Vec<Band> = (1..=9).map(|v| Scale::NinePoint.band(v)).collect();
        use Band::*;
        assert_eq!(
            nine,
            [Low, Low, Low, Middle, Middle, Middle, High, High, High]
        );
        let three: Vec<Band> = (1..=3).map(|v| Scale::ThreePoint.band(v)).collect();
        assert_eq!(three, [Low, Middle, High]);
        assert_eq!(Scale::ThreePoint.words(2), "Not sure");
    }

    #[test]
    fn the_default_rule_needs_seventy_percent_high_and_under_fifteen_low() {
        let rule = ConsensusRule::default();
        // 7 of 10 high, 1 of 10 low: consensus.
        let r = item_result(
            Scale::NinePoint,
            rule,
            "i",
            &ratings(&[7, 8, 9, 7, 8, 9, 7, 5, 5, 2]),
            None,
        );
        assert_eq!((r.high, r.middle, r.low), (70.0, 20.0, 10.0));
        assert!(r.consensus);
        assert_eq!(r.median, Some(7.0));
        // 6 of 10 high: none.
        let r = item_result(
            Scale::NinePoint,
            rule,
            "i",
            &ratings(&[7, 8, 9, 7, 8, 9, 5, 5, 5, 2]),
            None,
        );
        assert!(!r.consensus);
        // 8 of 10 high but 2 of 10 (20 %) low: none.
        let r = item_result(
            Scale::NinePoint,
            rule,
            "i",
            &ratings(&[7, 8, 9, 7, 8, 9, 9, 9, 1, 2]),
            None,
        );
        assert!(!r.consensus);
        // Nobody rated: no consensus, no median.
        let r = item_result(Scale::NinePoint, rule, "i", &BTreeMap::new(), None);
        assert!(!r.consensus && r.median.is_none() && r.n == 0);
    }

    #[test]
    fn quartiles_are_r_type_8_and_stability_compares_bands() {
        // R: quantile(1:9, c(.25, .5, .75), type = 8) = 2.667, 5, 7.333 (type 7, a
        // spreadsheet's QUARTILE, would give 3 and 7).
        let r = item_result(
            Scale::NinePoint,
            ConsensusRule::default(),
            "i",
            &ratings(&[1, 2, 3, 4, 5, 6, 7, 8, 9]),
            None,
        );
        assert_eq!(r.median, Some(5.0));
        assert!((r.q1.unwrap() - 8.0 / 3.0).abs() < 1e-9, "{:?}", r.q1);
        assert!((r.q3.unwrap() - 22.0 / 3.0).abs() < 1e-9, "{:?}", r.q3);
        assert!((r.iqr().unwrap() - 14.0 / 3.0).abs() < 1e-9);
        // Three respondents in both rounds: two kept their band (8 -> 9, 2 -> 3), one
        // moved (5 -> 7); a fourth rated only now.
        let before: BTreeMap<String, u8> = [("A", 8), ("B", 2), ("C", 5)]
            .map(|(k, v)| (k.to_string(), v))
            .into();
        let now: BTreeMap<String, u8> = [("A", 9), ("B", 3), ("C", 7), ("D", 9)]
            .map(|(k, v)| (k.to_string(), v))
            .into();
        let r = item_result(
            Scale::NinePoint,
            ConsensusRule::default(),
            "i",
            &now,
            Some(&before),
        );
        assert!((r.stability.unwrap() - 200.0 / 3.0).abs() < 1e-9);
    }

    #[test]
    fn bad_studies_codes_and_ratings_are_refused() {
        let study = |title: &str, items: Vec<&str>, rule: ConsensusRule| NewStudy {
            title: title.into(),
            scale: Scale::NinePoint,
            rule,
            items: items.into_iter().map(String::from).collect(),
            from: None,
        };
        let ok = ConsensusRule::default();
        assert!(study("Framework", vec!["A"], ok).check().is_ok());
        assert_eq!(study(" ", vec!["A"], ok).check(), Err(DelphiError::Title));
        assert_eq!(study("F", vec![], ok).check(), Err(DelphiError::ItemCount));
        assert_eq!(
            study("F", vec!["A", " "], ok).check(),
            Err(DelphiError::Item(2))
        );
        let bad = ConsensusRule {
            high_at_least: 0,
            low_under: 15,
        };
        assert_eq!(study("F", vec!["A"], bad).check(), Err(DelphiError::Rule));

        assert!(check_code("P07").is_ok() && check_code("ward-3.b").is_ok());
        for bad in ["", "P 07", "<b>", "a-very-long-code-of-more-than-20"] {
            assert_eq!(check_code(bad), Err(DelphiError::Code), "{bad}");
        }

        let items: BTreeSet<String> = ["a", "b"].map(String::from).into();
        let r = |item: &str, value: u8| Rating {
            item: item.into(),
            value,
            comment: String::new(),
        };
        assert!(check_ratings(Scale::NinePoint, &items, &[r("a", 9), r("b", 1)]).is_ok());
        assert_eq!(
            check_ratings(Scale::NinePoint, &items, &[r("a", 10)]),
            Err(DelphiError::OutOfScale(9))
        );
        assert_eq!(
            check_ratings(Scale::ThreePoint, &items, &[r("a", 4)]),
            Err(DelphiError::OutOfScale(3))
        );
        assert_eq!(
            check_ratings(Scale::NinePoint, &items, &[r("a", 0)]),
            Err(DelphiError::OutOfScale(9))
        );
        assert_eq!(
            check_ratings(Scale::NinePoint, &items, &[r("c", 5)]),
            Err(DelphiError::NotInRound("c".into()))
        );
        assert_eq!(
            check_ratings(Scale::NinePoint, &items, &[r("a", 5), r("a", 6)]),
            Err(DelphiError::Twice("a".into()))
        );
    }
}
