//! Capabilities: a token becomes a typed proof of what its holder may do, checked once.
//!
//! Every route, server function and websocket upgrade asks [`Access`] for the capability
//! it needs; code that acts on a board, a workshop or a round takes that capability as a
//! parameter. A capability can only be made here (each has a private field), so nothing
//! that needs one can be reached without the check, whatever calls it.
//!
//! | capability | who holds it |
//! |---|---|
//! | [`BoardReader`] | any live link covering the board (its role says whether it may write, and when: see `hub::session::Gate`), or an organiser link |
//! | [`BoardFacilitator`] | a facilitator link covering the board (to the board, or to its whole workshop), or an organiser link |
//! | [`WorkshopMember`] | a link to a whole workshop, any role, or an organiser link |
//! | [`WorkshopFacilitator`] | a facilitator link to a whole workshop, or an organiser link |
//! | [`Organiser`] | an organiser link only (`cocreate admin init`, or the demo's): the organising team, who create workshops and read every board for synthesis; a workshop's facilitators reach their own workshop and nothing else |
//! | [`RoundAccess`] | a round's respondents' token, or a facilitator of its workshop |
//! | [`RoundFacilitator`] | a facilitator of the round's workshop |
//! | [`CodingAccess`] | a workshop's analysis: an analyst's own link ([`AnalystOf`]), or a facilitator of the whole workshop (the lead) |
//! | [`DelphiAccess`] | a Delphi study: a respondent's own link, or a facilitator of its whole workshop |
//! | [`CardReader`] | the cards of a workshop's boards, for its analysis (either of the above) |

use cocreate_core::analysis::AnalystInfo;
use cocreate_core::catalog::{BoardSummary, LinkRole, WorkshopSummary};
use cocreate_core::consult::Consultation;

use crate::auth::{Auth, AuthError, TokenHash};
use crate::store::{Store, StoreError};

/// Why a token does not give what was asked.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    #[error("{0} not found")]
    NotFound(String),
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error("respondents answer the draft; only facilitators see results or change it")]
    Respondent,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Seals every capability: only this module can make one.
#[derive(Debug, Clone)]
struct Sealed;

/// A live link covering one board.
#[derive(Debug, Clone)]
pub struct BoardReader {
    pub board: BoardSummary,
    pub role: LinkRole,
    /// The link, to check it is still live on every websocket message.
    pub token: TokenHash,
    _sealed: Sealed,
}

/// A facilitator of one board.
#[derive(Debug, Clone)]
pub struct BoardFacilitator {
    pub board: BoardSummary,
    _sealed: Sealed,
}

/// A link to a whole workshop, of any role.
#[derive(Debug, Clone)]
pub struct WorkshopMember {
    pub workshop: WorkshopSummary,
    pub role: LinkRole,
    _sealed: Sealed,
}

/// A facilitator of a whole workshop.
#[derive(Debug, Clone)]
pub struct WorkshopFacilitator {
    pub workshop: WorkshopSummary,
    _sealed: Sealed,
}

/// Any board, read by the organising team as a synthesis source.
#[derive(Debug, Clone)]
pub struct SourceReader {
    pub board: BoardSummary,
    _sealed: Sealed,
}

/// What may read a board's content (live or at a snapshot): readers, facilitators, and
/// the organising team reading a synthesis source.
pub trait ReadsBoard {
    fn readable(&self) -> &BoardSummary;
}

impl ReadsBoard for BoardReader {
    fn readable(&self) -> &BoardSummary {
        &self.board
    }
}

impl ReadsBoard for BoardFacilitator {
    fn readable(&self) -> &BoardSummary {
        &self.board
    }
}

impl ReadsBoard for SourceReader {
    fn readable(&self) -> &BoardSummary {
        &self.board
    }
}

/// The organising team (a facilitator of any whole workshop).
///
/// ```compile_fail
/// // Outside this module a capability cannot be made, only asked for.
/// let team = server::access::Organiser { _sealed: unreachable!() };
/// ```
#[derive(Debug, Clone)]
pub struct Organiser {
    _sealed: Sealed,
}

/// Who is asking about a Delphi study.
#[derive(Debug, Clone)]
pub enum DelphiAccess {
    /// A respondent, by their own link: the study and their code.
    Respondent(cocreate_core::delphi::Study, String),
    /// A facilitator of the study's whole workshop.
    Lead(cocreate_core::delphi::Study, WorkshopFacilitator),
}

/// Who is asking about a round.
#[derive(Debug, Clone)]
pub enum RoundAccess {
    Respondent(Consultation),
    Facilitator(RoundFacilitator),
}

/// A facilitator of a round's workshop.
#[derive(Debug, Clone)]
pub struct RoundFacilitator {
    pub round: Consultation,
    _sealed: Sealed,
}

/// One analyst of a workshop, by their own link.
#[derive(Debug, Clone)]
pub struct AnalystOf {
    pub workshop: WorkshopSummary,
    pub analyst: AnalystInfo,
    _sealed: Sealed,
}

/// Who is asking about a workshop's analysis.
#[derive(Debug, Clone)]
pub enum CodingAccess {
    Analyst(AnalystOf),
    Lead(WorkshopFacilitator),
}

/// One board of a workshop, read for its analysis.
#[derive(Debug, Clone)]
pub struct CardReader {
    pub board: BoardSummary,
    _sealed: Sealed,
}

impl ReadsBoard for CardReader {
    fn readable(&self) -> &BoardSummary {
        &self.board
    }
}

impl CodingAccess {
    pub fn workshop(&self) -> &WorkshopSummary {
        match self {
            CodingAccess::Analyst(a) => &a.workshop,
            CodingAccess::Lead(f) => &f.workshop,
        }
    }

    /// Everyone in the analysis reads the workshop's boards (live).
    pub fn boards(&self) -> Vec<CardReader> {
        self.workshop()
            .boards
            .iter()
            .map(|b| CardReader {
                board: b.clone(),
                _sealed: Sealed,
            })
            .collect()
    }
}

impl RoundAccess {
    pub fn round(&self) -> &Consultation {
        match self {
            RoundAccess::Respondent(c) => c,
            RoundAccess::Facilitator(f) => &f.round,
        }
    }
}

impl WorkshopFacilitator {
    /// A facilitator of a workshop facilitates each of its boards.
    pub fn boards(&self) -> Vec<BoardFacilitator> {
        self.workshop
            .boards
            .iter()
            .map(|b| BoardFacilitator {
                board: b.clone(),
                _sealed: Sealed,
            })
            .collect()
    }

    /// One board of this workshop, as its facilitator.
    pub fn board(&self, board: &str) -> Result<BoardFacilitator, AccessError> {
        self.workshop
            .boards
            .iter()
            .find(|b| b.id == board)
            .map(|b| BoardFacilitator {
                board: b.clone(),
                _sealed: Sealed,
            })
            .ok_or_else(|| AccessError::NotFound(format!("board {board}")))
    }
}

impl BoardFacilitator {
    /// A facilitator reads the board too.
    pub fn reader(&self, token: TokenHash) -> BoardReader {
        BoardReader {
            board: self.board.clone(),
            role: LinkRole::Facilitator,
            token,
            _sealed: Sealed,
        }
    }
}

/// Board ids are short slugs: letters, digits, `-` and `_`.
pub fn valid_board_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Turns tokens into capabilities. Cheap to clone.
#[derive(Clone)]
pub struct Access {
    store: Store,
    auth: Auth,
}

impl Access {
    pub fn new(store: Store, auth: Auth) -> Access {
        Access { store, auth }
    }

    fn summary(&self, board: &str) -> Result<BoardSummary, AccessError> {
        let not_found = || AccessError::NotFound(format!("board {board}"));
        if !valid_board_id(board) {
            return Err(not_found());
        }
        self.store.board_summary(board)?.ok_or_else(not_found)
    }

    fn workshop_summary(&self, workshop: &str) -> Result<WorkshopSummary, AccessError> {
        self.store
            .workshop(workshop)?
            .ok_or_else(|| AccessError::NotFound(format!("workshop {workshop}")))
    }

    /// The board read with `token`. The token is checked first, so that without a valid
    /// link every board id answers alike (401); with one, an unknown board is `NotFound`.
    pub fn board(&self, board: &str, token: Option<&str>) -> Result<BoardReader, AccessError> {
        let (token, grant) = self.auth.grant(token)?;
        let board = self.summary(board)?;
        if !grant.covers(&board) {
            return Err(AuthError::WrongScope.into());
        }
        Ok(BoardReader {
            board,
            role: grant.role,
            token,
            _sealed: Sealed,
        })
    }

    /// The board, if `token` is a facilitator's for it.
    pub fn board_facilitator(
        &self,
        board: &str,
        token: Option<&str>,
    ) -> Result<BoardFacilitator, AccessError> {
        let reader = self.board(board, token)?;
        if reader.role != LinkRole::Facilitator {
            return Err(AuthError::NotFacilitator.into());
        }
        Ok(BoardFacilitator {
            board: reader.board,
            _sealed: Sealed,
        })
    }

    /// The workshop a whole-workshop link opens.
    pub fn workshop(
        &self,
        workshop: &str,
        token: Option<&str>,
    ) -> Result<WorkshopMember, AccessError> {
        let (_, grant) = self.auth.grant(token)?;
        let workshop = self.workshop_summary(workshop)?;
        if !grant.organises() && (grant.workshop != workshop.id || grant.board.is_some()) {
            return Err(AuthError::WrongScope.into());
        }
        Ok(WorkshopMember {
            workshop,
            role: grant.role,
            _sealed: Sealed,
        })
    }

    /// The workshop, if `token` is a facilitator link to the whole of it.
    pub fn workshop_facilitator(
        &self,
        workshop: &str,
        token: Option<&str>,
    ) -> Result<WorkshopFacilitator, AccessError> {
        let (_, grant) = self.auth.grant(token)?;
        let workshop = self.workshop_summary(workshop)?;
        grant.facilitates(&workshop.id)?;
        Ok(WorkshopFacilitator {
            workshop,
            _sealed: Sealed,
        })
    }

    /// The organising team.
    pub fn organiser(&self, token: Option<&str>) -> Result<Organiser, AccessError> {
        let (_, grant) = self.auth.grant(token)?;
        if !grant.organises() {
            return Err(AuthError::NotOrganiser.into());
        }
        Ok(Organiser { _sealed: Sealed })
    }

    /// Any board, read by the organising team (as a synthesis source).
    pub fn source_board(
        &self,
        _team: &Organiser,
        board: &str,
    ) -> Result<SourceReader, AccessError> {
        Ok(SourceReader {
            board: self.summary(board)?,
            _sealed: Sealed,
        })
    }

    /// A board and its whole workshop, if `token` is a facilitator link to that workshop
    /// (what synthesis and publishing need: a board-only link is not enough).
    pub fn board_in_facilitated_workshop(
        &self,
        board: &str,
        token: Option<&str>,
    ) -> Result<(WorkshopFacilitator, BoardFacilitator), AccessError> {
        let summary = self.summary(board)?;
        let workshop = self.workshop_facilitator(&summary.workshop_id, token)?;
        let board = workshop.board(&summary.id)?;
        Ok((workshop, board))
    }

    /// A round, as its respondent or a facilitator of its workshop. A respondents' token
    /// is checked only here, against the round's own stored hash: it is never a link.
    pub fn round(&self, id: &str, token: Option<&str>) -> Result<RoundAccess, AccessError> {
        let (round, hash) = self
            .store
            .consultation(id)?
            .ok_or_else(|| AccessError::NotFound(format!("round {id}")))?;
        let token = token.filter(|t| !t.is_empty()).ok_or(AuthError::Missing)?;
        if TokenHash::of(token).as_str() == hash {
            return Ok(RoundAccess::Respondent(round));
        }
        let (_, grant) = self.auth.grant(Some(token))?;
        grant.facilitates(&round.workshop_id)?;
        Ok(RoundAccess::Facilitator(RoundFacilitator {
            round,
            _sealed: Sealed,
        }))
    }

    /// A workshop's analysis, as one of its analysts (their own link, checked only here
    /// against the stored hash: it is never a link) or its lead (a facilitator link to
    /// the whole workshop).
    pub fn coding(&self, workshop: &str, token: Option<&str>) -> Result<CodingAccess, AccessError> {
        let token = token.filter(|t| !t.is_empty()).ok_or(AuthError::Missing)?;
        if let Some(a) = self.store.analyst_by_token(TokenHash::of(token).as_str())? {
            if a.workshop != workshop {
                return Err(AuthError::WrongScope.into());
            }
            return Ok(CodingAccess::Analyst(AnalystOf {
                workshop: self.workshop_summary(workshop)?,
                analyst: a.info,
                _sealed: Sealed,
            }));
        }
        Ok(CodingAccess::Lead(
            self.workshop_facilitator(workshop, Some(token))?,
        ))
    }

    /// A Delphi study, as one of its respondents (their own link, checked only here
    /// against the stored hash) or a facilitator of its whole workshop.
    pub fn delphi(&self, id: &str, token: Option<&str>) -> Result<DelphiAccess, AccessError> {
        let study = self
            .store
            .study(id)?
            .ok_or_else(|| AccessError::NotFound(format!("study {id}")))?;
        let token = token.filter(|t| !t.is_empty()).ok_or(AuthError::Missing)?;
        if let Some((of, code)) = self
            .store
            .respondent_by_token(TokenHash::of(token).as_str())?
        {
            if of != study.id {
                return Err(AuthError::WrongScope.into());
            }
            return Ok(DelphiAccess::Respondent(study, code));
        }
        let lead = self.workshop_facilitator(&study.workshop_id, Some(token))?;
        Ok(DelphiAccess::Lead(study, lead))
    }

    /// A round, if `token` is a facilitator's of its workshop.
    pub fn round_facilitator(
        &self,
        id: &str,
        token: Option<&str>,
    ) -> Result<RoundFacilitator, AccessError> {
        match self.round(id, token)? {
            RoundAccess::Facilitator(f) => Ok(f),
            RoundAccess::Respondent(_) => Err(AccessError::Respondent),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Grant;
    use cocreate_core::consult::RoundKind;

    struct World {
        access: Access,
        _dir: tempfile::TempDir,
    }

    fn world() -> World {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("a.db")).unwrap();
        for w in ["w", "v"] {
            store.create_workshop(w, w, "MSK", "2026-12-01").unwrap();
            for b in ["1", "2"] {
                store
                    .create_board(&format!("{w}{b}"), w, "Board", "Consultancy", &[0, 0])
                    .unwrap();
            }
        }
        let auth = Auth::load(store.clone()).unwrap();
        World {
            access: Access::new(store, auth),
            _dir: dir,
        }
    }

    fn link(w: &World, board: Option<&str>, role: LinkRole) -> String {
        w.access
            .auth
            .issue(Grant::new("w", board.map(str::to_string), role))
            .unwrap()
    }

    #[test]
    fn each_link_gives_exactly_its_capabilities() {
        let w = world();
        let a = &w.access;
        let participant = link(&w, None, LinkRole::Participant);
        let p = Some(participant.as_str());
        assert_eq!(a.board("w1", p).unwrap().role, LinkRole::Participant);
        assert_eq!(a.workshop("w", p).unwrap().role, LinkRole::Participant);
        assert!(matches!(
            a.board_facilitator("w1", p),
            Err(AccessError::Auth(AuthError::NotFacilitator))
        ));
        assert!(a.workshop_facilitator("w", p).is_err());
        assert!(a.organiser(p).is_err());
        // Another workshop's board is out of scope; an unknown board is not found.
        assert!(matches!(
            a.board("v1", p),
            Err(AccessError::Auth(AuthError::WrongScope))
        ));
        assert!(matches!(a.board("nope", p), Err(AccessError::NotFound(_))));
        assert!(matches!(a.board("../x", p), Err(AccessError::NotFound(_))));
        // Without a valid token, known and unknown boards answer alike.
        for board in ["w1", "nope"] {
            assert!(matches!(
                a.board(board, Some("forged")),
                Err(AccessError::Auth(AuthError::Invalid))
            ));
            assert!(matches!(
                a.workshop_facilitator(board, None),
                Err(AccessError::Auth(AuthError::Missing))
            ));
        }
        // The refusal of a valid link names nothing of the other workshop.
        let other = a.board("v1", p).unwrap_err().to_string();
        assert_eq!(other, "this link does not open that");

        // A facilitator of one board facilitates that board only, not the workshop.
        let one = link(&w, Some("w2"), LinkRole::Facilitator);
        let one = Some(one.as_str());
        assert!(a.board_facilitator("w2", one).is_ok());
        assert!(a.board("w1", one).is_err());
        assert!(a.workshop("w", one).is_err());
        assert!(a.workshop_facilitator("w", one).is_err());
        assert!(a.board_in_facilitated_workshop("w2", one).is_err());

        // A facilitator of the workshop facilitates each of its boards.
        let all = link(&w, None, LinkRole::Facilitator);
        let all = Some(all.as_str());
        let f = a.workshop_facilitator("w", all).unwrap();
        let ids: Vec<String> = f.boards().into_iter().map(|b| b.board.id).collect();
        assert_eq!(ids, vec!["w1".to_string(), "w2".to_string()]);
        assert!(f.board("v1").is_err());
        // ...and nothing of another workshop: it is not the organising team.
        assert!(a.organiser(all).is_err());
        assert!(a.workshop_facilitator("v", all).is_err());
        assert!(a.board("v1", all).is_err());

        // An organiser link facilitates every workshop and reads every board.
        let org = a.auth.issue_organiser("the team").unwrap();
        let org = Some(org.as_str());
        let team = a.organiser(org).unwrap();
        assert_eq!(a.source_board(&team, "v2").unwrap().board.id, "v2");
        assert!(a.workshop_facilitator("v", org).is_ok());
        assert_eq!(a.workshop("w", org).unwrap().role, LinkRole::Facilitator);
        assert!(a.board_facilitator("v1", org).is_ok());
        // It is kept: a fresh Auth over the same store knows it.
        let again = Access::new(a.store.clone(), Auth::load(a.store.clone()).unwrap());
        assert!(again.organiser(org).is_ok());

        // No token, a made-up one, a revoked one.
        assert!(matches!(
            a.board("w1", None),
            Err(AccessError::Auth(AuthError::Missing))
        ));
        assert!(matches!(
            a.board("w1", Some("forged")),
            Err(AccessError::Auth(AuthError::Invalid))
        ));
        a.auth.revoke(&participant).unwrap();
        assert!(matches!(
            a.board("w1", Some(&participant)),
            Err(AccessError::Auth(AuthError::Invalid))
        ));
    }

    #[test]
    fn a_respondents_token_opens_its_round_and_nothing_else() {
        let w = world();
        let a = &w.access;
        let round = Consultation {
            id: "r".into(),
            workshop_id: "w".into(),
            board_id: "w1".into(),
            title: "Draft".into(),
            kind: RoundKind::Consultation,
            open: true,
            created_ms: 0,
            snapshot: None,
            items: vec![],
        };
        let respondent = crate::auth::new_token();
        a.store
            .create_consultation(&round, TokenHash::of(&respondent).as_str())
            .unwrap();
        let r = Some(respondent.as_str());
        assert!(matches!(a.round("r", r), Ok(RoundAccess::Respondent(_))));
        assert!(matches!(
            a.round_facilitator("r", r),
            Err(AccessError::Respondent)
        ));
        assert!(a.board("w1", r).is_err());
        assert!(matches!(a.round("nope", r), Err(AccessError::NotFound(_))));
        let f = link(&w, None, LinkRole::Facilitator);
        assert_eq!(a.round_facilitator("r", Some(&f)).unwrap().round.id, "r");
    }
}
