//! The update log's writer task: a FIFO queue and group commit, as on SQLite, on one
//! pooled connection at a time. A request is answered only once the transaction holding
//! it has committed.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use deadpool_postgres::Pool;
use tokio::sync::{mpsc, oneshot};

use crate::store::interface::{Durable, StoreError};

type Done = oneshot::Sender<Result<(), StoreError>>;

pub(super) enum WriteOp {
    Append {
        key: String,
        data: Vec<u8>,
        done: Done,
    },
    Compact {
        key: String,
        state: Vec<u8>,
        done: Done,
    },
    Barrier {
        done: Done,
    },
}

/// The writer task and its queue.
pub(super) struct Log {
    /// Bytes of appended updates not yet committed.
    pub(super) pending: Arc<AtomicUsize>,
    writer: Mutex<Option<mpsc::UnboundedSender<WriteOp>>>,
    /// Answers once the writer has committed everything and stopped.
    stopped: Mutex<Option<std::sync::mpsc::Receiver<()>>>,
}

impl Log {
    /// Start the writer task (call inside the backend's runtime).
    pub(super) fn start(pool: Pool) -> Log {
        let (tx, rx) = mpsc::unbounded_channel();
        let (stopped_tx, stopped) = std::sync::mpsc::channel();
        let pending = Arc::new(AtomicUsize::new(0));
        let p = pending.clone();
        tokio::spawn(async move {
            writer_loop(pool, rx, &p).await;
            let _ = stopped_tx.send(());
        });
        Log {
            pending,
            writer: Mutex::new(Some(tx)),
            stopped: Mutex::new(Some(stopped)),
        }
    }

    /// Queue one write now; the future resolves when its batch has committed.
    pub(super) fn request(&self, op: impl FnOnce(Done) -> WriteOp) -> Durable {
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
        if let Some(stopped) = self.stopped.lock().expect("stopped lock").take() {
            let _ = stopped.recv_timeout(std::time::Duration::from_secs(30));
        }
    }
}

/// Most requests committed in one transaction.
const MAX_BATCH: usize = 4096;

async fn writer_loop(pool: Pool, mut rx: mpsc::UnboundedReceiver<WriteOp>, pending: &AtomicUsize) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(op) => batch.push(op),
                Err(_) => break,
            }
        }
        let result = commit_batch(&pool, &batch).await;
        if let Err(e) = &result {
            tracing::error!(error = %e, ops = batch.len(), "store batch failed");
        }
        let bytes: usize = batch
            .iter()
            .map(|op| match op {
                WriteOp::Append { data, .. } => data.len(),
                _ => 0,
            })
            .sum();
        pending.fetch_sub(bytes, Ordering::Relaxed);
        for op in batch {
            let done = match op {
                WriteOp::Append { done, .. }
                | WriteOp::Compact { done, .. }
                | WriteOp::Barrier { done } => done,
            };
            let _ = done.send(match &result {
                Ok(()) => Ok(()),
                Err(e) => Err(StoreError::Commit(e.to_string())),
            });
        }
    }
    tracing::debug!("store writer stopped");
}

/// Commit one batch: each run of appends as one multi-row insert (in queue order), each
/// compaction as it comes.
async fn commit_batch(pool: &Pool, batch: &[WriteOp]) -> Result<(), StoreError> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    let append = tx
        .prepare_cached(
            "INSERT INTO board_updates (board_id, data)
             SELECT k, d FROM UNNEST($1::text[], $2::bytea[]) WITH ORDINALITY AS u(k, d, n)
             ORDER BY n",
        )
        .await?;
    let mut keys: Vec<&str> = Vec::new();
    let mut datas: Vec<&[u8]> = Vec::new();
    for op in batch {
        match op {
            WriteOp::Append { key, data, .. } => {
                keys.push(key);
                datas.push(data);
            }
            WriteOp::Compact { key, state, .. } => {
                if !keys.is_empty() {
                    tx.execute(&append, &[&keys, &datas]).await?;
                    keys.clear();
                    datas.clear();
                }
                let upto: i64 = tx
                    .query_one(
                        "SELECT coalesce(max(id), 0) FROM board_updates WHERE board_id = $1",
                        &[key],
                    )
                    .await?
                    .try_get(0)?;
                tx.execute(
                    "INSERT INTO board_state (board_id, data, upto) VALUES ($1, $2, $3)
                     ON CONFLICT (board_id) DO UPDATE
                     SET data = excluded.data, upto = GREATEST(board_state.upto, excluded.upto)",
                    &[key, state, &upto],
                )
                .await?;
                tx.execute(
                    "DELETE FROM board_updates WHERE board_id = $1 AND id <= $2",
                    &[key, &upto],
                )
                .await?;
            }
            WriteOp::Barrier { .. } => {}
        }
    }
    if !keys.is_empty() {
        tx.execute(&append, &[&keys, &datas]).await?;
    }
    tx.commit().await?;
    Ok(())
}
