//! What the pages' server functions (and the JSON API) ask of the server: boards,
//! workshops, the facilitator's console and control changes. Each `Directory` call turns
//! its token into the capability it needs (`crate::access`) first; the methods below it
//! take that capability, so none can be reached without the check.

use cocreate_core::allocate::{place, Group};
use cocreate_core::catalog::{
    AttributeQuestion, AuditEntry, BoardAccess, BoardSummary, CatalogEdit, Console, ConsoleBoard,
    ControlScope, CreatedWorkshop, DirFuture, Directory, DirectoryError, DocKey, ErasureRecord,
    JoinRequest, LinkInfo, LinkRequest, LinkRole, Member, Moderation, NewWorkshop, Notice, People,
    PersonEntry, Retention, SnapshotInfo, WorkshopAccess,
};
use cocreate_core::model::board::Board;
use cocreate_core::model::control::{Control, ControlPatch};
use cocreate_core::model::export::{BoardExport, ExportContext, SnapshotRef};
use cocreate_core::model::plan::{plan_name, Allocation, Plan, PlanNotice, SavedPlan};
use cocreate_core::model::report::iso_utc;
use cocreate_core::model::schema::PromptText;
use cocreate_core::model::{CardView, Role};
use sha2::Digest;

/// Longest display name kept in the roster, in characters.
const MAX_NAME: usize = 60;
/// Hex digits of a token's hash that name its link in the console.
const LINK_ID: usize = 16;
/// Longest privacy notice (each version), in characters.
const MAX_NOTICE: usize = 20_000;
use cocreate_core::model::Prompt;
use cocreate_core::sync::SyncDoc;
use cocreate_core::wire::UpdateIn;
use yrs::updates::decoder::Decode;
use yrs::Transact;
use yrs::{ReadTxn, StateVector, Update};

use crate::access::{Access, BoardFacilitator, ReadsBoard, WorkshopFacilitator};
use crate::auth::{Auth, Grant, TokenHash};
use crate::consent::ConsentBook;
use crate::erasure::Requester;
use crate::error::internal;
use crate::hub::Hub;
use crate::store::Store;

/// The server's [`Directory`].
#[derive(Clone)]
pub struct ServerDirectory {
    pub store: Store,
    pub hub: Hub,
    pub auth: Auth,
    pub access: Access,
    pub consents: ConsentBook,
}

impl ServerDirectory {
    /// Who a token is, for the audit log: its link's label and id (never the token).
    pub fn actor(&self, token: Option<&str>) -> String {
        match self.auth.grant(token) {
            Ok((hash, g)) => {
                let id = &hash.as_str()[..LINK_ID];
                if g.label.is_empty() {
                    format!("{} link {id}", g.role.as_str())
                } else {
                    format!("{} ({} link {id})", g.label, g.role.as_str())
                }
            }
            Err(_) => "an unknown link".into(),
        }
    }

    /// Keep an entry in `workshop`'s audit log. The action has happened; an entry that
    /// cannot be kept is logged as an error, never dropped in silence.
    pub fn audit(
        &self,
        workshop: &str,
        actor: String,
        action: &str,
        target: &str,
        detail: impl Into<String>,
    ) {
        let entry = AuditEntry {
            at_ms: crate::store::now_ms(),
            actor,
            action: action.to_string(),
            target: target.to_string(),
            detail: detail.into(),
        };
        if let Err(e) = self.store.append_audit(workshop, &entry) {
            tracing::error!(error = %e, workshop, action, "could not keep an audit entry");
        }
    }

    /// The hash of the workshop's live link with id `id` (a workshop facilitator asks).
    fn link_by_id(
        &self,
        workshop: &str,
        token: Option<&str>,
        id: &str,
    ) -> Result<TokenHash, DirectoryError> {
        let w = self.access.workshop_facilitator(workshop, token)?;
        if id.len() != LINK_ID {
            return Err(DirectoryError::NotFound);
        }
        self.auth
            .links_of(&w.workshop.id)?
            .into_iter()
            .find(|l| l.token_hash.starts_with(id))
            .map(|l| TokenHash::from_hex(l.token_hash))
            .ok_or(DirectoryError::NotFound)
    }

    fn summary(&self, id: &str) -> Result<BoardSummary, DirectoryError> {
        self.store
            .board_summary(id)?
            .ok_or(DirectoryError::NotFound)
    }

    /// One board's console entry (loads the board if it is not live).
    fn console_board(&self, board: BoardSummary) -> Result<ConsoleBoard, DirectoryError> {
        let live = self.hub.join(&DocKey::board(&board.id))?;
        let cards = live.read(|doc| {
            let b = Board::of(doc);
            let txn = doc.transact();
            Prompt::ALL.map(|p| b.cards_in(&txn, p).len())
        });
        let control = self.hub.join(&DocKey::control(&board.id))?;
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

    /// Apply a control patch to one board's control document. A phase change or a lock
    /// first takes a snapshot of the board.
    pub async fn apply_control(
        &self,
        facilitator: &BoardFacilitator,
        patch: &ControlPatch,
    ) -> Result<(), DirectoryError> {
        let board = facilitator;
        let control = self.hub.join(&DocKey::control(&board.board.id))?;
        let before = control.read(|doc| {
            let c = Control::of(doc);
            let txn = doc.transact();
            c.read(&txn)
        });
        if let Some(p) = patch.phase.filter(|p| *p != before.phase) {
            self.take_snapshot_now(board, &format!("Phase: {}", p.label()), "phase")
                .await?;
        }
        if patch.locked == Some(true) && !before.locked {
            self.take_snapshot_now(board, "Locked", "lock").await?;
        }
        control
            .change(Control::of, |c, txn| c.apply(txn, patch))
            .await?
            .map_err(|e| DirectoryError::Invalid(e.to_string()))?;
        if patch.revealed == Some(true) {
            self.hub.reveal_drafts(&board.board.id).await?;
        }
        if patch.votes_revealed == Some(true) {
            self.hub.reveal_votes(&board.board.id).await?;
        }
        Ok(())
    }

    /// Lock a board (archiving).
    async fn lock(&self, board: &BoardFacilitator) -> Result<(), DirectoryError> {
        let patch = ControlPatch {
            locked: Some(true),
            ..Default::default()
        };
        self.apply_control(board, &patch).await
    }

    /// Snapshot a board's current state once everything in it is durable.
    pub async fn take_snapshot_now(
        &self,
        facilitator: &BoardFacilitator,
        name: &str,
        reason: &str,
    ) -> Result<SnapshotInfo, DirectoryError> {
        let board = facilitator.board.id.as_str();
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 120 {
            return Err(DirectoryError::Invalid(
                "a snapshot needs a name of 1 to 120 characters".into(),
            ));
        }
        let state = self.hub.join(&DocKey::board(board))?.encode_state();
        self.store.barrier().await?;
        let snap = self.store.create_snapshot(board, name, reason, &state)?;
        tracing::info!(board, snapshot = snap.id, reason, "snapshot taken");
        Ok(snap)
    }

    /// Raw state of a board, live or at a snapshot, with its export context.
    pub fn state_at(
        &self,
        reader: &impl ReadsBoard,
        at: Option<i64>,
    ) -> Result<(Vec<u8>, ExportContext), DirectoryError> {
        let board = reader.readable();
        let mut context = ExportContext {
            board_id: board.id.clone(),
            workshop_id: board.workshop_id.clone(),
            workshop_title: board.workshop_title.clone(),
            snapshot: None,
        };
        let state = match at {
            None => self.hub.join(&DocKey::board(&board.id))?.encode_state(),
            Some(id) => {
                let (snap, data) = self
                    .store
                    .snapshot(&board.id, id)?
                    .ok_or(DirectoryError::NotFound)?;
                context.snapshot = Some(SnapshotRef {
                    id: snap.id,
                    name: snap.name,
                    taken_ms: snap.taken_ms,
                });
                data
            }
        };
        Ok((state, context))
    }

    /// Export data of a board, live or at a snapshot.
    pub fn export_of(
        &self,
        reader: &impl ReadsBoard,
        at: Option<i64>,
    ) -> Result<(BoardExport, Vec<u8>), DirectoryError> {
        let (state, context) = self.state_at(reader, at)?;
        let doc = doc_of(&state)?;
        let mut export = BoardExport::of_doc(&doc, context);
        self.join_roster(&mut export)?;
        Ok((export, state))
    }

    /// Give each card of `export` without a role its author's role from the workshop's
    /// roster (cards written since schema 2 carry no role; names never go into exports).
    /// Fill each card's role from the workshop's roster (participants' cards carry none),
    /// and, on a named board (not anonymous), its author's name: names are in no board
    /// document, and in an export only while the board is named.
    fn join_roster(&self, export: &mut BoardExport) -> Result<(), DirectoryError> {
        let control = self.hub.join(&DocKey::control(&export.context.board_id))?;
        let named = !control.read(|d| Control::of(d).read(&d.transact()).anonymous);
        let roster: std::collections::HashMap<String, Member> = self
            .store
            .roster(&export.context.workshop_id)?
            .into_iter()
            .map(|m| (m.pseudonym.clone(), m))
            .collect();
        let labels: std::collections::HashMap<String, String> = self
            .store
            .questions(&export.context.workshop_id)?
            .into_iter()
            .map(|q| (q.id, q.label))
            .collect();
        for card in export.cards.iter_mut() {
            for c in card.comments.iter_mut() {
                if let Some(m) = roster.get(&c.author) {
                    c.role = Some(m.role.as_str().to_string());
                    if named {
                        c.name = m.name.clone();
                    }
                }
            }
            let Some(m) = roster.get(&card.author) else {
                continue;
            };
            card.attributes = m
                .attributes
                .iter()
                .filter_map(|(id, a)| labels.get(id).map(|l| (l.clone(), a.clone())))
                .collect();
            if card.role.is_none() {
                card.role = Some(m.role.as_str().to_string());
            }
            if named {
                card.name = m.name.clone();
            }
        }
        Ok(())
    }

    /// A new board in `workshop` from an export (JSON) or a raw yrs update; returns it.
    pub fn import(
        &self,
        facilitator: &WorkshopFacilitator,
        body: &[u8],
    ) -> Result<BoardSummary, DirectoryError> {
        let w = &facilitator.workshop;
        // Both forms enter the new board the way a client's update does, through
        // `SyncDoc::integrate`: scanned, checked, and trimmed to the content limits.
        let raw = if body.first() == Some(&b'{') {
            let text = std::str::from_utf8(body)
                .map_err(|_| DirectoryError::Invalid("the JSON is not UTF-8".into()))?;
            let export =
                BoardExport::from_json(text).map_err(|e| DirectoryError::Invalid(e.to_string()))?;
            let scratch = cocreate_core::model::new_doc();
            export
                .write_into(&scratch)
                .map_err(|e| DirectoryError::Invalid(e.to_string()))?;
            let txn = scratch.transact();
            txn.encode_state_as_update_v1(&StateVector::default())
        } else {
            body.to_vec()
        };
        let update = UpdateIn::from_raw(raw).map_err(|e| {
            DirectoryError::Invalid(format!("not a yrs update or a JSON export: {e}"))
        })?;
        let board = SyncDoc::new(
            cocreate_core::model::new_doc(),
            0,
            Some(self.hub.limits().content()),
        );
        let integrated = board.integrate(update).map_err(|e| {
            DirectoryError::Invalid(format!("the update could not be applied: {e}"))
        })?;
        if let Some(t) = integrated.trimmed {
            tracing::info!(workshop = %w.id, reason = %t.reason, "import trimmed to the limits");
        }
        let doc = board.doc();
        let meta = Board::of(doc).meta(&doc.transact());
        let readable =
            cocreate_core::model::schema::OLDEST_SCHEMA..=cocreate_core::model::SCHEMA_VERSION;
        if !readable.contains(&meta.schema) {
            return Err(DirectoryError::Invalid(format!(
                "not a board of schema {} to {} (schema {})",
                readable.start(),
                readable.end(),
                meta.schema
            )));
        }
        let state = doc
            .transact()
            .encode_state_as_update_v1(&StateVector::default());
        let id = format!("{}-import-{}", w.id, random_suffix());
        let title = if meta.title.is_empty() {
            "Imported board".to_string()
        } else {
            meta.title.clone()
        };
        self.store
            .create_board(&id, &w.id, &title, &meta.pillar, &state)?;
        tracing::info!(board = %id, workshop = %w.id, "board imported");
        self.summary(&id)
    }
}

/// A document from a stored state (ours, so a failure is a server error).
fn doc_of(state: &[u8]) -> Result<yrs::Doc, DirectoryError> {
    let doc = cocreate_core::model::new_doc();
    let update = Update::decode_v1(state).map_err(internal)?;
    doc.transact_mut().apply_update(update).map_err(internal)?;
    Ok(doc)
}

/// A short random hex id.
pub(crate) fn random_suffix() -> String {
    let mut bytes = [0u8; 4];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A lowercase slug of `text` for ids (letters and digits, `-` between words).
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    for ch in text.chars() {
        if ch.is_ascii_alphanumeric() {
            out.push(ch.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
        if out.len() >= 24 {
            break;
        }
    }
    out.trim_end_matches('-').to_string()
}

pub(crate) fn check_title(title: &str) -> Result<String, DirectoryError> {
    let t = title.trim();
    if t.is_empty() || t.chars().count() > 120 {
        return Err(DirectoryError::Invalid(
            "a title needs 1 to 120 characters".into(),
        ));
    }
    Ok(t.to_string())
}

impl ServerDirectory {
    /// Create a board with its initial document.
    fn create_board_in(
        &self,
        workshop: &WorkshopSummaryRef,
        title: &str,
        pillar: &str,
        prompts: &[PromptText],
    ) -> Result<BoardSummary, DirectoryError> {
        let id = format!("{}-{}-{}", workshop.id, slug(pillar), random_suffix());
        let state =
            cocreate_core::model::board::initial_state(title, &workshop.area, pillar, prompts, &[]);
        self.store
            .create_board(&id, &workshop.id, title, pillar, &state)?;
        self.summary(&id)
    }

    /// [`Directory::create_workshop`]: the workshop, its groups from the plan it starts
    /// from (or the workshop it copies), each group's settings, and its facilitator link.
    async fn create_workshop_now(
        &self,
        token: Option<&str>,
        new: NewWorkshop,
    ) -> Result<CreatedWorkshop, DirectoryError> {
        self.access.organiser(token)?;
        let title = check_title(&new.title)?;
        let area = check_title(&new.area)?;
        let mut settings = Vec::new();
        let mut copied = None;
        let (plan, started_from) = match (&new.copy_of, &new.plan) {
            (Some(_), Some(_)) => {
                return Err(DirectoryError::Invalid(
                    "start from a plan or copy a workshop, not both".into(),
                ))
            }
            (Some(source), None) => {
                let from = self
                    .store
                    .workshop(source)?
                    .ok_or(DirectoryError::NotFound)?;
                let mut plan = self.store.plan(&from.id)?.unwrap_or_default();
                let groups: Vec<&BoardSummary> =
                    from.boards.iter().filter(|b| !b.archived).collect();
                if !groups.is_empty() {
                    plan.groups = groups.iter().map(|b| b.title.clone()).collect();
                }
                for b in &groups {
                    let control = self.hub.join(&DocKey::control(&b.id))?;
                    let c = control.read(|d| Control::of(d).read(&d.transact()));
                    settings.push(ControlPatch {
                        anonymous: Some(c.anonymous),
                        revealed: Some(c.revealed),
                        shared_delete: Some(c.shared_delete),
                        votes_per_person: Some(c.votes_per_person),
                        ..Default::default()
                    });
                }
                copied = Some(from.id.clone());
                (plan, format!("copy of {}", from.title))
            }
            (None, Some(name)) => {
                let saved = self
                    .store
                    .saved_plans()?
                    .into_iter()
                    .find(|p| &p.name == name)
                    .ok_or_else(|| {
                        DirectoryError::Invalid(format!("there is no plan named “{name}”"))
                    })?;
                (saved.plan, format!("plan “{}”", saved.name))
            }
            (None, None) => (Plan::default(), "the built-in plan".into()),
        };
        plan.check()
            .map_err(|e| DirectoryError::Invalid(e.to_string()))?;
        let id = format!("{}-{}", slug(&title), random_suffix());
        self.store
            .create_workshop(&id, &title, &area, new.date.trim())?;
        let w = WorkshopSummaryRef {
            id: id.clone(),
            area,
        };
        // A named plan's notice becomes the new workshop's (kept with its consents, not
        // in its plan).
        let mut plan = plan;
        if let Some(n) = plan.notice.take() {
            self.consents.set_notice(&id, &n.plain, &n.easy_read)?;
        }
        let mut boards = Vec::new();
        for group in &plan.groups {
            boards.push(self.create_board_in(&w, group.trim(), group.trim(), &plan.prompts)?);
        }
        self.store.set_plan(&id, &plan)?;
        // Each group's settings: the copied group's, or the plan's votes each.
        for (i, board) in boards.iter().enumerate() {
            let patch = settings.get(i).cloned().unwrap_or_else(|| ControlPatch {
                votes_per_person: Some(i64::from(plan.votes_per_person)),
                ..Default::default()
            });
            let control = self.hub.join(&DocKey::control(&board.id))?;
            control
                .change(Control::of, |c, txn| c.apply(txn, &patch))
                .await?
                .map_err(|e| DirectoryError::Invalid(e.to_string()))?;
        }
        if let Some(source) = &copied {
            if let Some(n) = self.store.notice(source)? {
                self.consents.set_notice(&id, &n.plain, &n.easy_read)?;
            }
            let questions = self.store.questions(source)?;
            if !questions.is_empty() {
                self.store.set_questions(&id, &questions)?;
            }
        }
        let facilitator_token =
            self.auth
                .issue(Grant::new(id.clone(), None, LinkRole::Facilitator))?;
        tracing::info!(workshop = %id, from = %started_from, "workshop created");
        self.audit(
            &id,
            self.actor(token),
            "create workshop",
            &id,
            format!("{title} (from {started_from})"),
        );
        Ok(CreatedWorkshop {
            workshop: self.store.workshop(&id)?.ok_or(DirectoryError::NotFound)?,
            facilitator_token,
        })
    }
}

/// What [`ServerDirectory::create_board_in`] needs of a workshop.
struct WorkshopSummaryRef {
    id: String,
    area: String,
}

impl Directory for ServerDirectory {
    fn workshops(
        &self,
        token: Option<&str>,
    ) -> Result<Vec<cocreate_core::catalog::WorkshopSummary>, DirectoryError> {
        self.access.organiser(token)?;
        let mut ids: Vec<String> = self
            .store
            .all_boards()?
            .into_iter()
            .map(|b| b.workshop_id)
            .collect();
        ids.dedup();
        let mut out = Vec::new();
        for id in ids {
            if let Some(w) = self.store.workshop(&id)? {
                out.push(w);
            }
        }
        Ok(out)
    }

    fn create_workshop(
        &self,
        token: Option<String>,
        new: NewWorkshop,
    ) -> DirFuture<CreatedWorkshop> {
        let this = self.clone();
        Box::pin(async move { this.create_workshop_now(token.as_deref(), new).await })
    }

    fn save_named_plan(
        &self,
        workshop: &str,
        token: Option<&str>,
        name: &str,
    ) -> Result<SavedPlan, DirectoryError> {
        let w = self.access.workshop_facilitator(workshop, token)?;
        let name = plan_name(name).map_err(|e| DirectoryError::Invalid(e.to_string()))?;
        let mut plan = self.store.plan(&w.workshop.id)?.unwrap_or_default();
        // The plan takes the workshop's privacy notice with it, if it has its own.
        plan.notice = self.store.notice(&w.workshop.id)?.map(|n| PlanNotice {
            plain: n.plain,
            easy_read: n.easy_read,
        });
        let saved = SavedPlan {
            name,
            plan,
            from_workshop: w.workshop.id.clone(),
            saved_ms: crate::store::now_ms(),
        };
        self.store.save_named_plan(&saved)?;
        self.audit(
            &w.workshop.id,
            self.actor(token),
            "save named plan",
            &w.workshop.id,
            saved.name.clone(),
        );
        Ok(saved)
    }

    fn saved_plans(
        &self,
        workshop: Option<&str>,
        token: Option<&str>,
    ) -> Result<Vec<SavedPlan>, DirectoryError> {
        match workshop {
            Some(w) => {
                self.access.workshop_facilitator(w, token)?;
            }
            None => {
                self.access.organiser(token)?;
            }
        }
        Ok(self.store.saved_plans()?)
    }

    fn edit_workshop(
        &self,
        workshop: String,
        token: Option<String>,
        edit: CatalogEdit,
    ) -> DirFuture<()> {
        let this = self.clone();
        Box::pin(async move {
            let w = this
                .access
                .workshop_facilitator(&workshop, token.as_deref())?;
            let title = edit.title.as_deref().map(check_title).transpose()?;
            this.store
                .update_workshop(&w.workshop.id, title.as_deref(), edit.archived)?;
            if edit.archived == Some(true) {
                for b in &w.boards() {
                    this.lock(b).await?;
                }
            }
            this.audit(
                &w.workshop.id,
                this.actor(token.as_deref()),
                "edit workshop",
                &w.workshop.id,
                edit_detail(&edit),
            );
            Ok(())
        })
    }

    fn add_board(
        &self,
        workshop: &str,
        token: Option<&str>,
        title: &str,
        pillar: &str,
    ) -> Result<BoardSummary, DirectoryError> {
        let w = self.access.workshop_facilitator(workshop, token)?.workshop;
        let title = check_title(title)?;
        let pillar = if pillar.trim().is_empty() {
            title.clone()
        } else {
            check_title(pillar)?
        };
        let prompts = self.store.plan(&w.id)?.unwrap_or_default().prompts;
        let b = self.create_board_in(
            &WorkshopSummaryRef {
                id: w.id.clone(),
                area: w.area,
            },
            &title,
            &pillar,
            &prompts,
        )?;
        self.audit(&w.id, self.actor(token), "add board", &b.id, title);
        Ok(b)
    }

    fn edit_board(&self, board: String, token: Option<String>, edit: CatalogEdit) -> DirFuture<()> {
        let this = self.clone();
        Box::pin(async move {
            let f = this.access.board_facilitator(&board, token.as_deref())?;
            let b = &f.board;
            let title = edit.title.as_deref().map(check_title).transpose()?;
            this.store
                .update_board(&b.id, title.as_deref(), edit.archived)?;
            if let Some(t) = &title {
                // The document's own title follows the catalogue.
                let live = this.hub.join(&DocKey::board(&b.id))?;
                live.change(Board::of, |board, txn| {
                    board.set_title(txn, t);
                    Ok::<(), std::convert::Infallible>(())
                })
                .await?
                .ok();
            }
            if edit.archived == Some(true) {
                this.lock(&f).await?;
            }
            this.audit(
                &b.workshop_id,
                this.actor(token.as_deref()),
                "edit board",
                &b.id,
                edit_detail(&edit),
            );
            Ok(())
        })
    }

    fn move_person(
        &self,
        from: String,
        token: Option<String>,
        person: String,
        to: String,
    ) -> DirFuture<()> {
        let this = self.clone();
        Box::pin(async move {
            let src = this
                .access
                .board_facilitator(&from, token.as_deref())?
                .board;
            let dst = this.summary(&to)?;
            if dst.workshop_id != src.workshop_id {
                return Err(DirectoryError::Invalid(
                    "both boards must be in the same workshop".into(),
                ));
            }
            if person.is_empty() || person.len() > 64 {
                return Err(DirectoryError::Invalid("no such participant".into()));
            }
            let control = this.hub.join(&DocKey::control(&src.id))?;
            control
                .change(Control::of, |c, txn| {
                    c.move_person(txn, &person, &dst.id);
                    Ok::<(), std::convert::Infallible>(())
                })
                .await?
                .ok();
            // Someone placed by allocation comes back to where they were moved.
            if let Some((_, _, role)) = this
                .store
                .allocations(&src.workshop_id)?
                .into_iter()
                .find(|(p, _, _)| *p == person)
            {
                this.store
                    .allocate(&src.workshop_id, &person, &dst.id, role)?;
            }
            tracing::info!(from = %src.id, to = %dst.id, "participant moved");
            this.audit(
                &src.workshop_id,
                this.actor(token.as_deref()),
                "move a person",
                &person,
                format!("from {} to {}", src.id, dst.id),
            );
            Ok(())
        })
    }

    fn moderate(
        &self,
        board: String,
        token: Option<String>,
        card: String,
        action: Moderation,
    ) -> DirFuture<()> {
        let this = self.clone();
        Box::pin(async move {
            let b = this
                .access
                .board_facilitator(&board, token.as_deref())?
                .board;
            let live = this.hub.join(&DocKey::board(&b.id))?;
            let store = this.store.clone();
            match action {
                // Held first, then taken out: a failure in between leaves the card in
                // both places, never in neither.
                Moderation::Hide => {
                    live.change(Board::of, |board, txn| {
                        let Some(view) = board.card(txn, &card) else {
                            return Err(DirectoryError::NotFound);
                        };
                        let json = serde_json::to_string(&view)
                            .map_err(|e| DirectoryError::Invalid(e.to_string()))?;
                        store.hold_card(&b.id, &card, &json)?;
                        board.delete_card(txn, &card);
                        Ok(())
                    })
                    .await??
                }
                Moderation::Show => {
                    let Some(held) = store.release_card(&b.id, &card)? else {
                        return Err(DirectoryError::NotFound);
                    };
                    let view: CardView = serde_json::from_str(&held.card).map_err(|e| {
                        DirectoryError::Invalid(format!("held card {card} is unreadable: {e}"))
                    })?;
                    let restored = live
                        .change(Board::of, |board, txn| {
                            board.restore_card(txn, &view).map(|_| ())
                        })
                        .await;
                    if !matches!(restored, Ok(Ok(()))) {
                        store.hold_card(&b.id, &card, &held.card)?;
                    }
                    restored?.map_err(|e| DirectoryError::Invalid(e.to_string()))?;
                }
                Moderation::Delete => {
                    store.release_card(&b.id, &card)?;
                    live.change(Board::of, |board, txn| {
                        board.delete_card(txn, &card);
                        Ok::<(), DirectoryError>(())
                    })
                    .await??;
                }
            }
            tracing::info!(board = %b.id, card = %card, ?action, "card moderated");
            let what = match action {
                Moderation::Hide => "hide card",
                Moderation::Show => "show card",
                Moderation::Delete => "delete card",
            };
            this.audit(
                &b.workshop_id,
                this.actor(token.as_deref()),
                what,
                &card,
                format!("board {}", b.id),
            );
            Ok(())
        })
    }

    fn join(
        &self,
        board: &str,
        token: Option<&str>,
        join: JoinRequest,
    ) -> Result<String, DirectoryError> {
        let JoinRequest {
            seat,
            name,
            role,
            consent,
            attributes,
        } = join;
        let (seat, name) = (seat.as_str(), name.as_str());
        let reader = self.access.board(board, token)?;
        match (reader.role, role) {
            (LinkRole::Observer, _) => {
                return Err(DirectoryError::Denied("observers take no part".into()))
            }
            (LinkRole::Participant, Role::Facilitator) => {
                return Err(DirectoryError::Invalid(
                    "participants join as a stakeholder, educator, clinician or patient".into(),
                ))
            }
            _ => {}
        }
        cocreate_core::identity::check_seat(seat)
            .map_err(|e| DirectoryError::Invalid(e.to_string()))?;
        let name: String = name.trim().chars().take(MAX_NAME).collect();
        if name.is_empty() {
            return Err(DirectoryError::Invalid(
                "a name is needed (any name will do)".into(),
            ));
        }
        let workshop = &reader.board.workshop_id;
        let pseudonym = cocreate_core::identity::pseudonym(workshop, seat);
        // Participants agree to the notice as it is now before anything of theirs is
        // kept (facilitators run the workshop and do not consent).
        if reader.role == LinkRole::Participant {
            match consent {
                Some(version) => self.consents.agree(workshop, &pseudonym, version)?,
                None if self.consents.agreed(workshop, &pseudonym)? => {}
                None => {
                    let current = self.consents.notice(workshop)?.version;
                    return Err(DirectoryError::ConsentNeeded(current));
                }
            }
        }
        let answers = check_answers(&self.store.questions(workshop)?, attributes)?;
        self.store.join_roster(workshop, &pseudonym, &name, role)?;
        // No answers leaves earlier ones as they were (a page joining again on load).
        if !answers.is_empty() {
            self.store.set_attributes(workshop, &pseudonym, &answers)?;
        }
        Ok(pseudonym)
    }

    fn questions(
        &self,
        board: &str,
        token: Option<&str>,
    ) -> Result<Vec<AttributeQuestion>, DirectoryError> {
        let reader = self.access.board(board, token)?;
        Ok(self.store.questions(&reader.board.workshop_id)?)
    }

    fn set_questions(
        &self,
        workshop: &str,
        token: Option<&str>,
        questions: Vec<AttributeQuestion>,
    ) -> Result<Vec<AttributeQuestion>, DirectoryError> {
        let w = self.access.workshop_facilitator(workshop, token)?;
        let questions = check_questions(questions)?;
        self.store.set_questions(&w.workshop.id, &questions)?;
        self.audit(
            &w.workshop.id,
            self.actor(token),
            "set questions",
            &w.workshop.id,
            questions
                .iter()
                .map(|q| q.label.as_str())
                .collect::<Vec<_>>()
                .join("; "),
        );
        Ok(questions)
    }

    fn set_plan(&self, workshop: String, token: Option<String>, plan: Plan) -> DirFuture<usize> {
        let this = self.clone();
        Box::pin(async move {
            let w = this
                .access
                .workshop_facilitator(&workshop, token.as_deref())?;
            plan.check()
                .map_err(|e| DirectoryError::Invalid(e.to_string()))?;
            // A workshop's notice is kept with its consents, never in its plan.
            let plan = Plan {
                notice: None,
                ..plan
            };
            this.store.set_plan(&w.workshop.id, &plan)?;
            let mut reworded = Vec::new();
            for b in w.workshop.boards.iter().filter(|b| !b.archived) {
                let cards = this.hub.join(&DocKey::board(&b.id))?;
                let same = cards.read(|d| Board::of(d).prompts(&d.transact()) == plan.prompts);
                if !same {
                    cards
                        .change(Board::of, |board, txn| {
                            board.set_prompts(txn, &plan.prompts);
                            Ok::<(), std::convert::Infallible>(())
                        })
                        .await?
                        .unwrap_or_else(|e| match e {});
                    reworded.push(b.title.clone());
                }
            }
            let steps = plan
                .run_sheet
                .steps
                .iter()
                .map(|s| format!("{} ({} min)", s.title, s.minutes))
                .collect::<Vec<_>>()
                .join("; ");
            let prompts = plan
                .prompts
                .iter()
                .map(|p| p.title.trim())
                .collect::<Vec<_>>()
                .join(", ");
            this.audit(
                &w.workshop.id,
                this.actor(token.as_deref()),
                "set plan",
                &w.workshop.id,
                if reworded.is_empty() {
                    format!("{steps}; prompts: {prompts}")
                } else {
                    format!(
                        "{steps}; prompts: {prompts}, reworded on {}",
                        reworded.join(", ")
                    )
                },
            );
            Ok(reworded.len())
        })
    }

    fn place(
        &self,
        workshop: &str,
        token: Option<&str>,
        seat: &str,
        role: Role,
    ) -> Result<BoardSummary, DirectoryError> {
        let m = self.access.workshop(workshop, token)?;
        if m.role != LinkRole::Participant {
            return Err(DirectoryError::Denied(
                "only participants are placed in a group".into(),
            ));
        }
        if role == Role::Facilitator {
            return Err(DirectoryError::Invalid(
                "participants take part as a stakeholder, educator, clinician or patient".into(),
            ));
        }
        cocreate_core::identity::check_seat(seat)
            .map_err(|e| DirectoryError::Invalid(e.to_string()))?;
        let w = &m.workshop;
        let who = cocreate_core::identity::pseudonym(&w.id, seat);
        let open: Vec<&BoardSummary> = w.boards.iter().filter(|b| !b.archived).collect();
        let placed = self.store.allocations(&w.id)?;
        if let Some(board) = placed
            .iter()
            .find(|(p, _, _)| *p == who)
            .and_then(|(_, b, _)| open.iter().find(|o| o.id == *b))
        {
            return Ok((*board).clone());
        }
        let groups: Vec<Group> = open
            .iter()
            .map(|b| Group {
                board: b.id.clone(),
                roles: placed
                    .iter()
                    .filter(|(p, on, _)| *on == b.id && *p != who)
                    .map(|(_, _, r)| *r)
                    .collect(),
            })
            .collect();
        let seed = u64::from_le_bytes(
            sha2::Sha256::digest(w.id.as_bytes())[..8]
                .try_into()
                .expect("8 bytes"),
        );
        let i = place(&groups, role, &who, seed)
            .ok_or_else(|| DirectoryError::Invalid("this workshop has no open group".into()))?;
        self.store.allocate(&w.id, &who, &open[i].id, role)?;
        tracing::info!(workshop = %w.id, board = %open[i].id, "participant placed");
        Ok(open[i].clone())
    }

    fn allocation(
        &self,
        workshop: &str,
        token: Option<&str>,
    ) -> Result<Allocation, DirectoryError> {
        let m = self.access.workshop(workshop, token)?;
        Ok(self
            .store
            .plan(&m.workshop.id)?
            .unwrap_or_default()
            .allocation)
    }

    fn advance(&self, scope: ControlScope, token: Option<String>) -> DirFuture<usize> {
        let this = self.clone();
        Box::pin(async move {
            let boards = match &scope {
                ControlScope::Workshop(w) => this
                    .access
                    .workshop_facilitator(w, token.as_deref())?
                    .boards(),
                ControlScope::Board(b) => {
                    vec![this.access.board_facilitator(b, token.as_deref())?]
                }
            };
            let Some(workshop) = boards.first().map(|b| b.board.workshop_id.clone()) else {
                return Ok(0);
            };
            let sheet = this.store.plan(&workshop)?.unwrap_or_default().run_sheet;
            let now = crate::store::now_ms() as f64;
            let mut moved = Vec::new();
            for b in boards.iter().filter(|b| !b.board.archived) {
                let control = this.hub.join(&DocKey::control(&b.board.id))?;
                let at = control.read(|d| Control::of(d).read(&d.transact()).step);
                let Some(next) = sheet.next(at) else { continue };
                let patch = sheet.patch(next, now).expect("a next step has a patch");
                this.apply_control(b, &patch).await?;
                moved.push(format!("{}: {}", b.board.title, sheet.describe(Some(next))));
            }
            tracing::info!(?scope, boards = moved.len(), "run-sheet advanced");
            if !moved.is_empty() {
                this.audit(
                    &workshop,
                    this.actor(token.as_deref()),
                    "advance run-sheet",
                    &match &scope {
                        ControlScope::Workshop(w) => format!("every board of {w}"),
                        ControlScope::Board(b) => b.clone(),
                    },
                    moved.join("; "),
                );
            }
            Ok(moved.len())
        })
    }

    fn withdraw(
        &self,
        board: String,
        token: Option<String>,
        seat: String,
    ) -> DirFuture<ErasureRecord> {
        let this = self.clone();
        Box::pin(async move {
            let reader = this.access.board(&board, token.as_deref())?;
            cocreate_core::identity::check_seat(&seat)
                .map_err(|e| DirectoryError::Invalid(e.to_string()))?;
            let workshop = reader.board.workshop_id.clone();
            let pseudonym = cocreate_core::identity::pseudonym(&workshop, &seat);
            let record = crate::erasure::erase(
                &this.hub,
                &this.consents,
                &workshop,
                &pseudonym,
                Requester::Themself,
            )
            .await?;
            this.audit(
                &workshop,
                format!("the person ({pseudonym})"),
                "withdraw",
                &pseudonym,
                erasure_detail(&record),
            );
            Ok(record)
        })
    }

    fn erase_person(
        &self,
        workshop: String,
        token: Option<String>,
        pseudonym: String,
    ) -> DirFuture<ErasureRecord> {
        let this = self.clone();
        Box::pin(async move {
            let w = this
                .access
                .workshop_facilitator(&workshop, token.as_deref())?;
            let known = this
                .store
                .roster(&w.workshop.id)?
                .iter()
                .any(|m| m.pseudonym == pseudonym)
                || this
                    .store
                    .consents(&w.workshop.id)?
                    .iter()
                    .any(|c| c.pseudonym == pseudonym);
            if !known {
                return Err(DirectoryError::NotFound);
            }
            let actor = this.actor(token.as_deref());
            let record = crate::erasure::erase(
                &this.hub,
                &this.consents,
                &w.workshop.id,
                &pseudonym,
                Requester::Facilitator,
            )
            .await?;
            this.audit(
                &w.workshop.id,
                actor,
                "erase",
                &pseudonym,
                erasure_detail(&record),
            );
            Ok(record)
        })
    }

    fn people(&self, workshop: &str, token: Option<&str>) -> Result<People, DirectoryError> {
        let w = self.access.workshop_facilitator(workshop, token)?;
        let consents = self.store.consents(&w.workshop.id)?;
        let members = self
            .store
            .roster(&w.workshop.id)?
            .into_iter()
            .map(|member| {
                let consent = consents
                    .iter()
                    .filter(|c| c.pseudonym == member.pseudonym && c.withdrawn_ms.is_none())
                    .max_by_key(|c| c.version)
                    .cloned();
                PersonEntry { member, consent }
            })
            .collect();
        Ok(People {
            questions: self.store.questions(&w.workshop.id)?,
            retention: self.store.retention(&w.workshop.id)?,
            notice: self.consents.notice(&w.workshop.id)?,
            members,
            erasures: self.store.erasures(&w.workshop.id)?,
        })
    }

    fn set_retention(
        &self,
        workshop: &str,
        token: Option<&str>,
        retention: Option<Retention>,
    ) -> Result<(), DirectoryError> {
        let w = self.access.workshop_facilitator(workshop, token)?;
        let rule = retention.map(|r| Retention { done_ms: None, ..r });
        self.store.set_retention(&w.workshop.id, rule.as_ref())?;
        self.audit(
            &w.workshop.id,
            self.actor(token),
            "set retention",
            &w.workshop.id,
            rule.map(|r| {
                format!(
                    "{} on {} UTC",
                    r.action.as_str(),
                    iso_utc(r.until_ms as f64)
                )
            })
            .unwrap_or_else(|| "none".into()),
        );
        Ok(())
    }

    fn audit_log(
        &self,
        workshop: &str,
        token: Option<&str>,
    ) -> Result<Vec<AuditEntry>, DirectoryError> {
        let w = self.access.workshop_facilitator(workshop, token)?;
        Ok(self.store.audit(&w.workshop.id)?)
    }

    fn notice(&self, board: &str, token: Option<&str>) -> Result<Notice, DirectoryError> {
        let reader = self.access.board(board, token)?;
        Ok(self.consents.notice(&reader.board.workshop_id)?)
    }

    fn set_notice(
        &self,
        workshop: &str,
        token: Option<&str>,
        plain: &str,
        easy_read: &str,
    ) -> Result<Notice, DirectoryError> {
        let w = self.access.workshop_facilitator(workshop, token)?;
        let (plain, easy_read) = (plain.trim(), easy_read.trim());
        if plain.is_empty() || easy_read.is_empty() {
            return Err(DirectoryError::Invalid(
                "the notice needs both a plain and an easy-read version".into(),
            ));
        }
        if plain.chars().count() > MAX_NOTICE || easy_read.chars().count() > MAX_NOTICE {
            return Err(DirectoryError::Invalid(format!(
                "a notice is at most {MAX_NOTICE} characters"
            )));
        }
        let notice = self.consents.set_notice(&w.workshop.id, plain, easy_read)?;
        tracing::info!(workshop = %w.workshop.id, version = notice.version, "privacy notice set");
        self.audit(
            &w.workshop.id,
            self.actor(token),
            "set privacy notice",
            &format!("version {}", notice.version),
            "",
        );
        Ok(notice)
    }

    fn roster(&self, board: &str, token: Option<&str>) -> Result<Vec<Member>, DirectoryError> {
        let reader = self.access.board(board, token)?;
        let mut roster = self.store.roster(&reader.board.workshop_id)?;
        if reader.role != LinkRole::Facilitator {
            let control = self.hub.join(&DocKey::control(&reader.board.id))?;
            let anonymous = control.read(|d| Control::of(d).read(&d.transact()).anonymous);
            if anonymous {
                return Ok(Vec::new());
            }
            // People's answers to the workshop's questions are for its facilitators.
            for m in &mut roster {
                m.attributes.clear();
            }
        }
        Ok(roster)
    }

    fn ballots_cast(&self, board: &str, token: Option<&str>) -> Result<usize, DirectoryError> {
        let b = self.access.board_facilitator(board, token)?.board;
        Ok(self.hub.ballots_cast(&b.id)?)
    }

    fn hidden_cards(
        &self,
        board: &str,
        token: Option<&str>,
    ) -> Result<Vec<CardView>, DirectoryError> {
        let b = self.access.board_facilitator(board, token)?.board;
        self.store
            .held_cards(&b.id)?
            .into_iter()
            .map(|(id, held)| {
                serde_json::from_str(&held.card).map_err(|e| {
                    DirectoryError::Invalid(format!("held card {id} is unreadable: {e}"))
                })
            })
            .collect()
    }

    fn restore_card(
        &self,
        board: String,
        token: Option<String>,
        snapshot: i64,
        card: String,
    ) -> DirFuture<cocreate_core::model::board::Restored> {
        let this = self.clone();
        Box::pin(async move {
            let b = this
                .access
                .board_facilitator(&board, token.as_deref())?
                .board;
            let (_, data) = this
                .store
                .snapshot(&b.id, snapshot)?
                .ok_or(DirectoryError::NotFound)?;
            let doc = doc_of(&data)?;
            let then = {
                let sb = Board::of(&doc);
                let txn = doc.transact();
                sb.card(&txn, &card).ok_or(DirectoryError::NotFound)?
            };
            let live = this.hub.join(&DocKey::board(&b.id))?;
            let mut restored = cocreate_core::model::board::Restored::AlreadyThere;
            live.change(Board::of, |board, txn| {
                restored = board.restore_card(txn, &then)?;
                Ok::<(), cocreate_core::model::ModelError>(())
            })
            .await?
            .map_err(|e| DirectoryError::Invalid(e.to_string()))?;
            tracing::info!(board = %b.id, card = %card, snapshot, ?restored, "card restored");
            this.audit(
                &b.workshop_id,
                this.actor(token.as_deref()),
                "restore card",
                &card,
                format!("board {} from snapshot {snapshot}", b.id),
            );
            Ok(restored)
        })
    }

    fn board(&self, id: &str, token: Option<&str>) -> Result<BoardAccess, DirectoryError> {
        let reader = self.access.board(id, token)?;
        Ok(BoardAccess {
            board: reader.board,
            role: reader.role,
        })
    }

    fn workshop(&self, id: &str, token: Option<&str>) -> Result<WorkshopAccess, DirectoryError> {
        let member = self.access.workshop(id, token)?;
        Ok(WorkshopAccess {
            workshop: member.workshop,
            role: member.role,
        })
    }

    fn console(&self, workshop: &str, token: Option<&str>) -> Result<Console, DirectoryError> {
        let w = self.access.workshop_facilitator(workshop, token)?.workshop;
        let boards = w
            .boards
            .iter()
            .cloned()
            .map(|b| self.console_board(b))
            .collect::<Result<Vec<_>, _>>()?;
        let plan = self.store.plan(&w.id)?.unwrap_or_default();
        Ok(Console {
            workshop: w,
            boards,
            plan,
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
            let boards = match &scope {
                ControlScope::Workshop(w) => this
                    .access
                    .workshop_facilitator(w, token.as_deref())?
                    .boards(),
                ControlScope::Board(b) => {
                    vec![this.access.board_facilitator(b, token.as_deref())?]
                }
            };
            for b in &boards {
                this.apply_control(b, &patch).await?;
            }
            // Where the facilitator has scrolled to is not a decision: no audit entry for
            // each "follow me" move (starting and ending it are audited).
            if patch.only_moves_follow() {
                return Ok(());
            }
            tracing::info!(?scope, boards = boards.len(), "control changed");
            if let Some(b) = boards.first() {
                let target = match &scope {
                    ControlScope::Workshop(w) => format!("every board of {w}"),
                    ControlScope::Board(b) => b.clone(),
                };
                this.audit(
                    &b.board.workshop_id,
                    this.actor(token.as_deref()),
                    "change control",
                    &target,
                    serde_json::to_string(&patch).unwrap_or_default(),
                );
            }
            Ok(())
        })
    }

    fn snapshots(
        &self,
        board: &str,
        token: Option<&str>,
    ) -> Result<Vec<SnapshotInfo>, DirectoryError> {
        let reader = self.access.board(board, token)?;
        Ok(self.store.snapshots(&reader.board.id)?)
    }

    fn take_snapshot(
        &self,
        board: String,
        token: Option<String>,
        name: String,
    ) -> DirFuture<SnapshotInfo> {
        let this = self.clone();
        Box::pin(async move {
            let f = this.access.board_facilitator(&board, token.as_deref())?;
            let snap = this.take_snapshot_now(&f, &name, "manual").await?;
            this.audit(
                &f.board.workshop_id,
                this.actor(token.as_deref()),
                "take snapshot",
                &f.board.id,
                format!("{} ({})", snap.name, snap.id),
            );
            Ok(snap)
        })
    }

    fn export(
        &self,
        board: &str,
        token: Option<&str>,
        at: Option<i64>,
    ) -> Result<BoardExport, DirectoryError> {
        let reader = self.access.board(board, token)?;
        Ok(self.export_of(&reader, at)?.0)
    }

    fn issue_link(
        &self,
        workshop: &str,
        link: LinkRequest,
        token: Option<&str>,
    ) -> Result<String, DirectoryError> {
        let w = self.access.workshop_facilitator(workshop, token)?;
        if let Some(b) = &link.board {
            w.board(b)?;
        }
        let label: String = link.label.trim().chars().take(MAX_NAME).collect();
        let detail = format!(
            "{} link to {}{}{}",
            link.role.as_str(),
            link.board.as_deref().unwrap_or("the whole workshop"),
            if label.is_empty() {
                String::new()
            } else {
                format!(", labelled {label:?}")
            },
            link.expires_ms
                .map(|e| format!(", expires {} UTC", iso_utc(e as f64)))
                .unwrap_or_default(),
        );
        let new = self.auth.issue(Grant {
            label,
            expires_ms: link.expires_ms,
            ..Grant::new(w.workshop.id.clone(), link.board, link.role)
        })?;
        let id = TokenHash::of(&new).as_str()[..LINK_ID].to_string();
        self.audit(&w.workshop.id, self.actor(token), "issue link", &id, detail);
        Ok(new)
    }

    fn links(&self, workshop: &str, token: Option<&str>) -> Result<Vec<LinkInfo>, DirectoryError> {
        let w = self.access.workshop_facilitator(workshop, token)?;
        let mine = token.map(|t| TokenHash::of(t).as_str().to_string());
        Ok(self
            .auth
            .links_of(&w.workshop.id)?
            .into_iter()
            .map(|l| LinkInfo {
                id: l.token_hash[..LINK_ID].to_string(),
                yours: mine.as_deref() == Some(l.token_hash.as_str()),
                role: l.role,
                board: l.board,
                label: l.label,
                created_ms: l.created_ms,
                last_used_ms: l.last_used_ms,
                expires_ms: l.expires_ms,
            })
            .collect())
    }

    fn revoke_link(
        &self,
        workshop: &str,
        token: Option<&str>,
        id: &str,
    ) -> Result<(), DirectoryError> {
        let hash = self.link_by_id(workshop, token, id)?;
        let actor = self.actor(token);
        self.auth.revoke_hash(&hash)?;
        self.audit(workshop, actor, "revoke link", id, "");
        tracing::info!(workshop, link = id, "link revoked");
        Ok(())
    }

    fn set_link_expiry(
        &self,
        workshop: &str,
        token: Option<&str>,
        id: &str,
        expires_ms: Option<i64>,
    ) -> Result<(), DirectoryError> {
        let hash = self.link_by_id(workshop, token, id)?;
        self.auth.set_expiry(&hash, expires_ms)?;
        self.audit(
            workshop,
            self.actor(token),
            "set link expiry",
            id,
            expires_ms
                .map(|e| format!("{} UTC", iso_utc(e as f64)))
                .unwrap_or_else(|| "never".into()),
        );
        Ok(())
    }
}

/// A catalogue edit in words, for the audit log.
fn edit_detail(edit: &CatalogEdit) -> String {
    let mut parts = Vec::new();
    if let Some(t) = &edit.title {
        parts.push(format!("title {t:?}"));
    }
    match edit.archived {
        Some(true) => parts.push("archived".into()),
        Some(false) => parts.push("taken out of the archive".into()),
        None => {}
    }
    parts.join(", ")
}

/// An erasure's counts, for the audit log.
fn erasure_detail(r: &ErasureRecord) -> String {
    format!(
        "{} cards, votes on {} cards, {} held, {} snapshots, {} copies, {} quotes",
        r.cards, r.votes, r.held, r.snapshots, r.copies, r.draft_items
    )
}

/// Most questions a workshop asks, choices per question, and characters per label,
/// choice and answer.
const MAX_QUESTIONS: usize = 10;
const MAX_CHOICES: usize = 20;
const MAX_LABEL: usize = 120;

/// A workshop's questions, checked: labels needed and unique, ids made from labels when
/// empty, choices trimmed.
fn check_questions(
    questions: Vec<AttributeQuestion>,
) -> Result<Vec<AttributeQuestion>, DirectoryError> {
    let bad = |m: String| Err(DirectoryError::Invalid(m));
    if questions.len() > MAX_QUESTIONS {
        return bad(format!("at most {MAX_QUESTIONS} questions"));
    }
    let mut out: Vec<AttributeQuestion> = Vec::new();
    for q in questions {
        let label = q.label.trim().to_string();
        if label.is_empty() || label.chars().count() > MAX_LABEL {
            return bad(format!(
                "a question needs a label of 1 to {MAX_LABEL} characters"
            ));
        }
        let choices: Vec<String> = q
            .choices
            .iter()
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty())
            .collect();
        if choices.len() > MAX_CHOICES || choices.iter().any(|c| c.chars().count() > MAX_LABEL) {
            return bad(format!(
                "at most {MAX_CHOICES} choices of at most {MAX_LABEL} characters"
            ));
        }
        let id = match q.id.trim() {
            "" => slug(&label),
            id => slug(id),
        };
        if out.iter().any(|o| o.id == id || o.label == label) {
            return bad(format!("the question {label:?} is asked twice"));
        }
        out.push(AttributeQuestion { id, label, choices });
    }
    Ok(out)
}

/// Someone's answers, checked against the workshop's questions: unknown questions and
/// empty answers left out (every question is optional), a choice must be one offered.
fn check_answers(
    questions: &[AttributeQuestion],
    answers: std::collections::BTreeMap<String, String>,
) -> Result<std::collections::BTreeMap<String, String>, DirectoryError> {
    let mut out = std::collections::BTreeMap::new();
    for (id, answer) in answers {
        let Some(q) = questions.iter().find(|q| q.id == id) else {
            continue;
        };
        let answer: String = answer.trim().chars().take(MAX_LABEL).collect();
        if answer.is_empty() {
            continue;
        }
        if !q.choices.is_empty() && !q.choices.contains(&answer) {
            return Err(DirectoryError::Invalid(format!(
                "{:?} is not one of the answers to {:?}",
                answer, q.label
            )));
        }
        out.insert(id, answer);
    }
    Ok(out)
}
