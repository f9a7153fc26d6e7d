//! The update log's writer thread: one connection, a FIFO queue, group commit. A request
//! is answered only once the transaction holding it has committed.

use std::sync::atomic::AtomicUsize;
use std::sync::mpsc as std_mpsc;
use std::sync::{Arc, Mutex};
use std::thread;

use rusqlite::{params, Connection};
use tokio::sync::oneshot;

use crate::store::interface::{Durable, StoreError};
use crate::store::queue::{self, WriteOp, MAX_BATCH};

/// The writer thread and its queue.
pub(super) struct Log {
    /// Bytes of appended updates not yet committed.
    pub(super) pending: Arc<AtomicUsize>,
    writer: Mutex<Option<std_mpsc::Sender<WriteOp>>>,
    writer_thread: Mutex<Option<thread::JoinHandle<()>>>,
}

impl Log {
    /// Start the writer thread on its own connection.
    pub(super) fn start(conn: Connection) -> Log {
        let (tx, rx) = std_mpsc::channel();
        let pending = Arc::new(AtomicUsize::new(0));
        let handle = {
            let pending = pending.clone();
            thread::Builder::new()
                .name("store-writer".into())
                .spawn(move || writer_loop(conn, rx, &pending))
                .expect("spawn store writer thread")
        };
        Log {
            pending,
            writer: Mutex::new(Some(tx)),
            writer_thread: Mutex::new(Some(handle)),
        }
    }

    /// Queue one write now; the future resolves when its batch has committed.
    pub(super) fn request(
        &self,
        op: impl FnOnce(oneshot::Sender<Result<(), StoreError>>) -> WriteOp,
    ) -> Durable {
        let (done, rx) = oneshot::channel();
        let queued = match self.writer.lock().expect("writer lock").as_ref() {
            Some(tx) => tx.send(op(done)).map_err(|_| StoreError::WriterGone),
            None => Err(StoreError::WriterGone),
        };
        Box::pin(async move {
            queued?;
            rx.await.map_err(|_| StoreError::WriterGone)?
        })
    }

    /// Stop the writer after it has committed everything queued.
    pub(super) fn stop(&self) {
        self.writer.lock().expect("writer lock").take();
        if let Some(h) = self.writer_thread.lock().expect("thread lock").take() {
            let _ = h.join();
        }
    }
}

fn writer_loop(mut conn: Connection, rx: std_mpsc::Receiver<WriteOp>, pending: &AtomicUsize) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(op) => batch.push(op),
                Err(_) => break,
            }
        }
        let result = commit_batch(&mut conn, &batch).map_err(StoreError::from);
        queue::answer(batch, &result, &[], pending);
    }
    tracing::debug!("store writer stopped");
}

fn commit_batch(conn: &mut Connection, batch: &[WriteOp]) -> Result<(), rusqlite::Error> {
    let tx = conn.transaction()?;
    {
        let mut append =
            tx.prepare_cached("INSERT INTO board_updates (board_id, data) VALUES (?1, ?2)")?;
        for op in batch {
            match op {
                WriteOp::Append { key, data, .. } => {
                    append.execute(params![key, data])?;
                }
                WriteOp::Compact {
                    key: board, state, ..
                } => {
                    let upto: i64 = tx.query_row(
                        "SELECT coalesce(max(id), 0) FROM board_updates WHERE board_id = ?1",
                        [board],
                        |r| r.get(0),
                    )?;
                    tx.execute(
                        "INSERT INTO board_state (board_id, data, upto) VALUES (?1, ?2, ?3)
                         ON CONFLICT(board_id) DO UPDATE SET data = excluded.data, upto = max(board_state.upto, excluded.upto)",
                        params![board, state, upto],
                    )?;
                    tx.execute(
                        "DELETE FROM board_updates WHERE board_id = ?1 AND id <= ?2",
                        params![board, upto],
                    )?;
                }
                WriteOp::Barrier { .. } => {}
            }
        }
    }
    tx.commit()
}
