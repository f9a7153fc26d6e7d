//! Server functions the pages call.

use leptos::prelude::*;

use crate::catalog::{BoardSummary, WorkshopSummary};

#[cfg(feature = "ssr")]
fn directory() -> Result<crate::catalog::DirectoryHandle, ServerFnError> {
    use_context::<crate::catalog::DirectoryHandle>()
        .ok_or_else(|| ServerFnError::new("catalogue unavailable"))
}

/// Every workshop with its breakout boards.
#[server]
pub async fn list_workshops() -> Result<Vec<WorkshopSummary>, ServerFnError> {
    directory()?.0.workshops().map_err(ServerFnError::new)
}

/// One board's catalogue entry, or `None` if there is no such board.
#[server]
pub async fn get_board_summary(id: String) -> Result<Option<BoardSummary>, ServerFnError> {
    directory()?.0.board(&id).map_err(ServerFnError::new)
}
