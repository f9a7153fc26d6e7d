//! Renderings of a [`BoardExport`]: CSV (one row per card, for qualitative-analysis tools
//! and spreadsheets), Markdown (a readable report grouped by prompt and theme, with the
//! commonality table of a synthesis board) and SVG (the board as a picture). Pure
//! functions, tested natively with golden files (core/tests/exports.rs).

use super::export::BoardExport;
use super::provenance::Provenance;
use super::schema::{Prompt, Role};
use super::synthesis::commonality;

/// Header of the CSV export.
pub const CSV_HEADER: [&str; 19] = [
    "workshop",
    "area",
    "pillar",
    "board",
    "prompt",
    "theme",
    "text",
    "votes",
    "role",
    "name",
    "created",
    "card_id",
    "source_workshop",
    "source_area",
    "source_pillar",
    "source_board",
    "source_snapshot",
    "reactions",
    "comments",
];

/// One CSV field: quoted when needed (RFC 4180), and defused when a spreadsheet would
/// read it as a formula (leading `=`, `+`, `-`, `@`, tab or carriage return get a `'`).
pub fn csv_field(value: &str) -> String {
    let defused = match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{value}"),
        _ => value.to_string(),
    };
    if defused.contains([',', '"', '\n', '\r']) || defused.starts_with(' ') {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

fn csv_line(fields: &[String]) -> String {
    let mut line = fields
        .iter()
        .map(|f| csv_field(f))
        .collect::<Vec<_>>()
        .join(",");
    line.push_str("\r\n");
    line
}

/// UTC date and time, `YYYY-MM-DD HH:MM:SS`, of ms since the epoch.
pub fn iso_utc(ms: f64) -> String {
    let secs = (ms / 1000.0).floor() as i64;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

impl BoardExport {
    /// CSV rows (no header) for this board.
    /// The attribute labels any card of this board has answers for, sorted.
    pub fn attribute_labels(&self) -> Vec<String> {
        let labels: std::collections::BTreeSet<&String> = self
            .cards
            .iter()
            .flat_map(|c| c.attributes.keys())
            .collect();
        labels.into_iter().cloned().collect()
    }

    /// This board's CSV rows, with one column per label in `attributes` after the
    /// fixed ones.
    pub fn csv_rows(&self, attributes: &[String]) -> String {
        let mut out = String::new();
        for c in self.cards.iter().filter(|c| !c.hidden) {
            let src = |f: fn(&Provenance) -> String| c.source.as_ref().map(f).unwrap_or_default();
            let mut line = Vec::from([
                self.context.workshop_title.clone(),
                self.meta.area.clone(),
                self.meta.pillar.clone(),
                self.meta.title.clone(),
                c.prompt.clone(),
                self.theme_title(c.theme.as_deref()),
                c.text.clone(),
                c.votes.to_string(),
                // The role in words, as the Markdown and the page write it.
                c.role
                    .as_deref()
                    .map(|r| {
                        Role::parse(r).map_or_else(|| r.to_string(), |r| r.label().to_string())
                    })
                    .unwrap_or_default(),
                c.name.clone().unwrap_or_default(),
                iso_utc(c.created),
                c.id.clone(),
                src(|p| p.workshop.clone()),
                src(|p| p.area.clone()),
                src(|p| p.pillar.clone()),
                src(|p| p.board_title.clone()),
                src(|p| p.snapshot_name.clone().unwrap_or_default()),
                c.reactions_in_words(),
                c.comments_in_words(),
            ]);
            line.extend(
                attributes
                    .iter()
                    .map(|a| c.attributes.get(a).cloned().unwrap_or_default()),
            );
            out.push_str(&csv_line(&line));
        }
        out
    }

    /// The CSV export: UTF-8 with a byte-order mark (so spreadsheets pick UTF-8), CRLF.
    pub fn to_csv(&self) -> String {
        csv_document(std::slice::from_ref(self))
    }

    /// The Markdown report, grouped by prompt and theme.
    pub fn to_markdown(&self) -> String {
        let mut md = String::new();
        md.push_str(&format!("# {}\n\n", md_escape(&self.meta.title)));
        let mut facts = vec![
            format!("Workshop: {}", md_escape(&self.context.workshop_title)),
            format!("Area: {}", md_escape(&self.meta.area)),
            format!("Pillar: {}", md_escape(&self.meta.pillar)),
        ];
        if let Some(s) = &self.context.snapshot {
            facts.push(format!(
                "Snapshot: {} ({} UTC)",
                md_escape(&s.name),
                iso_utc(s.taken_ms as f64)
            ));
        }
        facts.push(format!(
            "Cards: {}",
            self.cards.iter().filter(|c| !c.hidden).count()
        ));
        for f in facts {
            md.push_str(&format!("- {f}\n"));
        }
        for p in Prompt::ALL {
            let words = self.prompt_text(p);
            md.push_str(&format!(
                "\n## {}: {}\n",
                md_escape(&words.title),
                md_escape(&words.question)
            ));
            let groups = self.grouped(p.as_str());
            if groups.is_empty() {
                md.push_str("\n_No cards._\n");
            }
            for (theme, cards) in groups {
                match theme {
                    Some(t) => md.push_str(&format!(
                        "\n### {} ({} {})\n\n",
                        md_escape(&t.title),
                        cards.len(),
                        if cards.len() == 1 { "card" } else { "cards" }
                    )),
                    None => md.push_str("\n### Not in a theme\n\n"),
                }
                for c in cards {
                    let mut line = format!("- {}", md_escape(&c.text).replace('\n', "  \n  "));
                    if let Some(notes) = c.notes() {
                        // Notes carry provenance (area, pillar, snapshot name): other
                        // people's text, escaped like the rest.
                        line.push_str(&format!(" _({})_", md_escape(&notes)));
                    }
                    md.push_str(&line);
                    md.push('\n');
                    for m in &c.comments {
                        md.push_str(&format!(
                            "  - {}: {}\n",
                            md_escape(&m.who()),
                            md_escape(&m.text).replace('\n', "  \n    ")
                        ));
                    }
                }
            }
        }
        if self.cards.iter().any(|c| c.source.is_some()) {
            md.push_str(&self.commonality_markdown());
        }
        md
    }

    /// The "Commonality across areas" section of a synthesis board's report.
    fn commonality_markdown(&self) -> String {
        let c = commonality(self);
        let mut md = String::from("\n## Commonality across areas\n\n");
        md.push_str(&format!(
            "| Theme | Prompt | {} | Spread |\n|---|---|{}---|\n",
            c.areas
                .iter()
                .map(|a| md_escape(a))
                .collect::<Vec<_>>()
                .join(" | "),
            "---|".repeat(c.areas.len())
        ));
        for t in &c.themes {
            let prompt = Prompt::parse(&t.prompt).map(|p| p.title()).unwrap_or("");
            md.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                md_escape(&t.title),
                prompt,
                t.per_area
                    .iter()
                    .map(|n| n.to_string())
                    .collect::<Vec<_>>()
                    .join(" | "),
                md_escape(&t.spread.label())
            ));
        }
        md
    }

    /// A picture of the board as it looks on the page: four columns in their prompts'
    /// colours, each theme an outlined group under its title, each card white with its
    /// column's colour down its left edge, its role (unless the board is anonymous, when
    /// exports carry none) and its votes. Plain SVG, no script or links.
    pub fn to_svg(&self) -> String {
        const COL_W: usize = 300;
        const GAP: usize = 20;
        const PAD: usize = 10;
        const LINE_H: usize = 18;
        const TOP: usize = 56;
        // About 7.5 px a character at 14 px: the text width a card or title has.
        let chars = |width: usize| (width - 2 * PAD) / 8;
        let mut columns = Vec::new();
        let mut bottom = 0usize;
        for (i, p) in Prompt::ALL.iter().enumerate() {
            let (tint, edge) = prompt_colours(*p);
            let x = GAP + i * (COL_W + GAP);
            let mut y = TOP + 34;
            let mut body = format!(
                "<text x=\"{}\" y=\"{}\" class=\"h\">{}</text>\n",
                x + PAD,
                TOP + 26,
                xml_escape(&self.prompt_text(*p).title)
            );
            for (theme, cards) in self.grouped(p.as_str()) {
                let (cx, cw) = if theme.is_some() {
                    (x + 2 * PAD, COL_W - 4 * PAD)
                } else {
                    (x + PAD, COL_W - 2 * PAD)
                };
                let group_top = y + 8;
                let mut inner = String::new();
                if let Some(t) = theme {
                    y = group_top + 4;
                    for line in wrap(&t.title, chars(cw)) {
                        y += LINE_H;
                        inner.push_str(&format!(
                            "<text x=\"{cx}\" y=\"{y}\" class=\"t\">{}</text>\n",
                            xml_escape(&line)
                        ));
                    }
                }
                for c in cards {
                    let lines = wrap(&c.text, chars(cw));
                    let role = c.role.as_deref().and_then(Role::parse).map(Role::label);
                    let foot = role.is_some() || c.votes > 0;
                    let h = 12 + lines.len().max(1) * LINE_H + if foot { LINE_H } else { 0 };
                    y += 8;
                    inner.push_str(&format!(
                        "<g class=\"card\"><rect x=\"{cx}\" y=\"{y}\" width=\"{cw}\" height=\"{h}\" rx=\"6\" class=\"c\"/>\
                         <rect x=\"{cx}\" y=\"{y}\" width=\"5\" height=\"{h}\" rx=\"2\" fill=\"{edge}\"/>\n"
                    ));
                    for (k, l) in lines.iter().enumerate() {
                        inner.push_str(&format!(
                            "<text x=\"{}\" y=\"{}\">{}</text>\n",
                            cx + PAD + 2,
                            y + 20 + k * LINE_H,
                            xml_escape(l)
                        ));
                    }
                    let foot_y = y + 14 + lines.len().max(1) * LINE_H + 2;
                    if let Some(role) = role {
                        inner.push_str(&format!(
                            "<text x=\"{}\" y=\"{foot_y}\" class=\"r\">{}</text>\n",
                            cx + PAD + 2,
                            xml_escape(role)
                        ));
                    }
                    if c.votes > 0 {
                        let unit = if c.votes == 1 { "vote" } else { "votes" };
                        inner.push_str(&format!(
                            "<text x=\"{}\" y=\"{foot_y}\" class=\"v\">● {} {unit}</text>\n",
                            cx + cw - PAD,
                            c.votes
                        ));
                    }
                    inner.push_str("</g>\n");
                    y += h;
                }
                if theme.is_some() {
                    y += 8;
                    body.push_str(&format!(
                        "<g class=\"theme\"><rect x=\"{}\" y=\"{group_top}\" width=\"{}\" height=\"{}\" rx=\"8\" class=\"g\"/>\n{inner}</g>\n",
                        x + PAD,
                        COL_W - 2 * PAD,
                        y - group_top
                    ));
                } else {
                    body.push_str(&inner);
                }
            }
            bottom = bottom.max(y + PAD);
            columns.push((x, tint, body));
        }
        let width = GAP + 4 * (COL_W + GAP);
        let height = bottom + GAP;
        let mut out = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{}\">\n\
             <style>text{{font-family:sans-serif;font-size:14px;fill:#111}}.h{{font-size:18px;font-weight:bold}}.t{{font-weight:bold;fill:#333}}.r{{font-size:12px;fill:#444}}.v{{font-size:12px;text-anchor:end;fill:#22313f;font-weight:bold}}.c{{fill:#fff;stroke:#c9ccd1}}.g{{fill:#ffffff8c;stroke:#6b7785;stroke-width:2}}</style>\n\
             <rect width=\"100%\" height=\"100%\" fill=\"#f7f7f5\"/>\n\
             <text x=\"{GAP}\" y=\"34\" class=\"h\">{}</text>\n",
            xml_escape(&self.meta.title),
            xml_escape(&format!("{} · {}", self.meta.title, self.meta.area)),
        );
        for (x, tint, body) in columns {
            out.push_str(&format!(
                "<g class=\"column\"><rect x=\"{x}\" y=\"{TOP}\" width=\"{COL_W}\" height=\"{}\" rx=\"8\" fill=\"{tint}\" stroke=\"#c9ccd1\"/>\n{body}</g>\n",
                bottom - TOP
            ));
        }
        out.push_str("</svg>\n");
        out
    }
}

/// A prompt's column colour and its cards' edge colour: the board page's own
/// (style/main.css `--purpose`… and `.column-… .card`), so a picture looks like the board.
pub fn prompt_colours(prompt: Prompt) -> (&'static str, &'static str) {
    match prompt {
        Prompt::Purpose => ("#fff4d6", "#b7791f"),
        Prompt::How => ("#e3f1ff", "#1f6fb7"),
        Prompt::Enablers => ("#e6f6e6", "#2e7d32"),
        Prompt::Values => ("#f6e8fb", "#7b3fa0"),
    }
}

/// The combined CSV of several boards (one header).
/// Participants' answers to the workshop's questions follow as one column per question
/// (its label), in label order, for every question any of the boards has answers for.
pub fn csv_document(boards: &[BoardExport]) -> String {
    let labels: std::collections::BTreeSet<String> =
        boards.iter().flat_map(|b| b.attribute_labels()).collect();
    let labels: Vec<String> = labels.into_iter().collect();
    let mut header: Vec<&str> = CSV_HEADER.to_vec();
    header.extend(labels.iter().map(String::as_str));
    let mut out = csv_head(&header);
    for b in boards {
        out.push_str(&b.csv_rows(&labels));
    }
    out
}

/// A CSV document of any rows under `header` (BOM, CRLF, same quoting as board exports).
pub fn csv_document_with(header: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut out = csv_head(header);
    for r in rows {
        out.push_str(&csv_line(&r));
    }
    out
}

/// The byte-order mark (so spreadsheets pick UTF-8) and the header line.
fn csv_head(header: &[&str]) -> String {
    let mut out = String::from("\u{feff}");
    out.push_str(&csv_line(
        &header.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
    ));
    out
}

/// Escape text so Markdown shows it literally (no emphasis, links or HTML).
pub fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let chars: Vec<char> = s.chars().collect();
    for (i, &ch) in chars.iter().enumerate() {
        match ch {
            // Markdown's own punctuation is escaped with a backslash.
            '\\' | '`' | '*' | '_' | '{' | '}' | '[' | ']' | '(' | ')' | '#' | '+' | '-' | '.'
            | '!' | '|' | '~' => {
                out.push('\\');
                out.push(ch);
            }
            // No text becomes HTML, in any Markdown reader.
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            // `&` only where it could start an entity ("&amp;", "&#60;"): "Learning
            // Disabilities & Autism" stays as it is written.
            '&' if starts_entity(&chars[i + 1..]) => out.push_str("\\&"),
            _ => out.push(ch),
        }
    }
    out
}

/// Whether text after an `&` reads as an entity's name or number and its `;`.
fn starts_entity(rest: &[char]) -> bool {
    let name = rest
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == '#')
        .count();
    name > 0 && rest.get(name) == Some(&';')
}

pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters are not allowed in XML 1.0.
            c if (c as u32) < 0x20 && c != '\t' && c != '\n' => {}
            c => out.push(c),
        }
    }
    out
}

/// Greedy word wrap at `width` characters; long words are split.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        for word in para.split_whitespace() {
            let mut word: Vec<char> = word.chars().collect();
            while word.len() > width {
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                lines.push(word.drain(..width).collect());
            }
            let word: String = word.into_iter().collect();
            let len = line.chars().count();
            if len > 0 && len + 1 + word.chars().count() > width {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(&word);
        }
        lines.push(line);
    }
    while lines.last().is_some_and(|l| l.is_empty()) && lines.len() > 1 {
        lines.pop();
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a, b"), "\"a, b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
        assert_eq!(csv_field("=1+1"), "'=1+1");
        assert_eq!(csv_field("+44 7700"), "'+44 7700");
        assert_eq!(csv_field("-5"), "'-5");
        assert_eq!(csv_field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(
            csv_field("=HYPERLINK(\"x\",\"y\")"),
            "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\""
        );
        assert_eq!(csv_field("Ωμέγα, 日本語"), "\"Ωμέγα, 日本語\"");
    }

    #[test]
    fn iso_dates() {
        assert_eq!(iso_utc(0.0), "1970-01-01 00:00:00");
        assert_eq!(iso_utc(1_764_000_000_000.0), "2025-11-24 16:00:00");
        assert_eq!(iso_utc(951_782_400_000.0), "2000-02-29 00:00:00");
    }

    #[test]
    fn markdown_shows_text_literally() {
        assert_eq!(
            md_escape("*bold* <b>x</b>"),
            "\\*bold\\* &lt;b&gt;x&lt;/b&gt;"
        );
        // An ampersand is written as it is, unless it would start an entity.
        assert_eq!(md_escape("Time & space"), "Time & space");
        assert_eq!(md_escape("a &amp; b &#60;"), "a \\&amp; b \\&\\#60;");
        assert_eq!(md_escape("[link](http://x)"), "\\[link\\]\\(http://x\\)");
    }

    #[test]
    fn wrapping() {
        assert_eq!(wrap("a b c", 3), vec!["a b", "c"]);
        assert_eq!(wrap("abcdefg", 3), vec!["abc", "def", "g"]);
        assert_eq!(wrap("", 3), vec![""]);
        assert_eq!(wrap("x\ny", 10), vec!["x", "y"]);
    }
}
