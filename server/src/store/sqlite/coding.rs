//! Each workshop's analysis: `coding` (codebook as JSON, phase), `analysts` (names and
//! the hashes of their links' tokens) and `card_codes` (one row per coder and card).

use std::collections::{BTreeMap, BTreeSet};

use cocreate_core::analysis::{AnalystInfo, CodingPhase};
use cocreate_core::coding::{Codebook, Coding};
use rusqlite::{params, OptionalExtension, Row};

use super::{corrupt, parse_word, Sqlite};
use crate::store::interface::{Codings, StoreError, StoredAnalyst};

fn analyst(r: &Row<'_>) -> rusqlite::Result<StoredAnalyst> {
    Ok(StoredAnalyst {
        workshop: r.get(0)?,
        info: AnalystInfo {
            id: r.get(1)?,
            name: r.get(2)?,
            created_ms: r.get(3)?,
            coded: 0,
            revoked_ms: r.get(5)?,
        },
        token_hash: r.get(4)?,
    })
}

const ANALYST_COLUMNS: &str = "workshop_id, id, name, created_ms, token_hash, revoked_ms";

impl Codings for Sqlite {
    fn coding_setup(&self, workshop: &str) -> Result<Option<(Codebook, CodingPhase)>, StoreError> {
        let row: Option<(String, String)> = self
            .conn()
            .query_row(
                "SELECT codebook, phase FROM coding WHERE workshop_id = ?1",
                [workshop],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        row.map(|(book, phase)| {
            Ok((
                serde_json::from_str(&book).map_err(|e| corrupt("coding", e))?,
                parse_word("coding", &phase, CodingPhase::parse)?,
            ))
        })
        .transpose()
    }

    fn set_codebook(&self, workshop: &str, codebook: &Codebook) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO coding (workshop_id, codebook, phase) VALUES (?1, ?2, ?3)
             ON CONFLICT (workshop_id) DO UPDATE SET codebook = excluded.codebook",
            params![
                workshop,
                serde_json::to_string(codebook)?,
                CodingPhase::Blind.as_str()
            ],
        )?;
        Ok(())
    }

    fn set_coding_phase(&self, workshop: &str, phase: CodingPhase) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO coding (workshop_id, codebook, phase) VALUES (?1, ?2, ?3)
             ON CONFLICT (workshop_id) DO UPDATE SET phase = excluded.phase",
            params![
                workshop,
                serde_json::to_string(&Codebook::default())?,
                phase.as_str()
            ],
        )?;
        Ok(())
    }

    fn add_analyst(&self, a: &StoredAnalyst) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO analysts (workshop_id, id, name, created_ms, token_hash)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                a.workshop,
                a.info.id,
                a.info.name,
                a.info.created_ms,
                a.token_hash
            ],
        )?;
        Ok(())
    }

    fn analysts(&self, workshop: &str) -> Result<Vec<StoredAnalyst>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT {ANALYST_COLUMNS} FROM analysts WHERE workshop_id = ?1
             ORDER BY created_ms, id"
        ))?;
        let rows = stmt.query_map([workshop], analyst)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn analyst_by_token(&self, token_hash: &str) -> Result<Option<StoredAnalyst>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                &format!(
                    "SELECT {ANALYST_COLUMNS} FROM analysts
                     WHERE token_hash = ?1 AND revoked_ms IS NULL"
                ),
                [token_hash],
                analyst,
            )
            .optional()?)
    }

    fn revoke_analyst(&self, workshop: &str, id: &str, at_ms: i64) -> Result<bool, StoreError> {
        Ok(self.conn().execute(
            "UPDATE analysts SET revoked_ms = coalesce(revoked_ms, ?3)
             WHERE workshop_id = ?1 AND id = ?2",
            params![workshop, id, at_ms],
        )? > 0)
    }

    fn set_card_codes(
        &self,
        workshop: &str,
        coder: &str,
        card: &str,
        codes: &BTreeSet<String>,
    ) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO card_codes (workshop_id, coder, card, codes) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (workshop_id, coder, card) DO UPDATE SET codes = excluded.codes",
            params![workshop, coder, card, serde_json::to_string(codes)?],
        )?;
        Ok(())
    }

    fn codings(&self, workshop: &str) -> Result<BTreeMap<String, Coding>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT coder, card, codes FROM card_codes WHERE workshop_id = ?1
             ORDER BY coder, card",
        )?;
        let rows = stmt.query_map([workshop], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        let mut out: BTreeMap<String, Coding> = BTreeMap::new();
        for row in rows {
            let (coder, card, codes) = row?;
            let codes = serde_json::from_str(&codes).map_err(|e| corrupt("card_codes", e))?;
            out.entry(coder).or_default().insert(card, codes);
        }
        Ok(out)
    }
}
