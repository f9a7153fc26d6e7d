//! Board leases on PostgreSQL: one owner node per board.
//!
//! A lease row is (board, node, addr, epoch, expires_ms). A node takes a board with one
//! upsert that succeeds when the row is its own or has expired, and raises the epoch when
//! the owner changes. The update log's writer checks, in the transaction of every commit,
//! that each board it writes is still leased to this node under the epoch it holds
//! ([`super::writer`]): an owner that was stopped past its lease, and replaced, has its
//! next commit refused ([`StoreError::Fenced`]).

use std::time::Instant;

use super::Postgres;
use crate::store::interface::{Leases, Owner, StoreError};

impl Leases for Postgres {
    fn claim(&self, board: &str) -> Result<Owner, StoreError> {
        let Some(cluster) = &self.cluster else {
            return Ok(Owner::Here { epoch: 0 });
        };
        if let Some((epoch, until)) = cluster.held.lock().expect("leases").get(board) {
            if *until > Instant::now() {
                return Ok(Owner::Here { epoch: *epoch });
            }
        }
        let me = &cluster.me;
        let lease_ms = me.lease.as_millis() as i64;
        let asked = Instant::now();
        let taken = self.query_opt(
            "INSERT INTO board_leases (board, node, addr, epoch, expires_ms)
             VALUES ($1, $2, $3, 1, cocreate_now_ms() + $4)
             ON CONFLICT (board) DO UPDATE SET
               epoch = CASE WHEN board_leases.node = excluded.node THEN board_leases.epoch
                            ELSE board_leases.epoch + 1 END,
               node = excluded.node, addr = excluded.addr, expires_ms = excluded.expires_ms
             WHERE board_leases.node = excluded.node OR board_leases.expires_ms <= cocreate_now_ms()
             RETURNING epoch",
            &[&board, &me.node, &me.addr, &lease_ms],
        )?;
        if let Some(row) = taken {
            let epoch: i64 = row.try_get(0)?;
            cluster
                .held
                .lock()
                .expect("leases")
                .insert(board.to_string(), (epoch, asked + me.lease / 2));
            return Ok(Owner::Here { epoch });
        }
        cluster.forget(board);
        let row = self.query_opt(
            "SELECT node, addr FROM board_leases WHERE board = $1",
            &[&board],
        )?;
        match row {
            Some(r) => Ok(Owner::Node {
                node: r.try_get(0)?,
                addr: r.try_get(1)?,
            }),
            // Released between the two statements: ask again.
            None => self.claim(board),
        }
    }

    fn renew_leases(&self) -> Result<Vec<String>, StoreError> {
        let Some(cluster) = &self.cluster else {
            return Ok(Vec::new());
        };
        let (boards, epochs): (Vec<String>, Vec<i64>) = cluster
            .held
            .lock()
            .expect("leases")
            .iter()
            .map(|(b, (e, _))| (b.clone(), *e))
            .unzip();
        if boards.is_empty() {
            return Ok(Vec::new());
        }
        let me = &cluster.me;
        let asked = Instant::now();
        let renewed: Vec<String> = self
            .query(
                "UPDATE board_leases l SET expires_ms = cocreate_now_ms() + $2
                 FROM UNNEST($3::text[], $4::bigint[]) AS h(board, epoch)
                 WHERE l.board = h.board AND l.epoch = h.epoch AND l.node = $1
                 RETURNING l.board",
                &[&me.node, &(me.lease.as_millis() as i64), &boards, &epochs],
            )?
            .iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, _>>()?;
        let mut held = cluster.held.lock().expect("leases");
        let mut lost = Vec::new();
        for b in boards {
            if renewed.contains(&b) {
                if let Some(entry) = held.get_mut(&b) {
                    entry.1 = asked + me.lease / 2;
                }
            } else {
                held.remove(&b);
                lost.push(b);
            }
        }
        Ok(lost)
    }

    fn release(&self, board: &str) -> Result<(), StoreError> {
        let Some(cluster) = &self.cluster else {
            return Ok(());
        };
        let Some(epoch) = cluster.epoch(board) else {
            return Ok(());
        };
        cluster.forget(board);
        self.execute(
            "UPDATE board_leases SET expires_ms = 0 WHERE board = $1 AND node = $2 AND epoch = $3",
            &[&board, &cluster.me.node, &epoch],
        )?;
        Ok(())
    }

    fn held(&self) -> Vec<String> {
        match &self.cluster {
            Some(c) => {
                let mut v: Vec<String> = c.held.lock().expect("leases").keys().cloned().collect();
                v.sort();
                v
            }
            None => Vec::new(),
        }
    }
}
