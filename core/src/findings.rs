//! A findings report as plain data: headings, paragraphs, quoted cards with where they
//! came from, and tables. Built once from one board (a breakout board or a synthesis), a
//! workshop's boards (or one pillar's), a consultation round's results or a Delphi study's
//! results; the server writes the same [`Findings`] as DOCX and as PDF, so both formats
//! always say the same thing.
//!
//! Card text is text: nothing here is markup, and the renderers never read it as such.

use crate::consult::{Results, Stance};
use crate::delphi::{DelphiResults, Scale};
use crate::model::export::{BoardExport, ExportCard};
use crate::model::report::iso_utc;
use crate::model::schema::Prompt;
use crate::model::synthesis::commonality;

/// A report, top to bottom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Findings {
    /// The document's title (also its metadata title).
    pub title: String,
    /// Short facts under the title: "Workshop: ...", "Cards: 12".
    pub facts: Vec<String>,
    pub blocks: Vec<Block>,
}

/// One part of a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// A heading, level 1 (a board, a round, an item) to 3 (a theme in a workshop report).
    Heading {
        level: u8,
        text: String,
    },
    Paragraph(String),
    /// A card quoted: its words, then where it came from and what it got (role, votes,
    /// reactions, source), then its thread, one line a comment.
    Card {
        text: String,
        provenance: Option<String>,
        comments: Vec<String>,
    },
    Table(Table),
}

/// A table with a header row; every row has the header's width.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// What the table shows, said before it.
    pub caption: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// Why a report cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FindingsError {
    #[error("no board of this workshop is in the pillar {pillar:?}; its pillars are: {known}")]
    UnknownPillar { pillar: String, known: String },
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn visible(board: &BoardExport) -> impl Iterator<Item = &ExportCard> {
    board.cards.iter().filter(|c| !c.hidden)
}

fn card_block(c: &ExportCard) -> Block {
    Block::Card {
        text: c.text.clone(),
        provenance: c.notes(),
        comments: c
            .comments
            .iter()
            .map(|m| format!("{}: {}", m.who(), m.text))
            .collect(),
    }
}

/// One board's findings under headings starting at `level`: the tally of cards and votes
/// by prompt and theme, then per prompt each theme and its cards, then (a synthesis
/// board) the commonality across areas.
fn board_blocks(board: &BoardExport, level: u8, blocks: &mut Vec<Block>) {
    let mut tally = Vec::new();
    for p in Prompt::ALL {
        for (theme, cards) in board.grouped(p.as_str()) {
            tally.push(vec![
                board.prompt_text(p).title,
                theme.map_or_else(|| "Not in a theme".to_string(), |t| t.title.clone()),
                cards.len().to_string(),
                cards.iter().map(|c| c.votes).sum::<i64>().to_string(),
            ]);
        }
    }
    if !tally.is_empty() {
        blocks.push(Block::Table(Table {
            caption: "Cards and votes by question and theme".into(),
            header: ["Question", "Theme", "Cards", "Votes"]
                .map(String::from)
                .to_vec(),
            rows: tally,
        }));
    }
    for p in Prompt::ALL {
        let words = board.prompt_text(p);
        blocks.push(Block::Heading {
            level,
            text: format!("{}: {}", words.title, words.question),
        });
        let groups = board.grouped(p.as_str());
        if groups.is_empty() {
            blocks.push(Block::Paragraph("No cards.".into()));
        }
        for (theme, cards) in groups {
            blocks.push(Block::Heading {
                level: level + 1,
                text: match theme {
                    Some(t) => format!("{} ({})", t.title, plural(cards.len(), "card", "cards")),
                    None => "Not in a theme".into(),
                },
            });
            blocks.extend(cards.into_iter().map(card_block));
        }
    }
    if board.cards.iter().any(|c| c.source.is_some()) {
        let c = commonality(board);
        let mut header = vec!["Theme".to_string(), "Question".to_string()];
        header.extend(c.areas.iter().cloned());
        header.push("Spread".into());
        blocks.push(Block::Heading {
            level,
            text: "Commonality across areas".into(),
        });
        blocks.push(Block::Table(Table {
            caption: "Cards in each theme by the area they came from".into(),
            header,
            rows: c
                .themes
                .iter()
                .map(|t| {
                    let mut row = vec![
                        t.title.clone(),
                        Prompt::parse(&t.prompt)
                            .map(|p| p.title().to_string())
                            .unwrap_or_default(),
                    ];
                    row.extend(t.per_area.iter().map(|n| n.to_string()));
                    row.push(t.spread.label());
                    row
                })
                .collect(),
        }));
    }
}

impl Findings {
    /// One board's findings (a breakout board, or a synthesis board with its
    /// commonality), live or from a snapshot.
    pub fn of_board(board: &BoardExport) -> Findings {
        let mut facts = vec![
            format!("Workshop: {}", board.context.workshop_title),
            format!("Area: {}", board.meta.area),
            format!("Pillar: {}", board.meta.pillar),
        ];
        if let Some(s) = &board.context.snapshot {
            facts.push(format!(
                "Snapshot: {} ({} UTC)",
                s.name,
                iso_utc(s.taken_ms as f64)
            ));
        }
        facts.push(format!("Cards: {}", visible(board).count()));
        let mut blocks = Vec::new();
        board_blocks(board, 1, &mut blocks);
        Findings {
            title: board.meta.title.clone(),
            facts,
            blocks,
        }
    }

    /// A workshop's findings: an overview of its boards, then each board's findings.
    pub fn of_workshop(title: &str, boards: &[BoardExport]) -> Findings {
        Self::of_boards(title.to_string(), title, boards)
    }

    /// One pillar's findings across a workshop's boards (for the partner that pillar
    /// goes to).
    pub fn of_pillar(
        title: &str,
        boards: &[BoardExport],
        pillar: &str,
    ) -> Result<Findings, FindingsError> {
        let mine: Vec<BoardExport> = boards
            .iter()
            .filter(|b| b.meta.pillar.eq_ignore_ascii_case(pillar.trim()))
            .cloned()
            .collect();
        let Some(first) = mine.first() else {
            let mut known: Vec<&str> = boards.iter().map(|b| b.meta.pillar.as_str()).collect();
            known.sort_unstable();
            known.dedup();
            return Err(FindingsError::UnknownPillar {
                pillar: pillar.to_string(),
                known: known.join(", "),
            });
        };
        let mut f = Self::of_boards(
            format!("{}: findings of the pillar {}", title, first.meta.pillar),
            title,
            &mine,
        );
        f.facts.insert(1, format!("Pillar: {}", first.meta.pillar));
        Ok(f)
    }

    fn of_boards(heading: String, workshop: &str, boards: &[BoardExport]) -> Findings {
        let cards: usize = boards.iter().map(|b| visible(b).count()).sum();
        let facts = vec![
            format!("Workshop: {workshop}"),
            format!("Boards: {}", boards.len()),
            format!("Cards: {cards}"),
        ];
        let mut blocks = vec![Block::Table(Table {
            caption: "The boards in this report".into(),
            header: ["Board", "Area", "Pillar", "Cards", "Themes"]
                .map(String::from)
                .to_vec(),
            rows: boards
                .iter()
                .map(|b| {
                    vec![
                        b.meta.title.clone(),
                        b.meta.area.clone(),
                        b.meta.pillar.clone(),
                        visible(b).count().to_string(),
                        b.themes.len().to_string(),
                    ]
                })
                .collect(),
        })];
        for b in boards {
            blocks.push(Block::Heading {
                level: 1,
                text: format!("{} ({}, {})", b.meta.title, b.meta.area, b.meta.pillar),
            });
            board_blocks(b, 2, &mut blocks);
        }
        Findings {
            title: heading,
            facts,
            blocks,
        }
    }

    /// A consultation or agreement round: the tally of every item, then each item with
    /// its statements, comments (who gave them, as they gave it), discussion (hidden
    /// replies left out) and the recorded decision.
    pub fn of_round(results: &Results) -> Findings {
        let c = &results.consultation;
        let facts = vec![
            c.kind.label().to_string(),
            format!("Published: {} UTC", iso_utc(c.created_ms as f64)),
            format!("Open: {}", if c.open { "yes" } else { "no, closed" }),
            format!("Respondents: {}", results.respondents),
        ];
        let decision = |r: &crate::consult::ItemResult| {
            r.outcome
                .as_ref()
                .map(|o| o.decision.label().to_string())
                .unwrap_or_default()
        };
        let mut blocks = vec![Block::Table(Table {
            caption: "Answers to each item".into(),
            header: [
                "Item",
                "Question",
                Stance::Agree.label(),
                Stance::Disagree.label(),
                Stance::Unsure.label(),
                "Decision",
            ]
            .map(String::from)
            .to_vec(),
            rows: results
                .items
                .iter()
                .map(|r| {
                    vec![
                        r.item.text.clone(),
                        Prompt::parse(&r.item.prompt)
                            .map(|p| p.title().to_string())
                            .unwrap_or_default(),
                        r.agree.to_string(),
                        r.disagree.to_string(),
                        r.unsure.to_string(),
                        decision(r),
                    ]
                })
                .collect(),
        })];
        for (n, r) in results.items.iter().enumerate() {
            blocks.push(Block::Heading {
                level: 1,
                text: format!("{}. {}", n + 1, r.item.text),
            });
            blocks.extend(r.item.statements.iter().map(|s| Block::Card {
                text: s.clone(),
                provenance: None,
                comments: Vec::new(),
            }));
            blocks.push(Block::Paragraph(format!(
                "{}: {}. {}: {}. {}: {}.",
                Stance::Agree.label(),
                r.agree,
                Stance::Disagree.label(),
                r.disagree,
                Stance::Unsure.label(),
                r.unsure
            )));
            if let Some(o) = &r.outcome {
                let mut line = format!("Decision: {}", o.decision.label());
                if !o.note.is_empty() {
                    line.push_str(&format!(". {}", o.note));
                }
                blocks.push(Block::Paragraph(line));
            }
            if !r.comments.is_empty() {
                blocks.push(Block::Heading {
                    level: 2,
                    text: "Comments".into(),
                });
            }
            for a in &r.comments {
                let who = match (a.name.trim(), a.organisation.trim()) {
                    ("", "") => "A respondent".to_string(),
                    (n, "") => n.to_string(),
                    ("", o) => o.to_string(),
                    (n, o) => format!("{n}, {o}"),
                };
                let stance = a.stance.map(|s| s.label()).unwrap_or("No answer");
                blocks.push(Block::Card {
                    text: a.comment.clone(),
                    provenance: Some(format!("{who} ({stance})")),
                    comments: Vec::new(),
                });
            }
            let replies: Vec<_> = r.replies.iter().filter(|x| !x.hidden).collect();
            if !replies.is_empty() {
                blocks.push(Block::Heading {
                    level: 2,
                    text: "Discussion".into(),
                });
            }
            for x in replies {
                let who = if x.facilitator {
                    "Facilitator".to_string()
                } else if x.organisation.is_empty() {
                    x.name.clone()
                } else {
                    format!("{}, {}", x.name, x.organisation)
                };
                blocks.push(Block::Card {
                    text: x.text.clone(),
                    provenance: Some(who),
                    comments: Vec::new(),
                });
            }
        }
        Findings {
            title: c.title.clone(),
            facts,
            blocks,
        }
    }

    /// A Delphi study: the rule, then each round's consensus table, then where every
    /// item ended.
    pub fn of_delphi(results: &DelphiResults) -> Findings {
        let s = &results.study;
        let (low, middle, high) = match s.scale {
            Scale::NinePoint => ("% 1-3", "% 4-6", "% 7-9"),
            Scale::ThreePoint => ("% Not important", "% Not sure", "% Important"),
        };
        let top = match s.scale {
            Scale::NinePoint => "7-9",
            Scale::ThreePoint => "Important",
        };
        let bottom = match s.scale {
            Scale::NinePoint => "1-3",
            Scale::ThreePoint => "Not important",
        };
        let facts = vec![
            format!(
                "Scale: {}",
                match s.scale {
                    Scale::NinePoint => "1 to 9",
                    Scale::ThreePoint => "3 points, in words (easy read)",
                }
            ),
            format!(
                "Consensus: at least {} % rate it {top} and under {} % rate it {bottom} (fixed before round 1)",
                s.rule.high_at_least, s.rule.low_under
            ),
            format!("Respondents: {} (by code, never by name)", results.respondents.len()),
            format!("Rounds: {}", results.rounds.len()),
        ];
        let text = |id: &str| {
            s.items
                .iter()
                .find(|i| i.id == id)
                .map(|i| i.text.clone())
                .unwrap_or_else(|| id.to_string())
        };
        let num = |x: Option<f64>| x.map(|x| format!("{x:.1}")).unwrap_or_else(|| "-".into());
        let mut blocks = Vec::new();
        for r in &results.rounds {
            blocks.push(Block::Heading {
                level: 1,
                text: format!("Round {}", r.round.number),
            });
            blocks.push(Block::Paragraph(format!(
                "{} rated; {} of {} items reached consensus{}.",
                plural(r.respondents, "respondent", "respondents"),
                r.items.iter().filter(|i| i.consensus).count(),
                r.items.len(),
                if r.round.open {
                    " so far (the round is open)"
                } else {
                    ""
                }
            )));
            blocks.push(Block::Table(Table {
                caption: format!("Round {} results by item", r.round.number),
                header: [
                    "Item",
                    "Rated by",
                    "Median",
                    "IQR",
                    low,
                    middle,
                    high,
                    "Consensus",
                    "Stability %",
                ]
                .map(String::from)
                .to_vec(),
                rows: r
                    .items
                    .iter()
                    .map(|i| {
                        vec![
                            text(&i.item),
                            i.n.to_string(),
                            num(i.median),
                            num(i.iqr()),
                            format!("{:.0}", i.low),
                            format!("{:.0}", i.middle),
                            format!("{:.0}", i.high),
                            if i.consensus { "yes" } else { "no" }.into(),
                            num(i.stability),
                        ]
                    })
                    .collect(),
            }));
        }
        blocks.push(Block::Heading {
            level: 1,
            text: "Where each item ended".into(),
        });
        blocks.push(Block::Table(Table {
            caption: "Each item's last round".into(),
            header: ["Item", "Last rated in round", "Median", "Consensus"]
                .map(String::from)
                .to_vec(),
            rows: s
                .items
                .iter()
                .map(|item| {
                    let last = results.rounds.iter().rev().find_map(|r| {
                        r.items
                            .iter()
                            .find(|i| i.item == item.id)
                            .map(|i| (r.round.number, i))
                    });
                    match last {
                        Some((n, i)) => vec![
                            item.text.clone(),
                            n.to_string(),
                            num(i.median),
                            if i.consensus {
                                format!("reached in round {n}")
                            } else {
                                "not reached".into()
                            },
                        ],
                        None => vec![
                            item.text.clone(),
                            "-".into(),
                            "-".into(),
                            "not rated".into(),
                        ],
                    }
                })
                .collect(),
        }));
        Findings {
            title: s.title.clone(),
            facts,
            blocks,
        }
    }
}
