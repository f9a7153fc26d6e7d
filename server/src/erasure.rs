//! Erasure: one person's data leaves everything the server keeps.
//!
//! A person is erased by their pseudonym in a workshop, when they withdraw from the page
//! or when a facilitator erases them. In order:
//! 1. Their consent is marked withdrawn, so nothing more of theirs is taken.
//! 2. On every board of the workshop: their cards (with the votes on them) and their
//!    votes leave the live board, their draft, and every snapshot; cards of theirs held
//!    by moderation are deleted. A board or draft that changed is compacted, so its
//!    history (the update log) no longer holds what they wrote.
//! 3. Copies of those cards on synthesis boards (any workshop) leave those boards and
//!    their snapshots, and items of published drafts that quote them are taken out.
//! 4. Their roster entry (name and role) is deleted.
//! 5. An erasure record keeps when, whose pseudonym, who asked and how many items of each
//!    kind, never content; then the store scrubs its files (`Storage::scrub`).
//!
//! Text a person typed into someone else's card stays: the card and its text belong to
//! its author (docs/PROTOCOL.md, "Erasure"). Exports are made from boards and snapshots,
//! so every later export follows.

use std::collections::{HashMap, HashSet};

use cocreate_core::catalog::{DocKey, ErasureRecord};
use cocreate_core::consult::DraftItem;
use cocreate_core::model::board::{Board, Erased};
use cocreate_core::model::new_doc;
use cocreate_core::model::CardView;
use yrs::updates::decoder::Decode;
use yrs::{ReadTxn, StateVector, Transact, Update};

use crate::consent::ConsentBook;
use crate::hub::{Hub, HubError};
use crate::store::{now_ms, StoreError};

/// Why an erasure did not finish (what was done before it stays done; running it again
/// finishes it).
#[derive(Debug, thiserror::Error)]
pub enum EraseError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Hub(#[from] HubError),
    #[error("workshop {0} not found")]
    NoWorkshop(String),
    #[error("snapshot {snapshot} of board {board} cannot be read: {reason}")]
    Snapshot {
        board: String,
        snapshot: i64,
        reason: String,
    },
}

/// Who asked for an erasure (kept in its record).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requester {
    /// The person withdrew.
    Themself,
    Facilitator,
    /// The workshop's retention date came (`crate::retention`).
    Retention,
}

impl Requester {
    fn label(self) -> &'static str {
        match self {
            Requester::Themself => "the person",
            Requester::Facilitator => "a facilitator",
            Requester::Retention => "the retention date",
        }
    }
}

/// The cards erased so far: ids by board, and their texts (to find quotes of them).
#[derive(Default)]
struct Gone {
    ids: HashMap<String, HashSet<String>>,
    texts: HashSet<String>,
}

impl Gone {
    fn add(&mut self, board: &str, cards: &[CardView]) {
        for c in cards {
            self.ids
                .entry(board.to_string())
                .or_default()
                .insert(c.id.clone());
            if !c.text.trim().is_empty() {
                self.texts.insert(c.text.clone());
            }
        }
    }
}

/// Erase `pseudonym` from `workshop` (see the module docs); returns the record kept.
pub async fn erase(
    hub: &Hub,
    consents: &ConsentBook,
    workshop: &str,
    pseudonym: &str,
    by: Requester,
) -> Result<ErasureRecord, EraseError> {
    let store = hub.store().clone();
    consents.withdraw(workshop, pseudonym)?;
    let boards = store
        .workshop(workshop)?
        .ok_or_else(|| EraseError::NoWorkshop(workshop.to_string()))?
        .boards;
    let mut record = ErasureRecord {
        pseudonym: pseudonym.to_string(),
        by: by.label().to_string(),
        ..ErasureRecord::default()
    };
    let mut gone = Gone::default();
    let mine = |c: &CardView| c.author == pseudonym;
    for b in &boards {
        // The live board, then the person's own draft.
        let live = hub.join(&DocKey::board(&b.id))?;
        let cards = erase_live(&live, &|board, txn| board.erase_person(txn, pseudonym)).await?;
        record.cards += cards.0.len();
        record.votes += cards.1;
        gone.add(&b.id, &cards.0);
        if store.drafts(&b.id)?.iter().any(|p| p == pseudonym) {
            let draft = hub.join(&DocKey::draft(&b.id, pseudonym))?;
            let drafted =
                erase_live(&draft, &|board, txn| board.erase_person(txn, pseudonym)).await?;
            gone.add(&b.id, &drafted.0);
        }
        // Held by moderation.
        for (id, held) in store.held_cards(&b.id)? {
            let card: Option<CardView> = serde_json::from_str(&held.card).ok();
            if card.as_ref().is_some_and(mine) {
                store.release_card(&b.id, &id)?;
                record.held += 1;
                gone.add(&b.id, &card.into_iter().collect::<Vec<_>>());
            }
        }
        // Snapshots.
        for snap in store.snapshots(&b.id)? {
            let cards = erase_snapshot(&store, &b.id, snap.id, &|board, txn| {
                board.erase_person(txn, pseudonym)
            })?;
            if let Some(cards) = cards {
                record.snapshots += 1;
                gone.add(&b.id, &cards);
            }
        }
    }

    // Copies on synthesis boards, anywhere, and quotes in published drafts.
    if !gone.ids.is_empty() {
        let sources: Vec<(String, Vec<String>)> = gone
            .ids
            .iter()
            .map(|(b, ids)| (b.clone(), ids.iter().cloned().collect()))
            .collect();
        let copies_of = |board: &Board, txn: &mut yrs::TransactionMut| {
            let mut erased = Erased::default();
            for (source, ids) in &sources {
                erased.cards.extend(board.erase_copies_of(txn, source, ids));
            }
            erased
        };
        let all_boards = store.all_boards()?;
        let mut copied = Gone::default();
        for b in &all_boards {
            let live = hub.join(&DocKey::board(&b.id))?;
            let (cards, _) = erase_live(&live, &copies_of).await?;
            record.copies += cards.len();
            copied.add(&b.id, &cards);
            for snap in store.snapshots(&b.id)? {
                if let Some(cards) = erase_snapshot(&store, &b.id, snap.id, &copies_of)? {
                    record.snapshots += 1;
                    copied.add(&b.id, &cards);
                }
            }
        }
        for (board, ids) in copied.ids {
            gone.ids.entry(board).or_default().extend(ids);
        }
        let workshops: HashSet<String> = all_boards.into_iter().map(|b| b.workshop_id).collect();
        for w in workshops {
            for (c, _) in store.consultations_of(&w)? {
                let none = HashSet::new();
                let ids = gone.ids.get(&c.board_id).unwrap_or(&none);
                let (items, removed) = without_quotes(&c.items, ids, &gone.texts);
                if removed > 0 {
                    store.replace_items(&c.id, &items)?;
                    record.draft_items += removed;
                }
            }
        }
    }

    store.leave_roster(workshop, pseudonym)?;
    store.forget_allocation(workshop, pseudonym)?;
    record.at_ms = now_ms();
    store.record_erasure(workshop, &record)?;
    store.barrier().await?;
    scrub(&store).await;
    tracing::info!(
        workshop,
        pseudonym,
        by = record.by,
        cards = record.cards,
        votes = record.votes,
        held = record.held,
        snapshots = record.snapshots,
        copies = record.copies,
        draft_items = record.draft_items,
        "person erased"
    );
    Ok(record)
}

/// What an erasing change does to a board: its (cards, votes) erased.
type EraseFn<'a> = dyn Fn(&Board, &mut yrs::TransactionMut) -> Erased + Sync + 'a;

/// Apply `f` to a live document as one server change and, if it removed anything,
/// compact the document so its history no longer holds what was removed. Returns the
/// removed cards (as they were) and the number of votes removed.
async fn erase_live(
    live: &crate::hub::BoardHandle,
    f: &EraseFn<'_>,
) -> Result<(Vec<CardView>, usize), EraseError> {
    let before: HashMap<String, CardView> = live.read(|d| {
        let board = Board::of(d);
        let txn = d.transact();
        board
            .cards(&txn)
            .into_iter()
            .map(|c| (c.id.clone(), c))
            .collect()
    });
    let mut erased = Erased::default();
    live.change(Board::of, |board, txn| {
        erased = f(board, txn);
        Ok::<(), HubError>(())
    })
    .await??;
    if erased.cards.is_empty() && erased.votes == 0 {
        return Ok((Vec::new(), 0));
    }
    live.compact().await?;
    let cards = erased
        .cards
        .iter()
        .filter_map(|id| before.get(id).cloned())
        .collect();
    Ok((cards, erased.votes))
}

/// Apply `f` to a snapshot's state; if it removed anything, keep the snapshot without it
/// and return the removed cards.
fn erase_snapshot(
    store: &crate::store::Store,
    board: &str,
    id: i64,
    f: &EraseFn<'_>,
) -> Result<Option<Vec<CardView>>, EraseError> {
    let Some((_, state)) = store.snapshot(board, id)? else {
        return Ok(None);
    };
    let bad = |reason: String| EraseError::Snapshot {
        board: board.to_string(),
        snapshot: id,
        reason,
    };
    let doc = new_doc();
    let update = Update::decode_v1(&state).map_err(|e| bad(e.to_string()))?;
    doc.transact_mut()
        .apply_update(update)
        .map_err(|e| bad(e.to_string()))?;
    let b = Board::of(&doc);
    let before = b.cards(&doc.transact());
    let erased = f(&b, &mut doc.transact_mut());
    if erased.cards.is_empty() && erased.votes == 0 {
        return Ok(None);
    }
    let kept = doc
        .transact()
        .encode_state_as_update_v1(&StateVector::default());
    store.replace_snapshot(board, id, &kept)?;
    Ok(Some(
        before
            .into_iter()
            .filter(|c| erased.cards.contains(&c.id))
            .collect(),
    ))
}

/// A published draft's items without those quoting erased cards: a card item whose card
/// is in `ids`, and any theme statement equal to an erased card's text. Returns the items
/// kept and how many items or statements were taken out.
fn without_quotes(
    items: &[DraftItem],
    ids: &HashSet<String>,
    texts: &HashSet<String>,
) -> (Vec<DraftItem>, usize) {
    let mut removed = 0;
    let mut kept = Vec::with_capacity(items.len());
    for item in items {
        let quotes_card = item
            .id
            .strip_prefix("card:")
            .is_some_and(|card| ids.contains(card));
        if quotes_card || (item.kind == "statement" && texts.contains(&item.text)) {
            removed += 1;
            continue;
        }
        let mut item = item.clone();
        let n = item.statements.len();
        item.statements.retain(|s| !texts.contains(s));
        removed += n - item.statements.len();
        kept.push(item);
    }
    (kept, removed)
}

/// Ask the store to scrub its files, a few times if it is busy.
async fn scrub(store: &crate::store::Store) {
    for attempt in 1..=5 {
        match store.scrub() {
            Ok(()) => return,
            Err(e) if attempt == 5 => {
                tracing::warn!(error = %e, "could not scrub the store after an erasure")
            }
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(200)).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: &str, kind: &str, text: &str, statements: &[&str]) -> DraftItem {
        DraftItem {
            id: id.into(),
            kind: kind.into(),
            prompt: "how".into(),
            text: text.into(),
            statements: statements.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn quotes_of_erased_cards_leave_published_drafts() {
        let items = [
            item("theme:t", "theme", "Access", &["ramps", "her words"]),
            item("card:c1", "statement", "her other words", &[]),
            item("card:c2", "statement", "his words", &[]),
        ];
        let ids = HashSet::from(["c1".to_string()]);
        let texts = HashSet::from(["her words".to_string(), "her other words".to_string()]);
        let (kept, removed) = without_quotes(&items, &ids, &texts);
        assert_eq!(removed, 2);
        assert_eq!(kept.len(), 2);
        assert_eq!(kept[0].statements, ["ramps"]);
        assert_eq!(kept[1].id, "card:c2");
    }
}
