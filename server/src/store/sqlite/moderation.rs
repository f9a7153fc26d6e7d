//! Cards held out of their boards by moderation, on SQLite.

use rusqlite::{params, OptionalExtension};

use super::Sqlite;
use crate::store::interface::{now_ms, HeldCard, Moderated, StoreError};

impl Moderated for Sqlite {
    fn hold_card(&self, board: &str, card_id: &str, card: &str) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT OR REPLACE INTO held_cards (board_id, card_id, card, held_ms) VALUES (?1, ?2, ?3, ?4)",
            params![board, card_id, card, now_ms()],
        )?;
        Ok(())
    }

    fn held_cards(&self, board: &str) -> Result<Vec<(String, HeldCard)>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT card_id, card, held_ms FROM held_cards WHERE board_id = ?1 ORDER BY held_ms, card_id",
        )?;
        let rows = stmt
            .query_map([board], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    HeldCard {
                        board: board.to_string(),
                        card: r.get(1)?,
                        held_ms: r.get(2)?,
                    },
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    fn release_card(&self, board: &str, card_id: &str) -> Result<Option<HeldCard>, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let held = tx
            .query_row(
                "SELECT card, held_ms FROM held_cards WHERE board_id = ?1 AND card_id = ?2",
                params![board, card_id],
                |r| {
                    Ok(HeldCard {
                        board: board.to_string(),
                        card: r.get(0)?,
                        held_ms: r.get(1)?,
                    })
                },
            )
            .optional()?;
        tx.execute(
            "DELETE FROM held_cards WHERE board_id = ?1 AND card_id = ?2",
            params![board, card_id],
        )?;
        tx.commit()?;
        Ok(held)
    }
}
