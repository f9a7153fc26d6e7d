//! Synthesis across areas: cards copied from breakout boards (live or snapshots) onto a
//! synthesis board with their provenance, and the commonality of its themes by area.
//!
//! # Layout
//! - [`Provenance`]: where a copied card came from; stored in the card's `source` key as a
//!   plain JSON-like map (immutable, readable by any Yjs client).
//! - [`copy_cards`]: put a source board's visible cards on a synthesis board.
//! - [`commonality`]: which themes draw on every area, several, or only one.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};
use yrs::{Map, TransactionMut};

use super::board::{Board, ModelError};
use super::export::BoardExport;
use super::order::key_between;
pub use super::provenance::{Provenance, SOURCE_KEY};
use super::schema::{Prompt, Role};

/// Id of a copied card on the synthesis board: the same source card copied from the same
/// source (board, snapshot) twice is one card.
pub fn copied_id(board: &str, snapshot: Option<i64>, card: &str) -> String {
    match snapshot {
        Some(s) => format!("{board}@{s}~{card}"),
        None => format!("{board}~{card}"),
    }
}

/// Copy the visible cards of `source` (an export of a board or snapshot, with its context)
/// onto the synthesis `board`, each with its provenance, at the end of its column. A card
/// that was in a theme there goes into a theme of the same title in the same column here,
/// made if there is none (titles compared without case or surrounding space), so themes
/// of the same name from several areas meet in one. Cards already copied from the same
/// source are left as they are. Returns how many were added.
pub fn copy_cards(
    board: &Board,
    txn: &mut TransactionMut,
    source: &BoardExport,
    now_ms: f64,
) -> Result<usize, ModelError> {
    let snapshot = source.context.snapshot.as_ref();
    let mut added = 0;
    // The last order key of each column, read once (copies go after it, in order).
    let mut last: HashMap<Prompt, Option<String>> = Prompt::ALL
        .iter()
        .map(|p| (*p, board.cards_in(txn, *p).pop().map(|c| c.pos)))
        .collect();
    for c in source.cards.iter().filter(|c| !c.hidden) {
        let Some(prompt) = Prompt::parse(&c.prompt) else {
            continue;
        };
        let id = copied_id(&source.context.board_id, snapshot.map(|s| s.id), &c.id);
        if board.cards.get(txn, &id).is_some() {
            continue;
        }
        let role = c
            .role
            .as_deref()
            .and_then(Role::parse)
            .unwrap_or(Role::Stakeholder);
        let after = last.get(&prompt).cloned().flatten();
        let pos = key_between(after.as_deref(), None);
        board.insert_card(
            txn,
            &id,
            prompt,
            &c.text,
            &c.author,
            Some(role),
            c.created,
            &pos,
        )?;
        last.insert(prompt, Some(pos));
        let theme = c
            .theme
            .as_deref()
            .and_then(|t| source.themes.iter().find(|x| x.id == t))
            .map(|t| t.title.clone());
        let p = Provenance {
            area: source.meta.area.clone(),
            pillar: source.meta.pillar.clone(),
            workshop: source.context.workshop_title.clone(),
            board: source.context.board_id.clone(),
            board_title: source.meta.title.clone(),
            snapshot: snapshot.map(|s| s.id),
            snapshot_name: snapshot.map(|s| s.name.clone()),
            card: c.id.clone(),
            theme,
            votes: c.votes,
            copied: now_ms,
        };
        if let Some(title) = p.theme.as_deref().filter(|t| !t.trim().is_empty()) {
            let theme = theme_titled(board, txn, prompt, title)?;
            board.set_card_theme(txn, &id, Some(&theme))?;
        }
        board.set_source(txn, &id, &p)?;
        added += 1;
    }
    Ok(added)
}

/// The id of the theme titled `title` in `prompt`'s column, made at the column's end if
/// there is none. A made theme's id comes from its column and title, so two copies made
/// at once from different areas converge on one theme.
fn theme_titled(
    board: &Board,
    txn: &mut TransactionMut,
    prompt: Prompt,
    title: &str,
) -> Result<String, ModelError> {
    let key = title.trim().to_lowercase();
    let themes = board.themes(&*txn);
    if let Some(t) = themes
        .iter()
        .find(|t| t.prompt == Some(prompt) && t.title.trim().to_lowercase() == key)
    {
        return Ok(t.id.clone());
    }
    let slug: String = key
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '-' })
        .take(48)
        .collect();
    let base = format!("from-{}-{slug}", prompt.as_str());
    // A theme renamed since it was made keeps its id: find a free one.
    let id = (1..)
        .map(|n| {
            if n == 1 {
                base.clone()
            } else {
                format!("{base}-{n}")
            }
        })
        .find(|id| !themes.iter().any(|t| &t.id == id))
        .unwrap_or(base);
    board.add_theme(txn, &id, prompt, title.trim())?;
    Ok(id)
}

/// How widely a theme is shared across the areas on a synthesis board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "kind", content = "area")]
pub enum Spread {
    /// Cards from every area on the board (and there are at least two).
    Common,
    /// Cards from more than one area, but not all.
    Shared,
    /// Cards from one area only.
    Specific(String),
    /// No card with a known area.
    Unknown,
    /// The cards of a prompt that are not in a theme yet: not a finding, whatever areas
    /// they come from.
    Unthemed,
}

impl Spread {
    pub fn label(&self) -> String {
        match self {
            Spread::Common => "Common to all areas".into(),
            Spread::Shared => "Shared by some areas".into(),
            Spread::Specific(a) => format!("Specific to {a}"),
            Spread::Unknown => "No area known".into(),
            Spread::Unthemed => "Not yet in a theme".into(),
        }
    }
}

/// One theme's cards counted by area.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThemeSpread {
    /// Theme id (`None`: the cards not yet in a theme, per prompt).
    pub theme: Option<String>,
    pub title: String,
    pub prompt: String,
    /// Cards per area, in [`Commonality::areas`] order.
    pub per_area: Vec<usize>,
    pub spread: Spread,
}

/// The commonality view of a synthesis board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Commonality {
    /// Areas the board's cards come from (catalogue order first, then by name).
    pub areas: Vec<String>,
    /// Themes, by prompt then theme order; unthemed cards of a prompt last.
    pub themes: Vec<ThemeSpread>,
}

impl Commonality {
    /// Themes with a given spread kind.
    pub fn count(&self, f: impl Fn(&Spread) -> bool) -> usize {
        self.themes.iter().filter(|t| f(&t.spread)).count()
    }
}

/// Order areas: the catalogue's areas first in their order, then others by name.
fn area_order(areas: BTreeSet<String>) -> Vec<String> {
    let known = super::schema::AREAS;
    let mut out: Vec<String> = known
        .iter()
        .filter(|a| areas.contains(**a))
        .map(|a| a.to_string())
        .collect();
    out.extend(areas.into_iter().filter(|a| !known.contains(&a.as_str())));
    out
}

/// Which themes of a synthesis board draw on all areas, some, or one. Cards without
/// provenance count for the board's own area. Hidden cards are left out.
pub fn commonality(board: &BoardExport) -> Commonality {
    let area_of = |c: &super::export::ExportCard| -> String {
        c.source
            .as_ref()
            .map(|s| s.area.clone())
            .unwrap_or_else(|| board.meta.area.clone())
    };
    let visible: Vec<_> = board.cards.iter().filter(|c| !c.hidden).collect();
    let areas = area_order(
        visible
            .iter()
            .map(|c| area_of(c))
            .filter(|a| !a.is_empty())
            .collect(),
    );
    let spread_of = |per_area: &[usize]| -> Spread {
        let present: Vec<usize> = (0..per_area.len()).filter(|&i| per_area[i] > 0).collect();
        match present.len() {
            0 => Spread::Unknown,
            1 => Spread::Specific(areas[present[0]].clone()),
            n if n == areas.len() => Spread::Common,
            _ => Spread::Shared,
        }
    };
    let count = |cards: &[&super::export::ExportCard]| -> Vec<usize> {
        let mut by: BTreeMap<String, usize> = BTreeMap::new();
        for c in cards {
            *by.entry(area_of(c)).or_default() += 1;
        }
        areas
            .iter()
            .map(|a| by.get(a).copied().unwrap_or(0))
            .collect()
    };
    let mut themes = Vec::new();
    for p in Prompt::ALL {
        for (theme, cards) in board.grouped(p.as_str()) {
            let per_area = count(&cards);
            themes.push(ThemeSpread {
                theme: theme.map(|t| t.id.clone()),
                title: match theme {
                    Some(t) => t.title.clone(),
                    None => format!("{}: not yet in a theme", p.title()),
                },
                prompt: p.as_str().into(),
                spread: match theme {
                    Some(_) => spread_of(&per_area),
                    None => Spread::Unthemed,
                },
                per_area,
            });
        }
    }
    Commonality { areas, themes }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::export::{ExportContext, SnapshotRef};
    use crate::model::new_doc;
    use yrs::Transact;

    fn source(area: &str, board_id: &str, cards: &[(Prompt, &str)]) -> BoardExport {
        let doc = new_doc();
        let b = Board::of(&doc);
        {
            let mut txn = doc.transact_mut();
            b.init_meta(&mut txn, "Consultancy", area, "Consultancy");
            for (i, (p, text)) in cards.iter().enumerate() {
                b.add_card(
                    &mut txn,
                    &format!("c{i}"),
                    *p,
                    text,
                    "u1",
                    Role::Clinician,
                    1.0,
                )
                .unwrap();
            }
            b.add_theme(&mut txn, "t1", Prompt::Purpose, "Their theme")
                .unwrap();
            b.set_card_theme(&mut txn, "c0", Some("t1")).unwrap();
            b.vote(&mut txn, "c0", "p1", 1, 3).unwrap();
        }
        BoardExport::of_doc(
            &doc,
            ExportContext {
                board_id: board_id.into(),
                workshop_id: "w".into(),
                workshop_title: format!("{area} workshop"),
                snapshot: None,
            },
        )
    }

    #[test]
    fn copies_keep_provenance_and_are_idempotent() {
        let src = source(
            "Cancer Care",
            "cc-1",
            &[(Prompt::Purpose, "Safe care"), (Prompt::How, "Mentoring")],
        );
        let doc = new_doc();
        let b = Board::of(&doc);
        let mut txn = doc.transact_mut();
        b.init_meta(&mut txn, "Synthesis", "Cross-area synthesis", "Consultancy");
        assert_eq!(copy_cards(&b, &mut txn, &src, 5.0).unwrap(), 2);
        assert_eq!(copy_cards(&b, &mut txn, &src, 6.0).unwrap(), 0);
        let c = b.card(&txn, "cc-1~c0").unwrap();
        assert_eq!(c.text, "Safe care");
        assert_eq!(
            c.theme.as_deref(),
            Some("from-purpose-their-theme"),
            "a card from a theme there goes into a theme of that title here"
        );
        assert_eq!(b.card(&txn, "cc-1~c1").unwrap().theme, None);
        let p = c.source.unwrap();
        assert_eq!(p.area, "Cancer Care");
        assert_eq!(p.board, "cc-1");
        assert_eq!(p.card, "c0");
        assert_eq!(p.theme.as_deref(), Some("Their theme"));
        assert_eq!(p.votes, 1);
        assert_eq!(p.copied, 5.0);
        assert_eq!(p.snapshot, None);

        // The same board at a snapshot is another source.
        let mut snap = src.clone();
        snap.context.snapshot = Some(SnapshotRef {
            id: 7,
            name: "End of day".into(),
            taken_ms: 9,
        });
        assert_eq!(copy_cards(&b, &mut txn, &snap, 6.0).unwrap(), 2);
        let p = b.card(&txn, "cc-1@7~c1").unwrap().source.unwrap();
        assert_eq!(p.snapshot, Some(7));
        assert_eq!(p.snapshot_name.as_deref(), Some("End of day"));
        assert_eq!(
            p.label(),
            "Cancer Care · Consultancy · snapshot “End of day”"
        );
    }

    #[test]
    fn source_themes_of_one_title_meet_in_one_theme_and_renamed_ones_keep_theirs() {
        let doc = new_doc();
        let b = Board::of(&doc);
        let mut txn = doc.transact_mut();
        let mut ld = source("LD", "ld", &[(Prompt::Purpose, "Time")]);
        ld.themes[0].title = "Protected time".into();
        let mut cc = source("CC", "cc", &[(Prompt::Purpose, "Hours")]);
        cc.themes[0].title = "  protected TIME ".into();
        copy_cards(&b, &mut txn, &ld, 0.0).unwrap();
        // A facilitator renames the theme made from the first area's.
        b.rename_theme(&mut txn, "from-purpose-protected-time", "Time to learn")
            .unwrap();
        copy_cards(&b, &mut txn, &cc, 0.0).unwrap();
        let themes = b.themes(&txn);
        let titles: Vec<_> = themes
            .iter()
            .map(|t| (t.id.as_str(), t.title.as_str()))
            .collect();
        assert_eq!(
            titles,
            [
                ("from-purpose-protected-time", "Time to learn"),
                ("from-purpose-protected-time-2", "protected TIME"),
            ]
        );
        assert_eq!(
            b.card(&txn, "cc~c0").unwrap().theme.as_deref(),
            Some("from-purpose-protected-time-2")
        );
        // A third area with the second title joins it (case and spaces aside).
        let mut msk = source("MSK", "msk", &[(Prompt::Purpose, "Rotas")]);
        msk.themes[0].title = "Protected time".into();
        copy_cards(&b, &mut txn, &msk, 0.0).unwrap();
        assert_eq!(
            b.card(&txn, "msk~c0").unwrap().theme.as_deref(),
            Some("from-purpose-protected-time-2")
        );
        assert_eq!(b.themes(&txn).len(), 2);
    }

    #[test]
    fn hidden_cards_are_not_copied() {
        let mut src = source("MSK", "m", &[(Prompt::Purpose, "a"), (Prompt::How, "b")]);
        src.cards[1].hidden = true;
        let doc = new_doc();
        let b = Board::of(&doc);
        let mut txn = doc.transact_mut();
        assert_eq!(copy_cards(&b, &mut txn, &src, 0.0).unwrap(), 1);
    }

    #[test]
    fn commonality_by_area() {
        let doc = new_doc();
        let b = Board::of(&doc);
        {
            let mut txn = doc.transact_mut();
            b.init_meta(&mut txn, "Synthesis", "Cross-area synthesis", "Consultancy");
            for (area, id) in [
                ("Learning Disabilities & Autism", "ld"),
                ("Cancer Care", "cc"),
                ("Musculoskeletal (MSK)", "msk"),
            ] {
                let src = source(
                    area,
                    id,
                    &[
                        (Prompt::Purpose, "Protected time"),
                        (Prompt::How, "Mentors"),
                    ],
                );
                copy_cards(&b, &mut txn, &src, 0.0).unwrap();
            }
            // Each area's "Their theme" was made once, here: its three cards meet in it.
            b.add_theme(&mut txn, "mentor", Prompt::How, "Mentoring")
                .unwrap();
            b.set_card_theme(&mut txn, "ld~c1", Some("mentor")).unwrap();
            b.set_card_theme(&mut txn, "msk~c1", Some("mentor"))
                .unwrap();
            b.add_theme(&mut txn, "cc-only", Prompt::How, "Cancer networks")
                .unwrap();
            b.set_card_theme(&mut txn, "cc~c1", Some("cc-only"))
                .unwrap();
        }
        let c = commonality(&BoardExport::of_doc(&doc, ExportContext::default()));
        assert_eq!(
            c.areas,
            vec![
                "Learning Disabilities & Autism",
                "Cancer Care",
                "Musculoskeletal (MSK)"
            ]
        );
        let by: Vec<(&str, &Spread, &[usize])> = c
            .themes
            .iter()
            .map(|t| (t.title.as_str(), &t.spread, t.per_area.as_slice()))
            .collect();
        assert_eq!(
            by,
            vec![
                ("Their theme", &Spread::Common, &[1, 1, 1][..]),
                ("Mentoring", &Spread::Shared, &[1, 0, 1][..]),
                (
                    "Cancer networks",
                    &Spread::Specific("Cancer Care".into()),
                    &[0, 1, 0][..]
                ),
            ]
        );
        assert_eq!(c.count(|s| *s == Spread::Common), 1);
    }

    #[test]
    fn cards_not_yet_in_a_theme_are_no_finding_whatever_their_areas() {
        let doc = new_doc();
        let b = Board::of(&doc);
        {
            let mut txn = doc.transact_mut();
            b.init_meta(&mut txn, "Synthesis", "Cross-area synthesis", "Consultancy");
            for (area, id) in [("Cancer Care", "cc"), ("Musculoskeletal (MSK)", "msk")] {
                let mut src = source(area, id, &[(Prompt::Values, "Kindness")]);
                src.cards[0].theme = None;
                copy_cards(&b, &mut txn, &src, 0.0).unwrap();
            }
        }
        let c = commonality(&BoardExport::of_doc(&doc, ExportContext::default()));
        // Both areas' Values cards, unthemed: listed, counted per area, never "common".
        let values = c.themes.iter().find(|t| t.prompt == "values").unwrap();
        assert_eq!(values.theme, None);
        assert_eq!(values.per_area, vec![1, 1]);
        assert_eq!(values.spread, Spread::Unthemed);
        assert_eq!(values.spread.label(), "Not yet in a theme");
        assert_eq!(c.count(|s| *s == Spread::Common), 0);
    }
}
