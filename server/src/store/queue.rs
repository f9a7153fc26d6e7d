//! What both backends' update-log writers share: the requests they queue, and how a
//! committed (or failed) batch answers them. Each writer takes every request waiting in
//! its FIFO queue, commits them in one transaction, then answers each one; a request is
//! answered only once the transaction holding it has committed.

use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::oneshot;

use crate::store::interface::StoreError;

/// Where a request's answer goes.
pub(crate) type Done = oneshot::Sender<Result<(), StoreError>>;

/// One request; `key` is the document's stored key, `board` the board it belongs to (a
/// lease is per board).
pub(crate) enum WriteOp {
    Append {
        key: String,
        board: String,
        data: Vec<u8>,
        done: Done,
    },
    Compact {
        key: String,
        board: String,
        state: Vec<u8>,
        done: Done,
    },
    Barrier {
        done: Done,
    },
}

/// Most requests committed in one transaction.
pub(crate) const MAX_BATCH: usize = 4096;

impl WriteOp {
    /// The board written, if any.
    pub(crate) fn board(&self) -> Option<&str> {
        match self {
            WriteOp::Append { board, .. } | WriteOp::Compact { board, .. } => Some(board),
            WriteOp::Barrier { .. } => None,
        }
    }
}

/// Answer every request of a batch: `fenced` boards' requests with
/// [`StoreError::Fenced`] (they were left out), the rest with the batch's `result`; and
/// take the batch's appended bytes off `pending`.
pub(crate) fn answer(
    batch: Vec<WriteOp>,
    result: &Result<(), StoreError>,
    fenced: &[String],
    pending: &AtomicUsize,
) {
    if let Err(e) = result {
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
        let refused = op.board().filter(|b| fenced.iter().any(|f| f == b));
        let reply = match (result, refused) {
            (_, Some(board)) => Err(StoreError::Fenced {
                board: board.to_string(),
            }),
            (Ok(()), None) => Ok(()),
            (Err(e), None) => Err(StoreError::Commit(e.to_string())),
        };
        let done = match op {
            WriteOp::Append { done, .. }
            | WriteOp::Compact { done, .. }
            | WriteOp::Barrier { done } => done,
        };
        let _ = done.send(reply);
    }
}
