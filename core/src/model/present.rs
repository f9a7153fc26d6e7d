//! A board as slides, for the session that presents findings back to an area: an opening
//! slide, one slide a theme (its question, its cards, and on a synthesis board how many
//! areas it came from), the cards not yet in a theme, and a closing slide. The easy-read
//! version uses each question's easy-read words and symbol, each card's own picture, and
//! fewer words. Names are never on a slide, whatever the board: a presentation is shown
//! to a room. Hidden cards are left out.

use super::export::{BoardExport, ExportCard};
use super::schema::{Prompt, Role, Symbol};
use super::synthesis::{commonality, Spread};

/// One screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slide {
    /// What the slide belongs to: the question (or the workshop, on the opening slide).
    pub kicker: String,
    /// The question's picture (easy read).
    pub symbol: Option<Symbol>,
    pub title: String,
    /// One sentence under the title: how many cards, and where they came from.
    pub lead: Option<String>,
    pub points: Vec<Point>,
}

/// One card on a slide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Point {
    pub text: String,
    /// The card's own picture (easy read).
    pub symbol: Option<Symbol>,
    /// Who wrote it (a role, never a name) and, on a synthesis board, the area.
    pub note: Option<String>,
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn point(c: &ExportCard, easy: bool) -> Point {
    let role = c
        .role
        .as_deref()
        .and_then(Role::parse)
        .map(|r| r.label().to_string());
    let area = c.source.as_ref().map(|s| s.area.clone());
    Point {
        text: c.text.clone(),
        symbol: if easy { c.symbol } else { None },
        note: if easy {
            None
        } else {
            match (role, area) {
                (Some(r), Some(a)) => Some(format!("{r} · {a}")),
                (r, a) => r.or(a),
            }
        },
    }
}

/// The slides of `board`, plain or easy read.
pub fn slides(board: &BoardExport, easy: bool) -> Vec<Slide> {
    let synthesis = board.cards.iter().any(|c| c.source.is_some());
    let spread = synthesis.then(|| commonality(board));
    let visible = board.cards.iter().filter(|c| !c.hidden).count();
    let themes = board
        .themes
        .iter()
        .filter(|t| {
            board
                .cards
                .iter()
                .any(|c| !c.hidden && c.theme.as_deref() == Some(t.id.as_str()))
        })
        .count();
    let mut out = vec![Slide {
        kicker: board.context.workshop_title.clone(),
        symbol: None,
        title: board.meta.title.clone(),
        lead: Some(if easy {
            format!(
                "What people told us: {} in {}.",
                plural(visible, "idea", "ideas"),
                plural(themes, "group", "groups")
            )
        } else {
            format!(
                "{} · {} · {} in {}",
                board.meta.area,
                board.meta.pillar,
                plural(visible, "card", "cards"),
                plural(themes, "theme", "themes")
            )
        }),
        points: Vec::new(),
    }];
    for p in Prompt::ALL {
        let words = board.prompt_text(p);
        let kicker = if easy {
            words.easy.clone()
        } else {
            format!("{}: {}", words.title, words.question)
        };
        for (theme, cards) in board.grouped(p.as_str()) {
            if cards.is_empty() {
                continue;
            }
            let mut lead = if easy {
                plural(cards.len(), "idea", "ideas")
            } else {
                plural(cards.len(), "card", "cards")
            };
            let reach = spread.as_ref().and_then(|c| {
                let t = c.themes.iter().find(|t| {
                    t.prompt == p.as_str() && t.theme.as_deref() == theme.map(|t| t.id.as_str())
                })?;
                let from: Vec<String> = c
                    .areas
                    .iter()
                    .zip(&t.per_area)
                    .filter(|(_, n)| **n > 0)
                    .map(|(a, n)| format!("{a} ({n})"))
                    .collect();
                Some((from, c.areas.len(), t.spread.clone()))
            });
            if let Some((from, areas, spread)) = reach {
                if easy {
                    if spread != Spread::Unthemed {
                        lead.push_str(&format!(
                            ". People in {} of {areas} areas said this.",
                            from.len()
                        ));
                    }
                } else {
                    lead.push_str(&format!(" · from {}", from.join(", ")));
                    if spread != Spread::Unthemed {
                        lead.push_str(&format!(" · {}", spread.label()));
                    }
                }
            }
            out.push(Slide {
                kicker: kicker.clone(),
                symbol: easy.then_some(words.symbol),
                title: match theme {
                    Some(t) => t.title.clone(),
                    None if easy => "Other ideas".into(),
                    None => "Not in a theme".into(),
                },
                lead: Some(lead),
                points: cards.into_iter().map(|c| point(c, easy)).collect(),
            });
        }
    }
    out.push(Slide {
        kicker: board.meta.title.clone(),
        symbol: None,
        title: if easy {
            "What do you think?".into()
        } else {
            "What do you think of these findings?".into()
        },
        lead: Some(if easy {
            "Tell us if we got it right, or if something is missing.".into()
        } else {
            "Tell us what we got right, what we got wrong, and what is missing.".into()
        }),
        points: Vec::new(),
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn board() -> BoardExport {
        let src = |area: &str| {
            format!(
                r#"{{"area":"{area}","pillar":"Research and innovation","workshop":"W","board":"b","board_title":"B","card":"x","copied":0}}"#
            )
        };
        let card = |id: &str, prompt: &str, theme: &str, text: &str, source: Option<String>| {
            format!(
                r#"{{"id":"{id}","prompt":"{prompt}","theme":{theme},"text":"{text}","votes":0,"role":"patient","name":"Ann Secret","author":"p1","created":1,"pos":"a","symbol":"heart"{}}}"#,
                source
                    .map(|s| format!(r#","source":{s}"#))
                    .unwrap_or_default()
            )
        };
        let json = format!(
            r#"{{"format":"cocreate-board","version":1,"context":{{"board_id":"s","workshop_id":"w","workshop_title":"Synthesis","snapshot":null}},
            "meta":{{"schema":3,"title":"Research across areas","area":"Cross-area synthesis","pillar":"Research and innovation"}},
            "themes":[{{"id":"t1","title":"Time to research","prompt":"enablers","pos":"a"}},{{"id":"t2","title":"Empty","prompt":"how","pos":"b"}}],
            "cards":[{},{},{},{}],"votes":[]}}"#,
            card(
                "c1",
                "enablers",
                r#""t1""#,
                "Protected time",
                Some(src("Cancer Care"))
            ),
            card(
                "c2",
                "enablers",
                r#""t1""#,
                "Study leave",
                Some(src("Musculoskeletal (MSK)"))
            ),
            card(
                "c3",
                "purpose",
                "null",
                "Better care",
                Some(src("Cancer Care"))
            ),
            card("c4", "values", "null", "Hidden one", None)
                .replace(r#""pos":"a""#, r#""pos":"a","hidden":true"#),
        );
        BoardExport::from_json(&json).unwrap()
    }

    #[test]
    fn one_theme_a_slide_with_where_it_came_from_and_never_a_name() {
        let s = slides(&board(), false);
        let titles: Vec<&str> = s.iter().map(|s| s.title.as_str()).collect();
        assert_eq!(
            titles,
            vec![
                "Research across areas",
                "Not in a theme",
                "Time to research",
                "What do you think of these findings?"
            ],
            "empty themes and hidden cards make no slide"
        );
        assert_eq!(
            s[0].lead.as_deref(),
            Some("Cross-area synthesis · Research and innovation · 3 cards in 1 theme")
        );
        let theme = &s[2];
        assert!(theme.kicker.starts_with("Enablers: "), "{}", theme.kicker);
        assert_eq!(
            theme.lead.as_deref(),
            Some("2 cards · from Cancer Care (1), Musculoskeletal (MSK) (1) · Common to all areas")
        );
        assert_eq!(
            theme.points[0].note.as_deref(),
            Some("Patient / citizen · Cancer Care")
        );
        assert_eq!(theme.points[0].symbol, None);
        let all = format!("{s:?}");
        assert!(!all.contains("Ann Secret"), "names never reach a slide");
        assert!(!all.contains("Hidden one"));
    }

    #[test]
    fn the_easy_read_version_uses_easy_words_symbols_and_fewer_words() {
        let b = board();
        let s = slides(&b, true);
        assert_eq!(
            s[0].lead.as_deref(),
            Some("What people told us: 3 ideas in 1 group.")
        );
        assert_eq!(s[1].title, "Other ideas");
        let theme = &s[2];
        assert_eq!(theme.kicker, b.prompt_text(Prompt::Enablers).easy);
        assert_eq!(theme.symbol, Some(b.prompt_text(Prompt::Enablers).symbol));
        assert_eq!(
            theme.lead.as_deref(),
            Some("2 ideas. People in 2 of 2 areas said this.")
        );
        assert_eq!(theme.points[0].symbol, Some(Symbol::Heart));
        assert_eq!(theme.points[0].note, None);
        assert_eq!(s.last().unwrap().title, "What do you think?");
    }
}
