//! The update log's writer task: a FIFO queue and group commit, as on SQLite, on one
//! pooled connection at a time. A request is answered only once the transaction holding
//! it has committed.

use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex};

use deadpool_postgres::Pool;
use tokio::sync::{mpsc, oneshot};

use super::Cluster;
use crate::store::interface::{Durable, StoreError};
use crate::store::queue::{self, Done, WriteOp, MAX_BATCH};

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
    pub(super) fn start(pool: Pool, cluster: Option<Arc<Cluster>>) -> Log {
        let (tx, rx) = mpsc::unbounded_channel();
        let (stopped_tx, stopped) = std::sync::mpsc::channel();
        let pending = Arc::new(AtomicUsize::new(0));
        let p = pending.clone();
        tokio::spawn(async move {
            writer_loop(pool, cluster, rx, &p).await;
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

async fn writer_loop(
    pool: Pool,
    cluster: Option<Arc<Cluster>>,
    mut rx: mpsc::UnboundedReceiver<WriteOp>,
    pending: &AtomicUsize,
) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(op) => batch.push(op),
                Err(_) => break,
            }
        }
        let (result, fenced) = commit_batch(&pool, cluster.as_deref(), &batch).await;
        for board in &fenced {
            tracing::warn!(%board, "lease lost to another node: writes refused");
        }
        queue::answer(batch, &result, &fenced, pending);
    }
    tracing::debug!("store writer stopped");
}

/// Commit one batch: each run of appends as one multi-row insert (in queue order), each
/// compaction as it comes. On a cluster node, first check in the same transaction that
/// every board written is still leased to this node under the epoch it holds: the
/// writes of boards that are not (returned as fenced) are left out.
async fn commit_batch(
    pool: &Pool,
    cluster: Option<&Cluster>,
    batch: &[WriteOp],
) -> (Result<(), StoreError>, Vec<String>) {
    let mut fenced = Vec::new();
    let result = commit_checked(pool, cluster, batch, &mut fenced).await;
    (result, fenced)
}

async fn commit_checked(
    pool: &Pool,
    cluster: Option<&Cluster>,
    batch: &[WriteOp],
    fenced: &mut Vec<String>,
) -> Result<(), StoreError> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    if let Some(cluster) = cluster {
        let mut boards: Vec<&str> = batch.iter().filter_map(WriteOp::board).collect();
        boards.sort_unstable();
        boards.dedup();
        let mut asked: (Vec<&str>, Vec<i64>) = (Vec::new(), Vec::new());
        for b in boards {
            match cluster.epoch(b) {
                Some(e) => {
                    asked.0.push(b);
                    asked.1.push(e);
                }
                None => fenced.push(b.to_string()),
            }
        }
        if !asked.0.is_empty() {
            // FOR SHARE: a takeover waits for this commit (and then sees a fresh lease).
            let held: Vec<String> = tx
                .query(
                    "SELECT l.board FROM board_leases l
                     JOIN UNNEST($2::text[], $3::bigint[]) AS h(board, epoch)
                       ON l.board = h.board AND l.epoch = h.epoch
                     WHERE l.node = $1 AND l.expires_ms > cocreate_now_ms()
                     FOR SHARE OF l",
                    &[&cluster.me.node, &asked.0, &asked.1],
                )
                .await?
                .iter()
                .map(|r| r.try_get(0))
                .collect::<Result<_, _>>()?;
            for b in asked.0 {
                if !held.iter().any(|h| h == b) {
                    cluster.forget(b);
                    fenced.push(b.to_string());
                }
            }
        }
    }
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
        if op.board().is_some_and(|b| fenced.iter().any(|f| f == b)) {
            continue;
        }
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
