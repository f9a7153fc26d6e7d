//! Every table but the update log's writes, on PostgreSQL: the catalogue, links, rounds,
//! moderation, rosters, consent, erasure records, the audit log and retention. Each call
//! is one statement, or one transaction where it reads before it writes.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::Ordering;

use cocreate_core::catalog::{
    AttributeQuestion, AuditEntry, BoardSummary, ConsentRecord, DocKey, ErasureRecord, LinkRole,
    Member, Notice, Retention, RetentionAction, WorkshopSummary,
};
use cocreate_core::consult::{
    Consultation, Decision, DraftItem, Outcome, Reply, Response, RoundKind, Stance, StoredAnswer,
};
use cocreate_core::model::Role;
use tokio_postgres::types::ToSql;
use tokio_postgres::Row;

use super::Postgres;
use crate::store::interface::{
    now_ms, parse_word, Allocations, AuditLog, Catalog, Consents, Durable, ErasureCounts, Erasures,
    HeldCard, Links, LogStats, Moderated, NewLink, Plans, Retentions, Roster, RoundStore, Snapshot,
    StoreError, StoredBoard, StoredLink, UpdateLog,
};
use crate::store::queue::WriteOp;

type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

impl Postgres {
    /// Run one statement; the number of rows it changed.
    pub(super) fn execute(&self, sql: &str, params: Params<'_>) -> Result<u64, StoreError> {
        self.block(async {
            let c = self.client().await?;
            let st = c.prepare_cached(sql).await?;
            Ok(c.execute(&st, params).await?)
        })
    }

    pub(super) fn query(&self, sql: &str, params: Params<'_>) -> Result<Vec<Row>, StoreError> {
        self.block(async {
            let c = self.client().await?;
            let st = c.prepare_cached(sql).await?;
            Ok(c.query(&st, params).await?)
        })
    }

    pub(super) fn query_opt(
        &self,
        sql: &str,
        params: Params<'_>,
    ) -> Result<Option<Row>, StoreError> {
        self.block(async {
            let c = self.client().await?;
            let st = c.prepare_cached(sql).await?;
            Ok(c.query_opt(&st, params).await?)
        })
    }

    /// Rename and/or archive a catalogue entry (`table` is a fixed name, never input).
    fn update_entry(
        &self,
        table: &'static str,
        id: &str,
        title: Option<&str>,
        archived: Option<bool>,
    ) -> Result<(), StoreError> {
        self.execute(
            &format!(
                "UPDATE {table} SET title = coalesce($2, title), archived = coalesce($3, archived)
                 WHERE id = $1"
            ),
            &[&id, &title, &archived],
        )?;
        Ok(())
    }
}

pub(super) fn corrupt(table: &'static str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        table,
        reason: e.to_string(),
    }
}

impl UpdateLog for Postgres {
    fn append(&self, doc: &DocKey, data: Vec<u8>) -> Durable {
        let key = doc.to_string();
        let board = doc.board_id().to_string();
        self.log.pending.fetch_add(data.len(), Ordering::Relaxed);
        self.log.request(move |done| WriteOp::Append {
            key,
            board,
            data,
            done,
        })
    }

    fn barrier(&self) -> Durable {
        self.log.request(|done| WriteOp::Barrier { done })
    }

    fn compact(&self, doc: &DocKey, state: Vec<u8>) -> Durable {
        let key = doc.to_string();
        let board = doc.board_id().to_string();
        self.log.request(move |done| WriteOp::Compact {
            key,
            board,
            state,
            done,
        })
    }

    fn pending_bytes(&self) -> usize {
        self.log.pending.load(Ordering::Relaxed)
    }

    fn load(&self, doc: &DocKey) -> Result<Option<StoredBoard>, StoreError> {
        let key = doc.to_string();
        let board = doc.board_id();
        self.block(async {
            let mut c = self.client().await?;
            // One snapshot of both tables: a compaction between the two reads would
            // otherwise lose the rows it folded into the base.
            let tx = c
                .build_transaction()
                .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()
                .await?;
            // A board's control document (and drafts) exist when its board does.
            if tx
                .query_opt("SELECT 1 FROM boards WHERE id = $1", &[&board])
                .await?
                .is_none()
            {
                return Ok(None);
            }
            let base = match tx
                .query_opt("SELECT data FROM board_state WHERE board_id = $1", &[&key])
                .await?
            {
                Some(r) => Some(r.try_get::<_, Vec<u8>>(0)?),
                None => None,
            };
            let st = tx
                .prepare_cached("SELECT data FROM board_updates WHERE board_id = $1 ORDER BY id")
                .await?;
            let updates = tx
                .query(&st, &[&key])
                .await?
                .iter()
                .map(|r| r.try_get::<_, Vec<u8>>(0))
                .collect::<Result<Vec<_>, _>>()?;
            tx.commit().await?;
            Ok(Some(StoredBoard { base, updates }))
        })
    }

    fn log_stats(&self, doc: &DocKey) -> Result<LogStats, StoreError> {
        let key = doc.to_string();
        let row = self.query_opt(
            "SELECT (SELECT count(*) FROM board_updates WHERE board_id = $1),
                    EXISTS (SELECT 1 FROM board_state WHERE board_id = $1)",
            &[&key],
        )?;
        let row = row.ok_or_else(|| corrupt("board_updates", "no counts"))?;
        Ok(LogStats {
            log_rows: row.try_get::<_, i64>(0)? as u64,
            has_base: row.try_get(1)?,
        })
    }

    fn drafts(&self, board: &str) -> Result<Vec<String>, StoreError> {
        let prefix = DocKey::drafts_prefix(board);
        let rows = self.query(
            r#"SELECT k FROM (
                 SELECT board_id AS k FROM board_updates WHERE starts_with(board_id, $1)
                 UNION SELECT board_id FROM board_state WHERE starts_with(board_id, $1)
               ) keys ORDER BY k COLLATE "C""#,
            &[&prefix],
        )?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let key: String = r.try_get(0)?;
            if let Some(p) = key.strip_prefix(&prefix) {
                out.push(p.to_string());
            }
        }
        Ok(out)
    }

    fn close(&self) {
        self.log.stop();
    }
}

const SUMMARY_SELECT: &str = "SELECT b.id, b.title, b.pillar, w.id, w.title, w.area, b.archived
     FROM boards b JOIN workshops w ON w.id = b.workshop_id";

fn summary_row(r: &Row) -> Result<BoardSummary, StoreError> {
    Ok(BoardSummary {
        id: r.try_get(0)?,
        title: r.try_get(1)?,
        pillar: r.try_get(2)?,
        workshop_id: r.try_get(3)?,
        workshop_title: r.try_get(4)?,
        area: r.try_get(5)?,
        archived: r.try_get(6)?,
    })
}

const SNAPSHOT_SELECT: &str = "SELECT id, board_id, name, reason, taken_ms";

fn snapshot_row(r: &Row) -> Result<Snapshot, StoreError> {
    Ok(Snapshot {
        id: r.try_get(0)?,
        board_id: r.try_get(1)?,
        name: r.try_get(2)?,
        reason: r.try_get(3)?,
        taken_ms: r.try_get(4)?,
    })
}

impl Catalog for Postgres {
    fn create_workshop(
        &self,
        id: &str,
        title: &str,
        area: &str,
        date: &str,
    ) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO workshops (id, title, area, date, created_ms) VALUES ($1, $2, $3, $4, $5)",
            &[&id, &title, &area, &date, &now_ms()],
        )?;
        Ok(())
    }

    fn create_board(
        &self,
        id: &str,
        workshop: &str,
        title: &str,
        pillar: &str,
        initial_state: &[u8],
    ) -> Result<(), StoreError> {
        self.block(async {
            let mut c = self.client().await?;
            let tx = c.transaction().await?;
            // Boards added to one workshop at once take their positions in turn.
            tx.execute(
                "SELECT 1 FROM workshops WHERE id = $1 FOR UPDATE",
                &[&workshop],
            )
            .await?;
            let position: i32 = tx
                .query_one(
                    "SELECT coalesce(max(position), -1) + 1 FROM boards WHERE workshop_id = $1",
                    &[&workshop],
                )
                .await?
                .try_get(0)?;
            tx.execute(
                "INSERT INTO boards (id, workshop_id, title, pillar, position, created_ms)
                 VALUES ($1, $2, $3, $4, $5, $6)",
                &[&id, &workshop, &title, &pillar, &position, &now_ms()],
            )
            .await?;
            tx.execute(
                "INSERT INTO board_state (board_id, data, upto) VALUES ($1, $2, 0)",
                &[&id, &initial_state],
            )
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    fn update_workshop(
        &self,
        id: &str,
        title: Option<&str>,
        archived: Option<bool>,
    ) -> Result<(), StoreError> {
        self.update_entry("workshops", id, title, archived)
    }

    fn update_board(
        &self,
        id: &str,
        title: Option<&str>,
        archived: Option<bool>,
    ) -> Result<(), StoreError> {
        self.update_entry("boards", id, title, archived)
    }

    fn workshop_count(&self) -> Result<u64, StoreError> {
        let row = self.query_opt("SELECT count(*) FROM workshops", &[])?;
        Ok(row
            .map(|r| r.try_get::<_, i64>(0))
            .transpose()?
            .unwrap_or(0) as u64)
    }

    fn workshop(&self, id: &str) -> Result<Option<WorkshopSummary>, StoreError> {
        let Some(r) = self.query_opt(
            "SELECT id, title, area, date, archived FROM workshops WHERE id = $1",
            &[&id],
        )?
        else {
            return Ok(None);
        };
        let boards = self
            .query(
                &format!("{SUMMARY_SELECT} WHERE w.id = $1 ORDER BY b.position"),
                &[&id],
            )?
            .iter()
            .map(summary_row)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Some(WorkshopSummary {
            id: r.try_get(0)?,
            title: r.try_get(1)?,
            area: r.try_get(2)?,
            date: r.try_get(3)?,
            archived: r.try_get(4)?,
            boards,
        }))
    }

    fn board_summary(&self, board: &str) -> Result<Option<BoardSummary>, StoreError> {
        self.query_opt(&format!("{SUMMARY_SELECT} WHERE b.id = $1"), &[&board])?
            .as_ref()
            .map(summary_row)
            .transpose()
    }

    fn all_boards(&self) -> Result<Vec<BoardSummary>, StoreError> {
        self.query(
            &format!(r#"{SUMMARY_SELECT} ORDER BY w.created_ms, w.id COLLATE "C", b.position"#),
            &[],
        )?
        .iter()
        .map(summary_row)
        .collect()
    }

    fn create_snapshot(
        &self,
        board: &str,
        name: &str,
        reason: &str,
        state: &[u8],
    ) -> Result<Snapshot, StoreError> {
        let taken_ms = now_ms();
        let row = self.query_opt(
            "INSERT INTO snapshots (board_id, name, reason, taken_ms, data)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
            &[&board, &name, &reason, &taken_ms, &state],
        )?;
        let id: i64 = row
            .ok_or_else(|| corrupt("snapshots", "no id returned"))?
            .try_get(0)?;
        Ok(Snapshot {
            id,
            board_id: board.to_string(),
            name: name.to_string(),
            reason: reason.to_string(),
            taken_ms,
        })
    }

    fn snapshots(&self, board: &str) -> Result<Vec<Snapshot>, StoreError> {
        self.query(
            &format!("{SNAPSHOT_SELECT} FROM snapshots WHERE board_id = $1 ORDER BY id"),
            &[&board],
        )?
        .iter()
        .map(snapshot_row)
        .collect()
    }

    fn snapshot(&self, board: &str, id: i64) -> Result<Option<(Snapshot, Vec<u8>)>, StoreError> {
        match self.query_opt(
            &format!("{SNAPSHOT_SELECT}, data FROM snapshots WHERE board_id = $1 AND id = $2"),
            &[&board, &id],
        )? {
            Some(r) => Ok(Some((snapshot_row(&r)?, r.try_get(5)?))),
            None => Ok(None),
        }
    }

    fn all_snapshots(&self) -> Result<HashMap<String, Vec<Snapshot>>, StoreError> {
        let mut out: HashMap<String, Vec<Snapshot>> = HashMap::new();
        for r in self.query(
            &format!("{SNAPSHOT_SELECT} FROM snapshots ORDER BY id"),
            &[],
        )? {
            let s = snapshot_row(&r)?;
            out.entry(s.board_id.clone()).or_default().push(s);
        }
        Ok(out)
    }

    fn replace_snapshot(&self, board: &str, id: i64, state: &[u8]) -> Result<(), StoreError> {
        self.execute(
            "UPDATE snapshots SET data = $3 WHERE board_id = $1 AND id = $2",
            &[&board, &id, &state],
        )?;
        Ok(())
    }
}

impl Links for Postgres {
    fn create_link(&self, link: &NewLink<'_>) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO links (token_hash, workshop_id, board_id, role, created_ms, label, expires_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                &link.token_hash,
                &link.workshop,
                &link.board,
                &link.role.as_str(),
                &now_ms(),
                &link.label,
                &link.expires_ms,
            ],
        )?;
        Ok(())
    }

    fn revoke_link(&self, token_hash: &str) -> Result<(), StoreError> {
        self.execute(
            "UPDATE links SET revoked = TRUE WHERE token_hash = $1",
            &[&token_hash],
        )?;
        Ok(())
    }

    fn links(&self) -> Result<Vec<StoredLink>, StoreError> {
        self.query(
            r#"SELECT token_hash, workshop_id, board_id, role, label, created_ms, expires_ms,
                      last_used_ms
               FROM links WHERE NOT revoked ORDER BY created_ms, token_hash COLLATE "C""#,
            &[],
        )?
        .iter()
        .map(|r| {
            Ok(StoredLink {
                token_hash: r.try_get(0)?,
                workshop: r.try_get(1)?,
                board: r.try_get(2)?,
                role: parse_word("links", r.try_get(3)?, LinkRole::parse)?,
                label: r.try_get(4)?,
                created_ms: r.try_get(5)?,
                expires_ms: r.try_get(6)?,
                last_used_ms: r.try_get(7)?,
            })
        })
        .collect()
    }

    fn set_link_expiry(&self, token_hash: &str, expires_ms: Option<i64>) -> Result<(), StoreError> {
        self.execute(
            "UPDATE links SET expires_ms = $2 WHERE token_hash = $1",
            &[&token_hash, &expires_ms],
        )?;
        Ok(())
    }

    fn touch_link(&self, token_hash: &str, used_ms: i64) -> Result<(), StoreError> {
        self.execute(
            "UPDATE links SET last_used_ms = $2 WHERE token_hash = $1",
            &[&token_hash, &used_ms],
        )?;
        Ok(())
    }

    fn create_organiser_link(&self, token_hash: &str, label: &str) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO organiser_links (token_hash, label, created_ms) VALUES ($1, $2, $3)",
            &[&token_hash, &label, &now_ms()],
        )?;
        Ok(())
    }

    fn organiser_links(&self) -> Result<Vec<(String, String)>, StoreError> {
        self.query(
            "SELECT token_hash, label FROM organiser_links WHERE NOT revoked ORDER BY created_ms",
            &[],
        )?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
    }
}

const CONSULTATION_SELECT: &str = "SELECT c.id, c.workshop_id, c.board_id, c.title, c.kind, c.snapshot_id, c.items, c.open, c.created_ms, c.token_hash";

/// A draft and its respondents' token hash; a row that cannot be read is an error.
fn consultation_row(r: &Row) -> Result<(Consultation, String), StoreError> {
    let id: String = r.try_get(0)?;
    let items: &str = r.try_get(6)?;
    Ok((
        Consultation {
            kind: parse_word("consultations", r.try_get(4)?, RoundKind::parse)?,
            items: serde_json::from_str(items)
                .map_err(|e| corrupt("consultations", format!("items of {id}: {e}")))?,
            id,
            workshop_id: r.try_get(1)?,
            board_id: r.try_get(2)?,
            title: r.try_get(3)?,
            snapshot: r.try_get(5)?,
            open: r.try_get(7)?,
            created_ms: r.try_get(8)?,
        },
        r.try_get(9)?,
    ))
}

impl RoundStore for Postgres {
    fn create_consultation(&self, c: &Consultation, token_hash: &str) -> Result<(), StoreError> {
        let items = serde_json::to_string(&c.items)?;
        self.execute(
            "INSERT INTO consultations (id, workshop_id, board_id, title, kind, snapshot_id, items, token_hash, open, created_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            &[
                &c.id,
                &c.workshop_id,
                &c.board_id,
                &c.title,
                &c.kind.as_str(),
                &c.snapshot,
                &items,
                &token_hash,
                &c.open,
                &c.created_ms,
            ],
        )?;
        Ok(())
    }

    fn consultation(&self, id: &str) -> Result<Option<(Consultation, String)>, StoreError> {
        self.query_opt(
            &format!("{CONSULTATION_SELECT} FROM consultations c WHERE c.id = $1"),
            &[&id],
        )?
        .as_ref()
        .map(consultation_row)
        .transpose()
    }

    fn consultations_of(&self, workshop: &str) -> Result<Vec<(Consultation, usize)>, StoreError> {
        self.query(
            &format!(
                r#"{CONSULTATION_SELECT},
                   (SELECT count(DISTINCT respondent) FROM consultation_answers a WHERE a.consultation_id = c.id)
                 FROM consultations c WHERE workshop_id = $1 ORDER BY created_ms, id COLLATE "C""#
            ),
            &[&workshop],
        )?
        .iter()
        .map(|r| Ok((consultation_row(r)?.0, r.try_get::<_, i64>(10)? as usize)))
        .collect()
    }

    fn set_consultation_open(&self, id: &str, open: bool) -> Result<(), StoreError> {
        self.execute(
            "UPDATE consultations SET open = $2 WHERE id = $1",
            &[&id, &open],
        )?;
        Ok(())
    }

    fn save_response(&self, id: &str, r: &Response, now_ms: i64) -> Result<(), StoreError> {
        self.block(async {
            let mut c = self.client().await?;
            let tx = c.transaction().await?;
            let put = tx
                .prepare_cached(
                    "INSERT INTO consultation_answers (consultation_id, item_id, respondent, name, organisation, stance, comment, updated_ms)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                     ON CONFLICT (consultation_id, item_id, respondent) DO UPDATE SET
                       name = excluded.name, organisation = excluded.organisation, stance = excluded.stance,
                       comment = excluded.comment, updated_ms = excluded.updated_ms",
                )
                .await?;
            for a in &r.answers {
                tx.execute(
                    &put,
                    &[
                        &id,
                        &a.item,
                        &r.respondent,
                        &r.name,
                        &r.organisation,
                        &a.stance.map(|s| s.as_str()),
                        &a.comment,
                        &now_ms,
                    ],
                )
                .await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    fn answers(&self, id: &str, respondent: Option<&str>) -> Result<Vec<StoredAnswer>, StoreError> {
        self.query(
            r#"SELECT item_id, respondent, name, organisation, stance, comment, updated_ms
               FROM consultation_answers
               WHERE consultation_id = $1 AND ($2::text IS NULL OR respondent = $2::text)
               ORDER BY updated_ms, respondent COLLATE "C", item_id COLLATE "C""#,
            &[&id, &respondent],
        )?
        .iter()
        .map(|r| {
            Ok(StoredAnswer {
                item: r.try_get(0)?,
                respondent: r.try_get(1)?,
                name: r.try_get(2)?,
                organisation: r.try_get(3)?,
                stance: r
                    .try_get::<_, Option<&str>>(4)?
                    .map(|s| parse_word("consultation_answers", s, Stance::parse))
                    .transpose()?,
                comment: r.try_get(5)?,
                updated_ms: r.try_get(6)?,
            })
        })
        .collect()
    }

    fn claim_respondent(
        &self,
        id: &str,
        respondent: &str,
        secret_hash: &str,
    ) -> Result<bool, StoreError> {
        let added = self.execute(
            "INSERT INTO consultation_respondents (consultation_id, respondent, secret_hash)
             VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            &[&id, &respondent, &secret_hash],
        )?;
        Ok(added == 1)
    }

    fn respondent_secret(&self, id: &str, respondent: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .query_opt(
                "SELECT secret_hash FROM consultation_respondents WHERE consultation_id = $1 AND respondent = $2",
                &[&id, &respondent],
            )?
            .map(|r| r.try_get(0))
            .transpose()?)
    }

    fn record_outcome(&self, id: &str, o: &Outcome) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO consultation_outcomes (consultation_id, item_id, decision, note, decided_ms)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (consultation_id, item_id) DO UPDATE SET
               decision = excluded.decision, note = excluded.note, decided_ms = excluded.decided_ms",
            &[&id, &o.item, &o.decision.as_str(), &o.note, &o.decided_ms],
        )?;
        Ok(())
    }

    fn outcomes(&self, id: &str) -> Result<Vec<Outcome>, StoreError> {
        self.query(
            r#"SELECT item_id, decision, note, decided_ms FROM consultation_outcomes
               WHERE consultation_id = $1 ORDER BY item_id COLLATE "C""#,
            &[&id],
        )?
        .iter()
        .map(|r| {
            Ok(Outcome {
                item: r.try_get(0)?,
                decision: parse_word("consultation_outcomes", r.try_get(1)?, Decision::parse)?,
                note: r.try_get(2)?,
                decided_ms: r.try_get(3)?,
            })
        })
        .collect()
    }

    fn save_reply(&self, id: &str, r: &Reply) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO consultation_replies
               (consultation_id, id, item_id, respondent, name, organisation, text, created_ms, hidden, facilitator)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            &[
                &id,
                &r.id,
                &r.item,
                &r.respondent,
                &r.name,
                &r.organisation,
                &r.text,
                &r.created_ms,
                &r.hidden,
                &r.facilitator,
            ],
        )?;
        Ok(())
    }

    fn replies(&self, id: &str) -> Result<Vec<Reply>, StoreError> {
        self.query(
            r#"SELECT id, item_id, respondent, name, organisation, text, created_ms, hidden, facilitator
               FROM consultation_replies WHERE consultation_id = $1 ORDER BY created_ms, id COLLATE "C""#,
            &[&id],
        )?
        .iter()
        .map(|r| {
            Ok(Reply {
                id: r.try_get(0)?,
                item: r.try_get(1)?,
                respondent: r.try_get(2)?,
                name: r.try_get(3)?,
                organisation: r.try_get(4)?,
                text: r.try_get(5)?,
                created_ms: r.try_get(6)?,
                hidden: r.try_get(7)?,
                facilitator: r.try_get(8)?,
            })
        })
        .collect()
    }

    fn set_reply_hidden(&self, id: &str, reply: &str, hidden: bool) -> Result<bool, StoreError> {
        Ok(self.execute(
            "UPDATE consultation_replies SET hidden = $3 WHERE consultation_id = $1 AND id = $2",
            &[&id, &reply, &hidden],
        )? > 0)
    }

    fn replace_items(&self, id: &str, items: &[DraftItem]) -> Result<(), StoreError> {
        self.execute(
            "UPDATE consultations SET items = $2 WHERE id = $1",
            &[&id, &serde_json::to_string(items)?],
        )?;
        Ok(())
    }
}

impl Moderated for Postgres {
    fn hold_card(&self, board: &str, card_id: &str, card: &str) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO held_cards (board_id, card_id, card, held_ms) VALUES ($1, $2, $3, $4)
             ON CONFLICT (board_id, card_id) DO UPDATE SET card = excluded.card, held_ms = excluded.held_ms",
            &[&board, &card_id, &card, &now_ms()],
        )?;
        Ok(())
    }

    fn held_cards(&self, board: &str) -> Result<Vec<(String, HeldCard)>, StoreError> {
        self.query(
            r#"SELECT card_id, card, held_ms FROM held_cards WHERE board_id = $1
               ORDER BY held_ms, card_id COLLATE "C""#,
            &[&board],
        )?
        .iter()
        .map(|r| {
            Ok((
                r.try_get(0)?,
                HeldCard {
                    board: board.to_string(),
                    card: r.try_get(1)?,
                    held_ms: r.try_get(2)?,
                },
            ))
        })
        .collect()
    }

    fn release_card(&self, board: &str, card_id: &str) -> Result<Option<HeldCard>, StoreError> {
        self.query_opt(
            "DELETE FROM held_cards WHERE board_id = $1 AND card_id = $2 RETURNING card, held_ms",
            &[&board, &card_id],
        )?
        .map(|r| {
            Ok(HeldCard {
                board: board.to_string(),
                card: r.try_get(0)?,
                held_ms: r.try_get(1)?,
            })
        })
        .transpose()
    }
}

impl Roster for Postgres {
    fn join_roster(
        &self,
        workshop: &str,
        pseudonym: &str,
        name: &str,
        role: Role,
    ) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO roster (workshop_id, pseudonym, name, role, joined_ms, updated_ms)
             VALUES ($1, $2, $3, $4, $5, $5)
             ON CONFLICT (workshop_id, pseudonym)
             DO UPDATE SET name = excluded.name, role = excluded.role, updated_ms = excluded.updated_ms",
            &[&workshop, &pseudonym, &name, &role.as_str(), &now_ms()],
        )?;
        Ok(())
    }

    fn roster(&self, workshop: &str) -> Result<Vec<Member>, StoreError> {
        self.query(
            r#"SELECT pseudonym, name, role, attributes FROM roster WHERE workshop_id = $1
               ORDER BY pseudonym COLLATE "C""#,
            &[&workshop],
        )?
        .iter()
        .map(|r| {
            Ok(Member {
                pseudonym: r.try_get(0)?,
                name: Some(r.try_get(1)?),
                role: parse_word("roster", r.try_get(2)?, Role::parse)?,
                attributes: serde_json::from_str(r.try_get(3)?)
                    .map_err(|e| corrupt("roster", e))?,
            })
        })
        .collect()
    }

    fn leave_roster(&self, workshop: &str, pseudonym: &str) -> Result<bool, StoreError> {
        Ok(self.execute(
            "DELETE FROM roster WHERE workshop_id = $1 AND pseudonym = $2",
            &[&workshop, &pseudonym],
        )? > 0)
    }

    fn set_attributes(
        &self,
        workshop: &str,
        pseudonym: &str,
        answers: &BTreeMap<String, String>,
    ) -> Result<(), StoreError> {
        self.execute(
            "UPDATE roster SET attributes = $3 WHERE workshop_id = $1 AND pseudonym = $2",
            &[&workshop, &pseudonym, &serde_json::to_string(answers)?],
        )?;
        Ok(())
    }

    fn questions(&self, workshop: &str) -> Result<Vec<AttributeQuestion>, StoreError> {
        match self.query_opt(
            "SELECT questions FROM attribute_questions WHERE workshop_id = $1",
            &[&workshop],
        )? {
            None => Ok(Vec::new()),
            Some(r) => {
                serde_json::from_str(r.try_get(0)?).map_err(|e| corrupt("attribute_questions", e))
            }
        }
    }

    fn set_questions(
        &self,
        workshop: &str,
        questions: &[AttributeQuestion],
    ) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO attribute_questions (workshop_id, questions) VALUES ($1, $2)
             ON CONFLICT (workshop_id) DO UPDATE SET questions = excluded.questions",
            &[&workshop, &serde_json::to_string(questions)?],
        )?;
        Ok(())
    }
}

fn notice_row(r: &Row) -> Result<Notice, StoreError> {
    Ok(Notice {
        version: r.try_get::<_, i32>(0)? as u32,
        plain: r.try_get(1)?,
        easy_read: r.try_get(2)?,
        set_ms: r.try_get(3)?,
    })
}

impl Consents for Postgres {
    fn notice(&self, workshop: &str) -> Result<Option<Notice>, StoreError> {
        self.query_opt(
            "SELECT version, plain, easy_read, set_ms FROM notices
             WHERE workshop_id = $1 ORDER BY version DESC LIMIT 1",
            &[&workshop],
        )?
        .as_ref()
        .map(notice_row)
        .transpose()
    }

    fn set_notice(
        &self,
        workshop: &str,
        plain: &str,
        easy_read: &str,
    ) -> Result<Notice, StoreError> {
        self.block(async {
            let mut c = self.client().await?;
            let tx = c.transaction().await?;
            // Two facilitators saving at once make two versions, one after the other.
            tx.execute(
                "SELECT 1 FROM workshops WHERE id = $1 FOR UPDATE",
                &[&workshop],
            )
            .await?;
            let row = tx
                .query_one(
                    "INSERT INTO notices (workshop_id, version, plain, easy_read, set_ms)
                     SELECT $1, coalesce(max(version), 0) + 1, $2, $3, $4
                     FROM notices WHERE workshop_id = $1
                     RETURNING version, plain, easy_read, set_ms",
                    &[&workshop, &plain, &easy_read, &now_ms()],
                )
                .await?;
            tx.commit().await?;
            notice_row(&row)
        })
    }

    fn record_consent(
        &self,
        workshop: &str,
        pseudonym: &str,
        version: u32,
    ) -> Result<(), StoreError> {
        // Agreeing again to a version one withdrew from is a new consent (given now).
        self.execute(
            "INSERT INTO consents (workshop_id, pseudonym, version, given_ms)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (workshop_id, pseudonym, version) DO UPDATE
             SET given_ms = CASE WHEN consents.withdrawn_ms IS NULL THEN consents.given_ms
                                 ELSE excluded.given_ms END,
                 withdrawn_ms = NULL",
            &[&workshop, &pseudonym, &(version as i32), &now_ms()],
        )?;
        Ok(())
    }

    fn withdraw_consent(&self, workshop: &str, pseudonym: &str) -> Result<(), StoreError> {
        self.execute(
            "UPDATE consents SET withdrawn_ms = $3
             WHERE workshop_id = $1 AND pseudonym = $2 AND withdrawn_ms IS NULL",
            &[&workshop, &pseudonym, &now_ms()],
        )?;
        Ok(())
    }

    fn consents(&self, workshop: &str) -> Result<Vec<ConsentRecord>, StoreError> {
        self.query(
            r#"SELECT pseudonym, version, given_ms, withdrawn_ms FROM consents
               WHERE workshop_id = $1 ORDER BY pseudonym COLLATE "C", version"#,
            &[&workshop],
        )?
        .iter()
        .map(|r| {
            Ok(ConsentRecord {
                pseudonym: r.try_get(0)?,
                version: r.try_get::<_, i32>(1)? as u32,
                given_ms: r.try_get(2)?,
                withdrawn_ms: r.try_get(3)?,
            })
        })
        .collect()
    }
}

impl Erasures for Postgres {
    fn record_erasure(&self, workshop: &str, r: &ErasureRecord) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO erasures (workshop_id, pseudonym, at_ms, by_whom, counts)
             VALUES ($1, $2, $3, $4, $5)",
            &[
                &workshop,
                &r.pseudonym,
                &r.at_ms,
                &r.by,
                &serde_json::to_string(&ErasureCounts::of(r))?,
            ],
        )?;
        Ok(())
    }

    fn erasures(&self, workshop: &str) -> Result<Vec<ErasureRecord>, StoreError> {
        self.query(
            "SELECT pseudonym, at_ms, by_whom, counts FROM erasures
             WHERE workshop_id = $1 ORDER BY id",
            &[&workshop],
        )?
        .iter()
        .map(|r| {
            let counts: ErasureCounts =
                serde_json::from_str(r.try_get(3)?).map_err(|e| corrupt("erasures", e))?;
            Ok(counts.record(r.try_get(0)?, r.try_get(1)?, r.try_get(2)?))
        })
        .collect()
    }
}

impl AuditLog for Postgres {
    fn append_audit(&self, workshop: &str, e: &AuditEntry) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO audit (workshop_id, at_ms, actor, action, target, detail)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &workshop, &e.at_ms, &e.actor, &e.action, &e.target, &e.detail,
            ],
        )?;
        Ok(())
    }

    fn audit(&self, workshop: &str) -> Result<Vec<AuditEntry>, StoreError> {
        self.query(
            "SELECT at_ms, actor, action, target, detail FROM audit
             WHERE workshop_id = $1 ORDER BY id",
            &[&workshop],
        )?
        .iter()
        .map(|r| {
            Ok(AuditEntry {
                at_ms: r.try_get(0)?,
                actor: r.try_get(1)?,
                action: r.try_get(2)?,
                target: r.try_get(3)?,
                detail: r.try_get(4)?,
            })
        })
        .collect()
    }
}

impl Retentions for Postgres {
    fn set_retention(
        &self,
        workshop: &str,
        retention: Option<&Retention>,
    ) -> Result<(), StoreError> {
        match retention {
            Some(r) => self.execute(
                "INSERT INTO retention (workshop_id, until_ms, action, done_ms)
                 VALUES ($1, $2, $3, NULL)
                 ON CONFLICT (workshop_id) DO UPDATE
                 SET until_ms = excluded.until_ms, action = excluded.action, done_ms = NULL",
                &[&workshop, &r.until_ms, &r.action.as_str()],
            )?,
            None => self.execute("DELETE FROM retention WHERE workshop_id = $1", &[&workshop])?,
        };
        Ok(())
    }

    fn retention(&self, workshop: &str) -> Result<Option<Retention>, StoreError> {
        self.query_opt(
            "SELECT until_ms, action, done_ms FROM retention WHERE workshop_id = $1",
            &[&workshop],
        )?
        .map(|r| {
            Ok(Retention {
                until_ms: r.try_get(0)?,
                action: parse_word("retention", r.try_get(1)?, RetentionAction::parse)?,
                done_ms: r.try_get(2)?,
            })
        })
        .transpose()
    }

    fn retention_due(&self, now_ms: i64) -> Result<Vec<(String, Retention)>, StoreError> {
        self.query(
            "SELECT workshop_id, until_ms, action FROM retention
             WHERE until_ms <= $1 AND done_ms IS NULL ORDER BY until_ms",
            &[&now_ms],
        )?
        .iter()
        .map(|r| {
            Ok((
                r.try_get(0)?,
                Retention {
                    until_ms: r.try_get(1)?,
                    action: parse_word("retention", r.try_get(2)?, RetentionAction::parse)?,
                    done_ms: None,
                },
            ))
        })
        .collect()
    }

    fn retention_done(&self, workshop: &str, done_ms: i64) -> Result<(), StoreError> {
        self.execute(
            "UPDATE retention SET done_ms = $2 WHERE workshop_id = $1",
            &[&workshop, &done_ms],
        )?;
        Ok(())
    }
}

impl Plans for Postgres {
    fn plan(&self, workshop: &str) -> Result<Option<cocreate_core::model::plan::Plan>, StoreError> {
        self.query_opt(
            "SELECT plan FROM plans WHERE workshop_id = $1",
            &[&workshop],
        )?
        .map(|r| serde_json::from_str(r.try_get(0)?).map_err(|e| corrupt("plans", e)))
        .transpose()
    }

    fn set_plan(
        &self,
        workshop: &str,
        plan: &cocreate_core::model::plan::Plan,
    ) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO plans (workshop_id, plan) VALUES ($1, $2)
             ON CONFLICT (workshop_id) DO UPDATE SET plan = excluded.plan",
            &[&workshop, &serde_json::to_string(plan)?],
        )?;
        Ok(())
    }

    fn save_named_plan(
        &self,
        saved: &cocreate_core::model::plan::SavedPlan,
    ) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO saved_plans (name, plan, from_workshop, saved_ms) VALUES ($1, $2, $3, $4)
             ON CONFLICT (name) DO UPDATE SET plan = excluded.plan,
                 from_workshop = excluded.from_workshop, saved_ms = excluded.saved_ms",
            &[
                &saved.name,
                &serde_json::to_string(&saved.plan)?,
                &saved.from_workshop,
                &saved.saved_ms,
            ],
        )?;
        Ok(())
    }

    fn saved_plans(&self) -> Result<Vec<cocreate_core::model::plan::SavedPlan>, StoreError> {
        self.query(
            "SELECT name, plan, from_workshop, saved_ms FROM saved_plans ORDER BY name",
            &[],
        )?
        .into_iter()
        .map(|r| {
            Ok(cocreate_core::model::plan::SavedPlan {
                name: r.try_get(0)?,
                plan: serde_json::from_str(r.try_get(1)?).map_err(|e| corrupt("saved_plans", e))?,
                from_workshop: r.try_get(2)?,
                saved_ms: r.try_get(3)?,
            })
        })
        .collect()
    }
}

impl Allocations for Postgres {
    fn allocate(
        &self,
        workshop: &str,
        pseudonym: &str,
        board: &str,
        role: Role,
    ) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO allocations (workshop_id, pseudonym, board_id, role, placed_ms)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (workshop_id, pseudonym)
             DO UPDATE SET board_id = excluded.board_id, role = excluded.role",
            &[&workshop, &pseudonym, &board, &role.as_str(), &now_ms()],
        )?;
        Ok(())
    }

    fn allocations(&self, workshop: &str) -> Result<Vec<(String, String, Role)>, StoreError> {
        self.query(
            "SELECT pseudonym, board_id, role FROM allocations WHERE workshop_id = $1
             ORDER BY placed_ms, seq",
            &[&workshop],
        )?
        .iter()
        .map(|r| {
            let role: String = r.try_get(2)?;
            Ok((
                r.try_get(0)?,
                r.try_get(1)?,
                parse_word("allocations", &role, Role::parse)?,
            ))
        })
        .collect()
    }

    fn forget_allocation(&self, workshop: &str, pseudonym: &str) -> Result<bool, StoreError> {
        Ok(self.execute(
            "DELETE FROM allocations WHERE workshop_id = $1 AND pseudonym = $2",
            &[&workshop, &pseudonym],
        )? > 0)
    }
}
