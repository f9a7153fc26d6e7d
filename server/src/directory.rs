//! What the pages' server functions (and the JSON API) ask of the server: boards,
//! workshops, the facilitator's console and control changes, each checked against the
//! caller's token.

use app::catalog::{
    BoardAccess, BoardSummary, Console, ConsoleBoard, ControlScope, DirFuture, Directory,
    DirectoryError, LinkRole, WorkshopAccess,
};
use app::model::board::Board;
use app::model::control::{Control, ControlPatch};
use app::model::Prompt;
use yrs::Transact;

use crate::auth::{Auth, AuthError, Grant};
use crate::hub::{Hub, HubError};
use crate::store::{Store, StoreError, CONTROL_SUFFIX};

/// The server's [`Directory`].
#[derive(Clone)]
pub struct ServerDirectory {
    pub store: Store,
    pub hub: Hub,
    pub auth: Auth,
}

impl From<AuthError> for DirectoryError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::Store(e) => DirectoryError::Internal(e.to_string()),
            other => DirectoryError::Denied(other.to_string()),
        }
    }
}

fn internal(e: impl std::fmt::Display) -> DirectoryError {
    tracing::error!(error = %e, "directory");
    DirectoryError::Internal(e.to_string())
}

impl From<StoreError> for DirectoryError {
    fn from(e: StoreError) -> Self {
        internal(e)
    }
}

impl From<HubError> for DirectoryError {
    fn from(e: HubError) -> Self {
        match e {
            HubError::NotFound(_) => DirectoryError::NotFound,
            other => internal(other),
        }
    }
}

/// The key under which a board's control document lives in the hub and the store.
pub fn control_key(board: &str) -> String {
    format!("{board}{CONTROL_SUFFIX}")
}

impl ServerDirectory {
    fn summary(&self, id: &str) -> Result<BoardSummary, DirectoryError> {
        self.store
            .board_summary(id)?
            .ok_or(DirectoryError::NotFound)
    }

    /// One board's console entry (loads the board if it is not live).
    pub fn console_board(&self, board: BoardSummary) -> Result<ConsoleBoard, DirectoryError> {
        let live = self.hub.join(&board.id)?;
        let cards = live.read(|doc| {
            let b = Board::of(doc);
            let txn = doc.transact();
            Prompt::ALL.map(|p| b.cards_in(&txn, p).len())
        });
        let control = self.hub.join(&control_key(&board.id))?;
        let state = control.read(|doc| {
            let c = Control::of(doc);
            let txn = doc.transact();
            c.read(&txn)
        });
        Ok(ConsoleBoard {
            people: live.people(),
            cards,
            last_activity_ms: live.last_change_ms(),
            control: state,
            board,
        })
    }

    /// Apply a control patch to one board's control document.
    pub async fn apply_control(
        &self,
        board: &str,
        patch: &ControlPatch,
    ) -> Result<(), DirectoryError> {
        let control = self.hub.join(&control_key(board))?;
        control
            .change(Control::of, |c, txn| c.apply(txn, patch))
            .await?
            .map_err(|e| DirectoryError::Invalid(e.to_string()))
    }
}

impl Directory for ServerDirectory {
    fn board(&self, id: &str, token: Option<&str>) -> Result<BoardAccess, DirectoryError> {
        let board = self.summary(id)?;
        let (_, role) = self.auth.for_board(token, &board)?;
        Ok(BoardAccess { board, role })
    }

    fn workshop(&self, id: &str, token: Option<&str>) -> Result<WorkshopAccess, DirectoryError> {
        let workshop = self.store.workshop(id)?.ok_or(DirectoryError::NotFound)?;
        let (_, grant) = self.auth.grant(token)?;
        if grant.workshop != workshop.id || grant.board.is_some() {
            return Err(AuthError::WrongScope(workshop.title).into());
        }
        Ok(WorkshopAccess {
            workshop,
            role: grant.role,
        })
    }

    fn console(&self, workshop: &str, token: Option<&str>) -> Result<Console, DirectoryError> {
        let w = self
            .store
            .workshop(workshop)?
            .ok_or(DirectoryError::NotFound)?;
        self.auth.facilitator_of(token, workshop)?;
        let boards = w
            .boards
            .iter()
            .cloned()
            .map(|b| self.console_board(b))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Console {
            workshop: w,
            boards,
        })
    }

    fn control(
        &self,
        scope: ControlScope,
        token: Option<String>,
        patch: ControlPatch,
    ) -> DirFuture<()> {
        let this = self.clone();
        Box::pin(async move {
            let boards: Vec<String> = match &scope {
                ControlScope::Workshop(w) => {
                    let w = this.store.workshop(w)?.ok_or(DirectoryError::NotFound)?;
                    this.auth.facilitator_of(token.as_deref(), &w.id)?;
                    w.boards.into_iter().map(|b| b.id).collect()
                }
                ControlScope::Board(b) => {
                    let board = this.summary(b)?;
                    let (_, role) = this.auth.for_board(token.as_deref(), &board)?;
                    if role != LinkRole::Facilitator {
                        return Err(AuthError::NotFacilitator.into());
                    }
                    vec![board.id]
                }
            };
            for b in &boards {
                this.apply_control(b, &patch).await?;
            }
            tracing::info!(?scope, boards = boards.len(), "control changed");
            Ok(())
        })
    }

    fn issue_link(
        &self,
        workshop: &str,
        board: Option<&str>,
        role: LinkRole,
        token: Option<&str>,
    ) -> Result<String, DirectoryError> {
        self.auth.facilitator_of(token, workshop)?;
        if let Some(b) = board {
            if self.summary(b)?.workshop_id != workshop {
                return Err(DirectoryError::NotFound);
            }
        }
        Ok(self.auth.issue(Grant {
            workshop: workshop.to_string(),
            board: board.map(str::to_string),
            role,
        })?)
    }
}
