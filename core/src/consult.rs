//! Consultation on a published draft, and the engagement group's agreement round.
//!
//! A draft is frozen when it is published: the themes of a board (each with its cards as
//! statements) and the cards not in a theme become the items people respond to. Plain data
//! and pure functions (drafting, tallies, the responses CSV), shared by server and pages.

use serde::{Deserialize, Serialize};

use crate::model::export::BoardExport;
use crate::model::report::{csv_document_with, iso_utc};
use crate::model::Prompt;

/// What kind of round a published draft is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RoundKind {
    /// Professional bodies read, agree or disagree, and comment.
    Consultation,
    /// The engagement group agrees the draft; a decision is recorded per item.
    Agreement,
}

impl RoundKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RoundKind::Consultation => "consultation",
            RoundKind::Agreement => "agreement",
        }
    }

    pub fn parse(s: &str) -> Option<RoundKind> {
        [RoundKind::Consultation, RoundKind::Agreement]
            .into_iter()
            .find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            RoundKind::Consultation => "Consultation",
            RoundKind::Agreement => "Agreement round",
        }
    }
}

/// One thing people respond to: a theme with its statements, or a statement on its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftItem {
    /// Stable within the draft: `theme:{id}` or `card:{id}`.
    pub id: String,
    /// "theme" or "statement".
    pub kind: String,
    /// Prompt key.
    pub prompt: String,
    /// The theme title or the statement.
    pub text: String,
    /// A theme's statements (its visible cards).
    #[serde(default)]
    pub statements: Vec<String>,
}

/// The items of a draft made from a board: per prompt, each theme (with its visible
/// cards as statements; empty themes left out), then each visible card not in a theme.
pub fn draft_from(board: &BoardExport) -> Vec<DraftItem> {
    let mut items = Vec::new();
    for p in Prompt::ALL {
        for (theme, cards) in board.grouped(p.as_str()) {
            match theme {
                Some(t) if !cards.is_empty() => items.push(DraftItem {
                    id: format!("theme:{}", t.id),
                    kind: "theme".into(),
                    prompt: p.as_str().into(),
                    text: t.title.clone(),
                    statements: cards.iter().map(|c| c.text.clone()).collect(),
                }),
                Some(_) => {}
                None => items.extend(cards.iter().filter(|c| !c.text.trim().is_empty()).map(|c| {
                    DraftItem {
                        id: format!("card:{}", c.id),
                        kind: "statement".into(),
                        prompt: p.as_str().into(),
                        text: c.text.clone(),
                        statements: Vec::new(),
                    }
                })),
            }
        }
    }
    items
}

/// A respondent's position on one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stance {
    Agree,
    Disagree,
    Unsure,
}

impl Stance {
    pub const ALL: [Stance; 3] = [Stance::Agree, Stance::Disagree, Stance::Unsure];

    pub fn as_str(self) -> &'static str {
        match self {
            Stance::Agree => "agree",
            Stance::Disagree => "disagree",
            Stance::Unsure => "unsure",
        }
    }

    pub fn parse(s: &str) -> Option<Stance> {
        Stance::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Stance::Agree => "Agree",
            Stance::Disagree => "Disagree",
            Stance::Unsure => "Not sure",
        }
    }
}

/// The engagement group's decision on one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    Agreed,
    Amended,
    #[serde(rename = "not-agreed")]
    NotAgreed,
}

impl Decision {
    pub const ALL: [Decision; 3] = [Decision::Agreed, Decision::Amended, Decision::NotAgreed];

    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Agreed => "agreed",
            Decision::Amended => "amended",
            Decision::NotAgreed => "not-agreed",
        }
    }

    pub fn parse(s: &str) -> Option<Decision> {
        Decision::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Decision::Agreed => "Agreed",
            Decision::Amended => "Agreed with changes",
            Decision::NotAgreed => "Not agreed",
        }
    }
}

/// A published draft as everyone sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Consultation {
    pub id: String,
    pub workshop_id: String,
    pub board_id: String,
    pub title: String,
    pub kind: RoundKind,
    /// Accepting responses.
    pub open: bool,
    pub created_ms: i64,
    /// Snapshot the draft was made from (`None`: the live board when published).
    pub snapshot: Option<i64>,
    pub items: Vec<DraftItem>,
}

/// A new draft to publish from a board (live or a snapshot).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewConsultation {
    pub title: String,
    pub kind: RoundKind,
    #[serde(default)]
    pub at: Option<i64>,
}

/// A draft just published, with the respondents' link token (shown once).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Published {
    pub consultation: Consultation,
    pub token: String,
}

/// One answer in a response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    pub item: String,
    pub stance: Option<Stance>,
    #[serde(default)]
    pub comment: String,
}

/// What a respondent sends: who they are and their answers (later answers replace earlier
/// ones for the same respondent and item).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Response {
    /// Random id the respondent's browser keeps, so they can revise their answers.
    pub respondent: String,
    pub name: String,
    /// Professional body or group.
    #[serde(default)]
    pub organisation: String,
    pub answers: Vec<Answer>,
    /// The secret the server gave this respondent with their first answer; needed to
    /// change or read their answers later (the round's token is shared by everyone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// Longest comment, in characters.
pub const MAX_COMMENT: usize = 2_000;
/// Longest name or organisation, in characters.
pub const MAX_NAME: usize = 120;

/// Why a response is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResponseError {
    #[error("please give your name (1 to {MAX_NAME} characters)")]
    Name,
    #[error("the organisation is longer than {MAX_NAME} characters")]
    Organisation,
    #[error("the respondent id must be 8 to 64 letters, digits or dashes")]
    Respondent,
    #[error("there is no item {0} in this draft")]
    NoSuchItem(String),
    #[error("a comment is longer than {MAX_COMMENT} characters")]
    Comment,
    #[error("give a view or a comment on at least one item")]
    Empty,
}

impl Response {
    /// Check a response against its draft; returns it trimmed, answers with neither a
    /// stance nor a comment dropped.
    pub fn checked(&self, items: &[DraftItem]) -> Result<Response, ResponseError> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > MAX_NAME {
            return Err(ResponseError::Name);
        }
        let organisation = self.organisation.trim();
        if organisation.chars().count() > MAX_NAME {
            return Err(ResponseError::Organisation);
        }
        let r = &self.respondent;
        if !(8..=64).contains(&r.len()) || !r.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(ResponseError::Respondent);
        }
        let mut answers = Vec::new();
        for a in &self.answers {
            if !items.iter().any(|i| i.id == a.item) {
                return Err(ResponseError::NoSuchItem(a.item.clone()));
            }
            let comment = a.comment.trim();
            if comment.chars().count() > MAX_COMMENT {
                return Err(ResponseError::Comment);
            }
            if a.stance.is_some() || !comment.is_empty() {
                answers.push(Answer {
                    item: a.item.clone(),
                    stance: a.stance,
                    comment: comment.to_string(),
                });
            }
        }
        if answers.is_empty() {
            return Err(ResponseError::Empty);
        }
        Ok(Response {
            respondent: r.clone(),
            name: name.to_string(),
            organisation: organisation.to_string(),
            answers,
            secret: self.secret.clone(),
        })
    }
}

/// Longest reply, in characters.
pub const MAX_REPLY: usize = 2_000;
/// Most replies one round's discussion takes (a flood stops there).
pub const MAX_REPLIES: usize = 5_000;

/// A reply in the discussion under one item of a round: a respondent's (with the name and
/// organisation they gave) or a facilitator's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    pub id: String,
    pub item: String,
    /// The respondent's id; never sent to other respondents (`None` for a facilitator's
    /// reply, and in what respondents read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub respondent: Option<String>,
    pub name: String,
    pub organisation: String,
    pub text: String,
    pub created_ms: i64,
    /// Hidden by a facilitator: kept, shown only to facilitators.
    #[serde(default)]
    pub hidden: bool,
    /// Written by a facilitator of the round's workshop.
    #[serde(default)]
    pub facilitator: bool,
}

/// A reply as sent: a respondent's carries who they are (as a response does); a
/// facilitator's only the item and text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewReply {
    pub item: String,
    pub text: String,
    #[serde(default)]
    pub respondent: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub organisation: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// Why a reply is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplyError {
    #[error("there is no item {0} in this draft")]
    NoSuchItem(String),
    #[error("a reply needs some text (at most {MAX_REPLY} characters)")]
    Text,
    #[error(transparent)]
    Who(#[from] ResponseError),
}

impl NewReply {
    /// Checks the item and the text (trimmed); for a respondent also who they say they
    /// are, as [`Response::checked`] does.
    pub fn checked(&self, items: &[DraftItem], respondent: bool) -> Result<NewReply, ReplyError> {
        if !items.iter().any(|i| i.id == self.item) {
            return Err(ReplyError::NoSuchItem(self.item.clone()));
        }
        let text = self.text.trim();
        if text.is_empty() || text.chars().count() > MAX_REPLY {
            return Err(ReplyError::Text);
        }
        let mut out = NewReply {
            text: text.to_string(),
            ..self.clone()
        };
        if respondent {
            // The same checks as a response's, through one: a response of this reply.
            let who = Response {
                respondent: self.respondent.clone(),
                name: self.name.clone(),
                organisation: self.organisation.clone(),
                answers: vec![Answer {
                    item: self.item.clone(),
                    stance: None,
                    comment: text.to_string(),
                }],
                secret: self.secret.clone(),
            }
            .checked(items)?;
            out.name = who.name;
            out.organisation = who.organisation;
        }
        Ok(out)
    }
}

/// A stored answer with who gave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredAnswer {
    pub item: String,
    pub respondent: String,
    pub name: String,
    pub organisation: String,
    pub stance: Option<Stance>,
    pub comment: String,
    pub updated_ms: i64,
}

/// A recorded decision of the agreement round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub item: String,
    pub decision: Decision,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub decided_ms: i64,
}

/// One item's tallies, comments and decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemResult {
    pub item: DraftItem,
    pub agree: usize,
    pub disagree: usize,
    pub unsure: usize,
    /// Answers with a comment, oldest first.
    pub comments: Vec<StoredAnswer>,
    pub outcome: Option<Outcome>,
    /// The discussion under the item, oldest first (hidden ones marked).
    #[serde(default)]
    pub replies: Vec<Reply>,
}

/// The results of a round (facilitators).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Results {
    pub consultation: Consultation,
    /// People who answered at least one item.
    pub respondents: usize,
    pub items: Vec<ItemResult>,
}

impl Results {
    /// Tally `answers` against the draft.
    pub fn tally(
        consultation: Consultation,
        answers: &[StoredAnswer],
        outcomes: &[Outcome],
        replies: &[Reply],
    ) -> Results {
        let respondents = answers
            .iter()
            .map(|a| a.respondent.as_str())
            .collect::<std::collections::HashSet<_>>()
            .len();
        let items = consultation
            .items
            .iter()
            .map(|item| {
                let mine: Vec<&StoredAnswer> =
                    answers.iter().filter(|a| a.item == item.id).collect();
                let n = |s: Stance| mine.iter().filter(|a| a.stance == Some(s)).count();
                let mut comments: Vec<StoredAnswer> = mine
                    .iter()
                    .filter(|a| !a.comment.is_empty())
                    .map(|a| (*a).clone())
                    .collect();
                comments.sort_by(|a, b| {
                    (a.updated_ms, &a.respondent).cmp(&(b.updated_ms, &b.respondent))
                });
                ItemResult {
                    agree: n(Stance::Agree),
                    disagree: n(Stance::Disagree),
                    unsure: n(Stance::Unsure),
                    comments,
                    outcome: outcomes.iter().find(|o| o.item == item.id).cloned(),
                    replies: {
                        let mut mine: Vec<Reply> = replies
                            .iter()
                            .filter(|r| r.item == item.id)
                            .cloned()
                            .collect();
                        mine.sort_by(|a, b| (a.created_ms, &a.id).cmp(&(b.created_ms, &b.id)));
                        mine
                    },
                    item: item.clone(),
                }
            })
            .collect();
        Results {
            consultation,
            respondents,
            items,
        }
    }
}

/// Header of the responses CSV.
pub const RESPONSES_CSV_HEADER: [&str; 11] = [
    "consultation",
    "item_id",
    "item_kind",
    "prompt",
    "item",
    "respondent",
    "name",
    "organisation",
    "stance",
    "comment",
    "answered (UTC)",
];

/// The responses CSV: one row per answer and nothing else (a dataset an analyst loads
/// as it is), item by item, oldest answer first. Same CSV rules as board exports (BOM,
/// CRLF, quoted, formulas defused). Tallies and decisions are in [`summary_csv`].
pub fn responses_csv(results: &Results, answers: &[StoredAnswer]) -> String {
    let mut rows: Vec<Vec<String>> = Vec::new();
    for r in &results.items {
        let mut mine: Vec<&StoredAnswer> = answers.iter().filter(|a| a.item == r.item.id).collect();
        mine.sort_by(|a, b| (a.updated_ms, &a.respondent).cmp(&(b.updated_ms, &b.respondent)));
        for a in mine {
            rows.push(vec![
                results.consultation.title.clone(),
                r.item.id.clone(),
                r.item.kind.clone(),
                r.item.prompt.clone(),
                r.item.text.clone(),
                a.respondent.clone(),
                a.name.clone(),
                a.organisation.clone(),
                a.stance.map(|s| s.as_str().to_string()).unwrap_or_default(),
                a.comment.clone(),
                iso_utc(a.updated_ms as f64),
            ]);
        }
    }
    csv_document_with(&RESPONSES_CSV_HEADER, rows)
}

/// Header of the replies CSV.
pub const REPLIES_CSV_HEADER: [&str; 10] = [
    "consultation",
    "item_id",
    "item",
    "reply_id",
    "name",
    "organisation",
    "facilitator",
    "reply",
    "hidden",
    "written (UTC)",
];

/// The replies CSV: the discussion under every item, one row a reply, item by item,
/// oldest first; hidden replies kept and marked (the record of the discussion).
pub fn replies_csv(results: &Results) -> String {
    let rows = results
        .items
        .iter()
        .flat_map(|r| {
            r.replies.iter().map(|x| {
                vec![
                    results.consultation.title.clone(),
                    r.item.id.clone(),
                    r.item.text.clone(),
                    x.id.clone(),
                    x.name.clone(),
                    x.organisation.clone(),
                    if x.facilitator { "yes" } else { "" }.to_string(),
                    x.text.clone(),
                    if x.hidden { "yes" } else { "" }.to_string(),
                    iso_utc(x.created_ms as f64),
                ]
            })
        })
        .collect();
    csv_document_with(&REPLIES_CSV_HEADER, rows)
}

/// Header of the summary CSV.
pub const SUMMARY_CSV_HEADER: [&str; 11] = [
    "consultation",
    "item_id",
    "item_kind",
    "prompt",
    "item",
    "agree",
    "disagree",
    "not_sure",
    "decision",
    "note",
    "decided (UTC)",
];

/// The summary CSV: one row per item with its tally and, in an agreement round, the
/// decision recorded (empty while undecided).
pub fn summary_csv(results: &Results) -> String {
    let rows = results
        .items
        .iter()
        .map(|r| {
            let o = r.outcome.as_ref();
            vec![
                results.consultation.title.clone(),
                r.item.id.clone(),
                r.item.kind.clone(),
                r.item.prompt.clone(),
                r.item.text.clone(),
                r.agree.to_string(),
                r.disagree.to_string(),
                r.unsure.to_string(),
                o.map(|o| o.decision.as_str().to_string())
                    .unwrap_or_default(),
                o.map(|o| o.note.clone()).unwrap_or_default(),
                o.map(|o| iso_utc(o.decided_ms as f64)).unwrap_or_default(),
            ]
        })
        .collect();
    csv_document_with(&SUMMARY_CSV_HEADER, rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::board::Board;
    use crate::model::export::ExportContext;
    use crate::model::{new_doc, Role};
    use yrs::Transact;

    fn board() -> BoardExport {
        let doc = new_doc();
        let b = Board::of(&doc);
        {
            let mut txn = doc.transact_mut();
            b.init_meta(&mut txn, "Synthesis", "Cross-area synthesis", "Consultancy");
            for (id, p, t) in [
                ("a", Prompt::Purpose, "Safer care"),
                ("b", Prompt::Purpose, "Better outcomes"),
                ("c", Prompt::How, "Mentoring"),
                ("d", Prompt::How, "   "),
                ("e", Prompt::How, "Hidden one"),
            ] {
                b.add_card(&mut txn, id, p, t, "u", Role::Clinician, 1.0)
                    .unwrap();
            }
            b.set_hidden(&mut txn, "e", true).unwrap();
            b.add_theme(&mut txn, "t1", Prompt::Purpose, "Care")
                .unwrap();
            b.add_theme(&mut txn, "t2", Prompt::Purpose, "Empty")
                .unwrap();
            b.set_card_theme(&mut txn, "a", Some("t1")).unwrap();
            b.set_card_theme(&mut txn, "b", Some("t1")).unwrap();
        }
        BoardExport::of_doc(&doc, ExportContext::default())
    }

    #[test]
    fn drafts_have_themes_with_statements_then_loose_statements() {
        let items = draft_from(&board());
        let got: Vec<(&str, &str, usize)> = items
            .iter()
            .map(|i| (i.id.as_str(), i.text.as_str(), i.statements.len()))
            .collect();
        assert_eq!(
            got,
            vec![("theme:t1", "Care", 2), ("card:c", "Mentoring", 0)]
        );
        assert_eq!(items[0].statements, vec!["Safer care", "Better outcomes"]);
    }

    fn consultation() -> Consultation {
        Consultation {
            id: "k".into(),
            workshop_id: "w".into(),
            board_id: "b".into(),
            title: "Draft framework".into(),
            kind: RoundKind::Agreement,
            open: true,
            created_ms: 0,
            snapshot: None,
            items: draft_from(&board()),
        }
    }

    #[test]
    fn responses_are_checked() {
        let items = consultation().items;
        let ok = Response {
            secret: None,
            respondent: "abcdef123".into(),
            name: "  Ana ".into(),
            organisation: "College of Nursing".into(),
            answers: vec![
                Answer {
                    item: "theme:t1".into(),
                    stance: Some(Stance::Agree),
                    comment: " yes ".into(),
                },
                Answer {
                    item: "card:c".into(),
                    stance: None,
                    comment: String::new(),
                },
            ],
        };
        let c = ok.checked(&items).unwrap();
        assert_eq!(c.name, "Ana");
        assert_eq!(c.answers.len(), 1, "empty answers are dropped");
        assert_eq!(c.answers[0].comment, "yes");
        let bad = |f: fn(&mut Response)| {
            let mut r = ok.clone();
            f(&mut r);
            r.checked(&items).unwrap_err()
        };
        assert_eq!(bad(|r| r.name = " ".into()), ResponseError::Name);
        assert_eq!(
            bad(|r| r.respondent = "x".into()),
            ResponseError::Respondent
        );
        assert_eq!(
            bad(|r| r.respondent = "<script>alert</script>".into()),
            ResponseError::Respondent
        );
        assert_eq!(
            bad(|r| r.answers[0].item = "theme:nope".into()),
            ResponseError::NoSuchItem("theme:nope".into())
        );
        assert_eq!(
            bad(|r| r.answers[0].comment = "x".repeat(MAX_COMMENT + 1)),
            ResponseError::Comment
        );
        assert_eq!(
            bad(|r| r.answers.iter_mut().for_each(|a| {
                a.stance = None;
                a.comment.clear()
            })),
            ResponseError::Empty
        );
    }

    #[test]
    fn replies_are_checked_like_responses_and_listed_oldest_first_in_their_csv() {
        let items = consultation().items;
        let item = items[0].id.clone();
        let ok = NewReply {
            item: item.clone(),
            text: "  I agree with the point above  ".into(),
            respondent: "resp-12345678".into(),
            name: " Ana ".into(),
            organisation: "RCN".into(),
            secret: None,
        };
        let c = ok.checked(&items, true).unwrap();
        assert_eq!(
            (c.text.as_str(), c.name.as_str()),
            ("I agree with the point above", "Ana")
        );
        let bad = |f: fn(&mut NewReply), respondent: bool| {
            let mut r = ok.clone();
            f(&mut r);
            r.checked(&items, respondent).unwrap_err()
        };
        assert_eq!(bad(|r| r.text = " ".into(), true), ReplyError::Text);
        assert_eq!(
            bad(|r| r.text = "x".repeat(MAX_REPLY + 1), false),
            ReplyError::Text
        );
        assert_eq!(
            bad(|r| r.item = "card:nope".into(), false),
            ReplyError::NoSuchItem("card:nope".into())
        );
        assert_eq!(
            bad(|r| r.name = String::new(), true),
            ReplyError::Who(ResponseError::Name)
        );
        // A facilitator's reply needs no name or respondent id.
        let mut theirs = ok.clone();
        theirs.name = String::new();
        theirs.respondent = String::new();
        assert!(theirs.checked(&items, false).is_ok());
        let reply = |id: &str, t: i64, hidden: bool| Reply {
            id: id.into(),
            item: item.clone(),
            respondent: None,
            name: "=Ana".into(),
            organisation: "RCN".into(),
            text: "<b>not bold</b>".into(),
            created_ms: t,
            hidden,
            facilitator: false,
        };
        let r = Results::tally(
            consultation(),
            &[],
            &[],
            &[reply("b", 2, true), reply("a", 1, false)],
        );
        let ids: Vec<&str> = r.items[0].replies.iter().map(|x| x.id.as_str()).collect();
        assert_eq!(ids, ["a", "b"]);
        assert!(r.items[1].replies.is_empty());
        let csv = replies_csv(&r);
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert!(lines[0].starts_with("\u{feff}consultation,item_id,item,reply_id,"));
        assert_eq!(lines.len(), 1 + 2 + 1);
        assert_eq!(
            lines[1],
            "Draft framework,theme:t1,Care,a,'=Ana,RCN,,<b>not bold</b>,,1970-01-01 00:00:00",
            "formulas defused, text as text"
        );
        assert!(
            lines[2].ends_with(",yes,1970-01-01 00:00:00"),
            "{}",
            lines[2]
        );
    }

    #[test]
    fn tallies_and_csv() {
        let answer = |who: &str, item: &str, s: Option<Stance>, c: &str, t: i64| StoredAnswer {
            item: item.into(),
            respondent: who.into(),
            name: format!("Name {who}"),
            organisation: "=Body".into(),
            stance: s,
            comment: c.into(),
            updated_ms: t,
        };
        let answers = vec![
            answer("r1", "theme:t1", Some(Stance::Agree), "", 1),
            answer(
                "r2",
                "theme:t1",
                Some(Stance::Disagree),
                "Too narrow, add \"MDT\"",
                2,
            ),
            answer("r3", "theme:t1", Some(Stance::Agree), "", 3),
            answer("r3", "card:c", Some(Stance::Unsure), "", 3),
        ];
        let outcomes = vec![Outcome {
            item: "theme:t1".into(),
            decision: Decision::Amended,
            note: "Add MDT".into(),
            decided_ms: 4,
        }];
        let r = Results::tally(consultation(), &answers, &outcomes, &[]);
        assert_eq!(r.respondents, 3);
        assert_eq!(
            (r.items[0].agree, r.items[0].disagree, r.items[0].unsure),
            (2, 1, 0)
        );
        assert_eq!(r.items[0].comments.len(), 1);
        assert_eq!(
            r.items[0].outcome.as_ref().unwrap().decision,
            Decision::Amended
        );
        assert_eq!((r.items[1].agree, r.items[1].unsure), (0, 1));
        let csv = responses_csv(&r, &answers);
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert!(lines[0].starts_with("\u{feff}consultation,item_id,"));
        assert_eq!(lines.len(), 1 + 4 + 1, "header, one row per answer, end");
        assert!(lines[2].contains("\"Too narrow, add \"\"MDT\"\"\""));
        // Answers only: no tally or decision rows among the respondents.
        assert!(!csv.contains("(tally)") && !csv.contains("(decision)"));
        assert!(lines[4].contains(",card:c,") && lines[4].contains(",r3,"));
        assert!(
            lines[1].contains(",'=Body,"),
            "formulas are defused: {}",
            lines[1]
        );
        // Tallies and decisions: one row per item, in their own file.
        let summary = summary_csv(&r);
        let rows: Vec<&str> = summary.split("\r\n").collect();
        assert!(rows[0].starts_with("\u{feff}consultation,item_id,item_kind,prompt,item,agree,disagree,not_sure,decision,note,"));
        assert_eq!(rows.len(), 1 + 2 + 1, "header, one row per item, end");
        assert!(rows[1].contains(",theme:t1,") && rows[1].contains(",2,1,0,amended,Add MDT,"));
        assert!(rows[2].contains(",card:c,") && rows[2].ends_with(",0,0,1,,,"));
    }
}
