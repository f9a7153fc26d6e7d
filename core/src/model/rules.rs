//! Who may do what on a board, phase by phase: the one rule table. The server enforces it
//! on every update before the update is applied (`sync::keys`), whatever client sent it;
//! the page asks it which buttons to offer, so a person is never offered what the server
//! would refuse. docs/PROTOCOL.md states the same table.
//!
//! Facilitators may do everything in every phase. Observers write nothing (their updates
//! never reach these rules). Participants:
//!
//! | phase  | add, edit, delete own | move cards | themes | vote |
//! |--------|-----------------------|------------|--------|------|
//! | write  | yes                   | yes        | no     | no   |
//! | group  | no                    | yes        | yes    | no   |
//! | vote   | no                    | no         | no     | yes  |
//! | review | no                    | no         | no     | no   |
//!
//! While private writing is on (the control document's `revealed` is false) a
//! participant adds cards only to their own draft document, never to the board; while
//! the tallies are not revealed (`votes_revealed` false), they vote only on their own
//! ballot (the same draft document), never on the board.
//!
//! Whatever the phase, a participant never changes a card's `author`, `role`, `created`,
//! `hidden` or `source`, another person's votes, the board's `meta`, or deletes someone
//! else's card; they add cards and votes only as themselves, and their cards carry no
//! `role` (the server's roster has it).

use super::control::Phase;

/// Something a person does on a board, in the terms of the rule table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Add a card, change the text or colour of a card, or delete one's own card.
    Write,
    /// Move a card: its column, its place, its theme.
    Move,
    /// Add, rename, reorder or dissolve a theme.
    Theme,
    /// Cast or take back one's own dot votes.
    Vote,
}

impl Action {
    fn what(self) -> &'static str {
        match self {
            Action::Write => "Cards are added and edited",
            Action::Move => "Cards are moved",
            Action::Theme => "Themes are changed",
            Action::Vote => "Votes are cast",
        }
    }

    fn phases(self) -> &'static str {
        match self {
            Action::Write => "while writing ideas",
            Action::Move => "while writing ideas or grouping them",
            Action::Theme => "while grouping into themes",
            Action::Vote => "while voting",
        }
    }
}

/// Why a change is refused: sent to its writer as the permission-denied reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Forbidden {
    #[error("{} only {}", .0.what(), .0.phases())]
    Phase(Action),
    #[error("only facilitators change {0}")]
    FacilitatorsOnly(&'static str),
    #[error("a card's {0:?} is set when it is added and never changed")]
    Fixed(String),
    #[error("you can delete only your own cards")]
    NotYours,
    #[error("cards are added as yourself")]
    NotAsYourself,
    #[error("you vote only as yourself")]
    NotYourVote,
    #[error("you react only as yourself, to a card on the board, with agree, important, question or unclear")]
    NotYourReaction,
    #[error("you comment only as yourself, on a card on the board, in 1 to {} characters, and change only your own comments", crate::model::schema::MAX_COMMENT_TEXT)]
    NotYourComment,
    #[error("you have {0} votes on this board")]
    VoteLimit(i64),
    #[error("only facilitators hide cards or add their source")]
    Moderation,
    #[error("while writing privately, new cards go to your own draft until they are revealed")]
    PrivateWriting,
    #[error("votes go on your own ballot until the facilitator reveals them")]
    SecretBallot,
    #[error("cards are hidden through moderation, which takes them off the board")]
    HideThroughModeration,
    #[error("a card carries no role: yours is in the workshop's roster (join the board)")]
    RoleFromRoster,
    #[error("a card's picture is one of the app's symbols, or none")]
    UnknownSymbol,
}

/// Who is writing and what the board is doing: everything the table depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    pub facilitator: bool,
    pub phase: Phase,
}

impl Rules {
    /// Whether `action` is allowed now.
    pub fn allows(self, action: Action) -> Result<(), Forbidden> {
        if self.facilitator {
            return Ok(());
        }
        let ok = matches!(
            (action, self.phase),
            (Action::Write, Phase::Write)
                | (Action::Move, Phase::Write | Phase::Group)
                | (Action::Theme, Phase::Group)
                | (Action::Vote, Phase::Vote)
        );
        if ok {
            Ok(())
        } else {
            Err(Forbidden::Phase(action))
        }
    }

    /// Whether `action` is allowed now (for buttons).
    pub fn may(self, action: Action) -> bool {
        self.allows(action).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn participants_follow_the_phase_table_and_facilitators_do_anything() {
        let table = [
            (Phase::Write, [true, true, false, false]),
            (Phase::Group, [false, true, true, false]),
            (Phase::Vote, [false, false, false, true]),
            (Phase::Review, [false, false, false, false]),
        ];
        let actions = [Action::Write, Action::Move, Action::Theme, Action::Vote];
        for (phase, expected) in table {
            let p = Rules {
                facilitator: false,
                phase,
            };
            let f = Rules {
                facilitator: true,
                phase,
            };
            for (action, ok) in actions.into_iter().zip(expected) {
                assert_eq!(p.may(action), ok, "{action:?} in {phase:?}");
                assert!(f.may(action));
            }
        }
        assert_eq!(
            Rules {
                facilitator: false,
                phase: Phase::Vote
            }
            .allows(Action::Write)
            .unwrap_err()
            .to_string(),
            "Cards are added and edited only while writing ideas"
        );
    }
}
