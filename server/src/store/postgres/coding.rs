//! Each workshop's analysis on PostgreSQL: `coding`, `analysts`, `card_codes`, as in the
//! embedded backend.

use std::collections::{BTreeMap, BTreeSet};

use cocreate_core::analysis::{AnalystInfo, CodingPhase};
use cocreate_core::coding::{Codebook, Coding};
use tokio_postgres::Row;

use super::tables::corrupt;
use super::Postgres;
use crate::store::interface::{parse_word, Codings, StoreError, StoredAnalyst};

const ANALYST_COLUMNS: &str = "workshop_id, id, name, created_ms, token_hash, revoked_ms";

fn analyst(r: &Row) -> Result<StoredAnalyst, StoreError> {
    Ok(StoredAnalyst {
        workshop: r.try_get(0)?,
        info: AnalystInfo {
            id: r.try_get(1)?,
            name: r.try_get(2)?,
            created_ms: r.try_get(3)?,
            coded: 0,
            revoked_ms: r.try_get(5)?,
        },
        token_hash: r.try_get(4)?,
    })
}

impl Codings for Postgres {
    fn coding_setup(&self, workshop: &str) -> Result<Option<(Codebook, CodingPhase)>, StoreError> {
        self.query_opt(
            "SELECT codebook, phase FROM coding WHERE workshop_id = $1",
            &[&workshop],
        )?
        .map(|r| {
            Ok((
                serde_json::from_str(r.try_get(0)?).map_err(|e| corrupt("coding", e))?,
                parse_word("coding", r.try_get(1)?, CodingPhase::parse)?,
            ))
        })
        .transpose()
    }

    fn set_codebook(&self, workshop: &str, codebook: &Codebook) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO coding (workshop_id, codebook, phase) VALUES ($1, $2, $3)
             ON CONFLICT (workshop_id) DO UPDATE SET codebook = excluded.codebook",
            &[
                &workshop,
                &serde_json::to_string(codebook)?,
                &CodingPhase::Blind.as_str(),
            ],
        )?;
        Ok(())
    }

    fn set_coding_phase(&self, workshop: &str, phase: CodingPhase) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO coding (workshop_id, codebook, phase) VALUES ($1, $2, $3)
             ON CONFLICT (workshop_id) DO UPDATE SET phase = excluded.phase",
            &[
                &workshop,
                &serde_json::to_string(&Codebook::default())?,
                &phase.as_str(),
            ],
        )?;
        Ok(())
    }

    fn add_analyst(&self, a: &StoredAnalyst) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO analysts (workshop_id, id, name, created_ms, token_hash)
             VALUES ($1, $2, $3, $4, $5)",
            &[
                &a.workshop,
                &a.info.id,
                &a.info.name,
                &a.info.created_ms,
                &a.token_hash,
            ],
        )?;
        Ok(())
    }

    fn analysts(&self, workshop: &str) -> Result<Vec<StoredAnalyst>, StoreError> {
        self.query(
            &format!(
                "SELECT {ANALYST_COLUMNS} FROM analysts WHERE workshop_id = $1
                 ORDER BY created_ms, id COLLATE \"C\""
            ),
            &[&workshop],
        )?
        .iter()
        .map(analyst)
        .collect()
    }

    fn analyst_by_token(&self, token_hash: &str) -> Result<Option<StoredAnalyst>, StoreError> {
        self.query_opt(
            &format!(
                "SELECT {ANALYST_COLUMNS} FROM analysts
                 WHERE token_hash = $1 AND revoked_ms IS NULL"
            ),
            &[&token_hash],
        )?
        .as_ref()
        .map(analyst)
        .transpose()
    }

    fn revoke_analyst(&self, workshop: &str, id: &str, at_ms: i64) -> Result<bool, StoreError> {
        Ok(self.execute(
            "UPDATE analysts SET revoked_ms = coalesce(revoked_ms, $3)
             WHERE workshop_id = $1 AND id = $2",
            &[&workshop, &id, &at_ms],
        )? > 0)
    }

    fn set_card_codes(
        &self,
        workshop: &str,
        coder: &str,
        card: &str,
        codes: &BTreeSet<String>,
    ) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO card_codes (workshop_id, coder, card, codes) VALUES ($1, $2, $3, $4)
             ON CONFLICT (workshop_id, coder, card) DO UPDATE SET codes = excluded.codes",
            &[&workshop, &coder, &card, &serde_json::to_string(codes)?],
        )?;
        Ok(())
    }

    fn codings(&self, workshop: &str) -> Result<BTreeMap<String, Coding>, StoreError> {
        let mut out: BTreeMap<String, Coding> = BTreeMap::new();
        for r in self.query(
            "SELECT coder, card, codes FROM card_codes WHERE workshop_id = $1",
            &[&workshop],
        )? {
            let codes =
                serde_json::from_str(r.try_get(2)?).map_err(|e| corrupt("card_codes", e))?;
            out.entry(r.try_get(0)?)
                .or_default()
                .insert(r.try_get(1)?, codes);
        }
        Ok(out)
    }
}
