//! Workshop rosters on SQLite.

use cocreate_core::catalog::{AttributeQuestion, Member};
use cocreate_core::model::Role;
use rusqlite::{params, OptionalExtension};

use super::{parse_word, Sqlite};
use crate::store::interface::{now_ms, Allocations, Plans, Roster, StoreError};
use cocreate_core::model::plan::Plan;

impl Roster for Sqlite {
    fn join_roster(
        &self,
        workshop: &str,
        pseudonym: &str,
        name: &str,
        role: Role,
    ) -> Result<(), StoreError> {
        let now = now_ms();
        self.conn().execute(
            "INSERT INTO roster (workshop_id, pseudonym, name, role, joined_ms, updated_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?5)
             ON CONFLICT (workshop_id, pseudonym)
             DO UPDATE SET name = excluded.name, role = excluded.role, updated_ms = excluded.updated_ms",
            params![workshop, pseudonym, name, role.as_str(), now],
        )?;
        Ok(())
    }

    fn roster(&self, workshop: &str) -> Result<Vec<Member>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT pseudonym, name, role, attributes FROM roster WHERE workshop_id = ?1
             ORDER BY pseudonym",
        )?;
        let rows = stmt
            .query_map([workshop], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(pseudonym, name, role, attributes)| {
                Ok(Member {
                    pseudonym,
                    name: Some(name),
                    role: parse_word("roster", &role, Role::parse)?,
                    attributes: serde_json::from_str(&attributes).map_err(|e| {
                        StoreError::Corrupt {
                            table: "roster",
                            reason: e.to_string(),
                        }
                    })?,
                })
            })
            .collect()
    }

    fn leave_roster(&self, workshop: &str, pseudonym: &str) -> Result<bool, StoreError> {
        let n = self.conn().execute(
            "DELETE FROM roster WHERE workshop_id = ?1 AND pseudonym = ?2",
            params![workshop, pseudonym],
        )?;
        Ok(n > 0)
    }

    fn set_attributes(
        &self,
        workshop: &str,
        pseudonym: &str,
        answers: &std::collections::BTreeMap<String, String>,
    ) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE roster SET attributes = ?3 WHERE workshop_id = ?1 AND pseudonym = ?2",
            params![workshop, pseudonym, serde_json::to_string(answers)?],
        )?;
        Ok(())
    }

    fn questions(&self, workshop: &str) -> Result<Vec<AttributeQuestion>, StoreError> {
        let json: Option<String> = self
            .conn()
            .query_row(
                "SELECT questions FROM attribute_questions WHERE workshop_id = ?1",
                [workshop],
                |r| r.get(0),
            )
            .optional()?;
        match json {
            None => Ok(Vec::new()),
            Some(j) => serde_json::from_str(&j).map_err(|e| StoreError::Corrupt {
                table: "attribute_questions",
                reason: e.to_string(),
            }),
        }
    }

    fn set_questions(
        &self,
        workshop: &str,
        questions: &[AttributeQuestion],
    ) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO attribute_questions (workshop_id, questions) VALUES (?1, ?2)
             ON CONFLICT (workshop_id) DO UPDATE SET questions = excluded.questions",
            params![workshop, serde_json::to_string(questions)?],
        )?;
        Ok(())
    }
}

impl Plans for Sqlite {
    fn plan(&self, workshop: &str) -> Result<Option<Plan>, StoreError> {
        let json: Option<String> = self
            .conn()
            .query_row(
                "SELECT plan FROM plans WHERE workshop_id = ?1",
                [workshop],
                |r| r.get(0),
            )
            .optional()?;
        json.map(|j| {
            serde_json::from_str(&j).map_err(|e| StoreError::Corrupt {
                table: "plans",
                reason: e.to_string(),
            })
        })
        .transpose()
    }

    fn set_plan(&self, workshop: &str, plan: &Plan) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO plans (workshop_id, plan) VALUES (?1, ?2)
             ON CONFLICT (workshop_id) DO UPDATE SET plan = excluded.plan",
            params![workshop, serde_json::to_string(plan)?],
        )?;
        Ok(())
    }

    fn save_named_plan(
        &self,
        saved: &cocreate_core::model::plan::SavedPlan,
    ) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO saved_plans (name, plan, from_workshop, saved_ms) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (name) DO UPDATE SET plan = excluded.plan,
                 from_workshop = excluded.from_workshop, saved_ms = excluded.saved_ms",
            params![
                saved.name,
                serde_json::to_string(&saved.plan)?,
                saved.from_workshop,
                saved.saved_ms
            ],
        )?;
        Ok(())
    }

    fn saved_plans(&self) -> Result<Vec<cocreate_core::model::plan::SavedPlan>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare("SELECT name, plan, from_workshop, saved_ms FROM saved_plans ORDER BY name")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (name, plan, from_workshop, saved_ms) = row?;
            out.push(cocreate_core::model::plan::SavedPlan {
                name,
                plan: serde_json::from_str(&plan).map_err(|e| StoreError::Corrupt {
                    table: "saved_plans",
                    reason: e.to_string(),
                })?,
                from_workshop,
                saved_ms,
            });
        }
        Ok(out)
    }
}

impl Allocations for Sqlite {
    fn allocate(
        &self,
        workshop: &str,
        pseudonym: &str,
        board: &str,
        role: Role,
    ) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO allocations (workshop_id, pseudonym, board_id, role, placed_ms)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (workshop_id, pseudonym)
             DO UPDATE SET board_id = excluded.board_id, role = excluded.role",
            params![workshop, pseudonym, board, role.as_str(), now_ms()],
        )?;
        Ok(())
    }

    fn allocations(&self, workshop: &str) -> Result<Vec<(String, String, Role)>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT pseudonym, board_id, role FROM allocations WHERE workshop_id = ?1
             ORDER BY placed_ms, rowid",
        )?;
        let rows = stmt.query_map([workshop], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (who, board, role) = row?;
            out.push((who, board, parse_word("allocations", &role, Role::parse)?));
        }
        Ok(out)
    }

    fn forget_allocation(&self, workshop: &str, pseudonym: &str) -> Result<bool, StoreError> {
        Ok(self.conn().execute(
            "DELETE FROM allocations WHERE workshop_id = ?1 AND pseudonym = ?2",
            params![workshop, pseudonym],
        )? > 0)
    }
}
