//! A [`Findings`] as a tagged PDF (krilla: a maintained, high-level PDF writer from the
//! Typst project, with font subsetting and a PDF/UA-1 validator). Every line of text is
//! tagged in reading order (title and headings as H1-H5, paragraphs, each card a block
//! quote, tables as Table/TR/TH/TD); rules, bars and page numbers are artifacts; the
//! outline lists the headings; the document's language is English. The DejaVu Sans
//! fonts are embedded (subset), so any Latin, Greek or Cyrillic text, Welsh included,
//! prints as written.
//!
//! Layout is a small greedy one: A4, words wrapped at the width of the column they are
//! in (measured from the font's advances with skrifa, the font reader krilla itself
//! uses), a new page when the next line would cross the bottom margin. A table row
//! taller than a page goes on across pages line by line, so nothing is ever cut.

use std::num::NonZeroU16;

use cocreate_core::findings::{Block, Findings, Table};
use krilla::color::rgb;
use krilla::configure::{Accessibility, ConfigurationBuilder};
use krilla::destination::XyzDestination;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::outline::{Outline, OutlineNode};
use krilla::page::PageSettings;
use krilla::paint::Fill;
use krilla::surface::Surface;
use krilla::tagging::{
    Artifact, ArtifactType, ContentTag, Identifier, Node, SpanTag, TableHeaderScope, Tag, TagGroup,
    TagTree,
};
use krilla::text::{Font, TextDirection};
use krilla::{Document, SerializeSettings};
use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};

use super::ReportError;

static REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MARGIN: f32 = 56.0;
const BOTTOM: f32 = PAGE_H - MARGIN;
const BODY_W: f32 = PAGE_W - 2.0 * MARGIN;
const LEADING: f32 = 1.4;
const CELL_PAD: f32 = 4.0;
const GREY: (u8, u8, u8) = (0x4A, 0x4A, 0x4A);
const BLACK: (u8, u8, u8) = (0, 0, 0);

/// How wide text is, from a font's advance widths.
struct Metrics<'a> {
    font: FontRef<'a>,
    upem: f32,
}

impl<'a> Metrics<'a> {
    fn new(data: &'a [u8]) -> Result<Self, ReportError> {
        let font = FontRef::new(data).map_err(|e| ReportError::Pdf(format!("font: {e}")))?;
        let upem = font
            .metrics(Size::unscaled(), LocationRef::default())
            .units_per_em as f32;
        Ok(Metrics { font, upem })
    }

    /// `text` as this font can draw it: a character it has no glyph for (an emoji, say)
    /// becomes a white square, and joiners and variation selectors are left out; `None`
    /// when nothing had to change. The PDF keeps the real text beside it (ActualText), so
    /// copying, searching and screen readers get what was written.
    fn drawable(&self, text: &str) -> Option<String> {
        let cmap = self.font.charmap();
        if text.chars().all(|c| cmap.map(c).is_some()) {
            return None;
        }
        Some(
            text.chars()
                .filter(|c| {
                    !matches!(c, '\u{200D}' | '\u{FE00}'..='\u{FE0F}' | '\u{1F3FB}'..='\u{1F3FF}' | '\u{E0020}'..='\u{E007F}')
                })
                .map(|c| if cmap.map(c).is_some() { c } else { '\u{25A1}' })
                .collect(),
        )
    }

    fn width(&self, text: &str, size: f32) -> f32 {
        let cmap = self.font.charmap();
        let glyphs = self
            .font
            .glyph_metrics(Size::unscaled(), LocationRef::default());
        let units: f32 = text
            .chars()
            .map(|c| {
                glyphs
                    .advance_width(cmap.map(c).unwrap_or_default())
                    .unwrap_or(0.0)
            })
            .sum();
        units * size / self.upem
    }
}

/// One style of text.
#[derive(Clone, Copy)]
struct Style {
    size: f32,
    bold: bool,
    colour: (u8, u8, u8),
}

const TITLE: Style = Style {
    size: 22.0,
    bold: true,
    colour: BLACK,
};
const BODY: Style = Style {
    size: 11.0,
    bold: false,
    colour: BLACK,
};
const NOTE: Style = Style {
    size: 9.5,
    bold: false,
    colour: GREY,
};
const CELL: Style = Style {
    size: 9.5,
    bold: false,
    colour: BLACK,
};
const HEAD_CELL: Style = Style {
    size: 9.5,
    bold: true,
    colour: BLACK,
};

fn heading_style(level: u8) -> Style {
    Style {
        size: match level {
            1 => 17.0,
            2 => 14.0,
            3 => 12.5,
            _ => 11.5,
        },
        bold: true,
        colour: BLACK,
    }
}

/// Something drawn on a page.
enum Mark {
    /// A line of text; `line` is its index among all lines (its tag's leaf). `actual`:
    /// the words as written, when `text` had to replace characters the font lacks.
    Text {
        x: f32,
        baseline: f32,
        style: Style,
        text: String,
        actual: Option<String>,
        line: usize,
    },
    /// A filled rectangle (rules and card bars): an artifact.
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        colour: (u8, u8, u8),
    },
}

/// The logical structure, pointing at lines by index.
enum Struct {
    Heading(u8, String, Vec<usize>),
    P(Vec<usize>),
    Quote(Vec<Struct>),
    Table(Vec<Vec<(bool, Vec<usize>)>>),
}

/// Where a heading landed, for the outline.
struct Anchor {
    level: u8,
    text: String,
    page: usize,
    y: f32,
}

struct Layout<'a> {
    regular: Metrics<'a>,
    bold: Metrics<'a>,
    pages: Vec<Vec<Mark>>,
    y: f32,
    lines: usize,
    anchors: Vec<Anchor>,
}

impl Layout<'_> {
    fn metrics(&self, style: Style) -> &Metrics<'_> {
        if style.bold {
            &self.bold
        } else {
            &self.regular
        }
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = MARGIN;
    }

    fn room(&mut self, height: f32) {
        if self.y + height > BOTTOM && self.y > MARGIN {
            self.new_page();
        }
    }

    /// `text` broken into lines no wider than `width` (explicit line breaks kept; a word
    /// wider than the line broken between characters).
    fn wrap(&self, text: &str, style: Style, width: f32) -> Vec<String> {
        let m = self.metrics(style);
        let mut out = Vec::new();
        for para in text.split('\n') {
            let mut line = String::new();
            for word in para.split_whitespace() {
                let candidate = if line.is_empty() {
                    word.to_string()
                } else {
                    format!("{line} {word}")
                };
                if m.width(&candidate, style.size) <= width {
                    line = candidate;
                    continue;
                }
                if !line.is_empty() {
                    out.push(std::mem::take(&mut line));
                }
                for c in word.chars() {
                    let mut longer = line.clone();
                    longer.push(c);
                    if !line.is_empty() && m.width(&longer, style.size) > width {
                        out.push(std::mem::replace(&mut line, c.to_string()));
                    } else {
                        line = longer;
                    }
                }
            }
            out.push(line);
        }
        out
    }

    fn push_line(&mut self, x: f32, baseline: f32, style: Style, text: String) -> usize {
        let line = self.lines;
        self.lines += 1;
        let (text, actual) = match self.metrics(style).drawable(&text) {
            Some(shown) => (shown, Some(text)),
            None => (text, None),
        };
        self.pages.last_mut().expect("a page").push(Mark::Text {
            x,
            baseline,
            style,
            text,
            actual,
            line,
        });
        line
    }

    /// Text from `x` to the right margin, line by line, with `after` space under it.
    fn text(&mut self, text: &str, style: Style, x: f32, after: f32) -> Vec<usize> {
        let lh = style.size * LEADING;
        let mut ids = Vec::new();
        for line in self.wrap(text, style, PAGE_W - MARGIN - x) {
            self.room(lh);
            let baseline = self.y + style.size;
            ids.push(self.push_line(x, baseline, style, line));
            self.y += lh;
        }
        self.y += after;
        ids
    }

    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, colour: (u8, u8, u8)) {
        self.pages
            .last_mut()
            .expect("a page")
            .push(Mark::Rect { x, y, w, h, colour });
    }

    /// A report heading at `level` (1-4), laid out and tagged one level under the title.
    fn heading(&mut self, level: u8, text: &str) -> Struct {
        let style = heading_style(level);
        // Keep a heading with the first lines under it.
        self.room(style.size * LEADING * 2.0 + BODY.size * LEADING * 2.0);
        self.y += if level <= 1 { 10.0 } else { 6.0 };
        let page = self.pages.len() - 1;
        let y = self.y;
        let ids = self.text(text, style, MARGIN, 4.0);
        self.anchors.push(Anchor {
            level,
            text: text.to_string(),
            page,
            y,
        });
        // The title is the document's only H1, so a report's level-1 heading is an H2.
        Struct::Heading(level + 1, text.to_string(), ids)
    }

    fn card(&mut self, text: &str, provenance: Option<&str>, comments: &[String]) -> Struct {
        let x = MARGIN + 14.0;
        self.room(BODY.size * LEADING * 2.0);
        let (page, top) = (self.pages.len(), self.y);
        let mut parts = vec![Struct::P(self.text(text, BODY, x, 1.0))];
        if let Some(p) = provenance {
            parts.push(Struct::P(self.text(p, NOTE, x, 1.0)));
        }
        for c in comments {
            parts.push(Struct::P(self.text(c, NOTE, x + 14.0, 1.0)));
        }
        // The bar down the card's left edge, on the page it starts on.
        let bottom = if self.pages.len() == page {
            self.y
        } else {
            BOTTOM
        };
        if let Some(marks) = self.pages.get_mut(page - 1) {
            marks.push(Mark::Rect {
                x: MARGIN + 2.0,
                y: top,
                w: 3.0,
                h: bottom - top - 1.0,
                colour: (0x9A, 0x9A, 0x9A),
            });
        }
        self.y += 6.0;
        Struct::Quote(parts)
    }

    /// Column widths: each column at least as wide as its longest word (so words break
    /// only when a word is wider than a fair share), the rest of the width shared by how
    /// much longer each column's longest line is.
    fn columns(&self, t: &Table) -> Vec<f32> {
        let n = t.header.len().max(1);
        let cells = |i: usize| {
            std::iter::once((t.header.get(i), HEAD_CELL))
                .chain(t.rows.iter().map(move |r| (r.get(i), CELL)))
                .filter_map(|(s, style)| s.map(|s| (s, style)))
        };
        let pad = 2.0 * CELL_PAD;
        let widest = |i: usize, split: fn(&str) -> Vec<&str>| {
            cells(i)
                .flat_map(|(s, style)| split(s).into_iter().map(move |w| (w, style)))
                .map(|(w, style)| self.metrics(style).width(w, style.size))
                .fold(0.0, f32::max)
        };
        let least: Vec<f32> = (0..n)
            .map(|i| widest(i, |s| s.split_whitespace().collect()).min(BODY_W / 3.0) + pad)
            .collect();
        let natural: Vec<f32> = (0..n)
            .map(|i| (widest(i, |s| s.split('\n').collect()) + pad).min(BODY_W * 0.6))
            .zip(&least)
            .map(|(w, l)| w.max(*l))
            .collect();
        let (sum_least, sum_natural) = (least.iter().sum::<f32>(), natural.iter().sum::<f32>());
        if sum_natural <= BODY_W {
            natural.iter().map(|w| w / sum_natural * BODY_W).collect()
        } else if sum_least >= BODY_W {
            least.iter().map(|w| w / sum_least * BODY_W).collect()
        } else {
            let room = BODY_W - sum_least;
            let want = sum_natural - sum_least;
            least
                .iter()
                .zip(&natural)
                .map(|(l, w)| l + (w - l) / want * room)
                .collect()
        }
    }

    fn row(&mut self, cells: &[String], widths: &[f32], style: Style) -> Vec<(bool, Vec<usize>)> {
        let lh = style.size * LEADING;
        let wrapped: Vec<Vec<String>> = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| self.wrap(c, style, w - 2.0 * CELL_PAD))
            .collect();
        let height = wrapped.iter().map(Vec::len).max().unwrap_or(1) as f32 * lh;
        self.room(height + 2.0 * CELL_PAD);
        self.y += CELL_PAD;
        let mut ids: Vec<Vec<usize>> = vec![Vec::new(); cells.len()];
        let lines = wrapped.iter().map(Vec::len).max().unwrap_or(0);
        for k in 0..lines {
            self.room(lh);
            let mut x = MARGIN;
            let baseline = self.y + style.size;
            for (i, cell) in wrapped.iter().enumerate() {
                if let Some(line) = cell.get(k) {
                    ids[i].push(self.push_line(x + CELL_PAD, baseline, style, line.clone()));
                }
                x += widths[i];
            }
            self.y += lh;
        }
        self.y += CELL_PAD;
        let y = self.y;
        self.rect(MARGIN, y, BODY_W, if style.bold { 1.0 } else { 0.5 }, GREY);
        ids.into_iter().map(|i| (style.bold, i)).collect()
    }

    fn table(&mut self, t: &Table) -> Vec<Struct> {
        let caption = Struct::P(self.text(&t.caption, HEAD_CELL, MARGIN, 2.0));
        let widths = self.columns(t);
        self.room(HEAD_CELL.size * LEADING * 3.0);
        let mut rows = vec![self.row(&t.header, &widths, HEAD_CELL)];
        for r in &t.rows {
            rows.push(self.row(r, &widths, CELL));
        }
        self.y += 8.0;
        vec![caption, Struct::Table(rows)]
    }
}

fn leaf_group(
    tag: impl Into<krilla::tagging::TagKind>,
    lines: Vec<usize>,
    ids: &mut [Option<Identifier>],
) -> TagGroup {
    let mut g = TagGroup::new(tag);
    for l in lines {
        if let Some(id) = ids[l].take() {
            g.push(id);
        }
    }
    g
}

fn tag(s: Struct, ids: &mut [Option<Identifier>]) -> Node {
    match s {
        Struct::Heading(level, text, lines) => {
            let level = NonZeroU16::new(u16::from(level)).unwrap_or(NonZeroU16::MIN);
            leaf_group(Tag::Hn(level, Some(text)), lines, ids).into()
        }
        Struct::P(lines) => leaf_group(Tag::P, lines, ids).into(),
        Struct::Quote(parts) => {
            let mut g = TagGroup::new(Tag::BlockQuote);
            for p in parts {
                g.push(tag(p, ids));
            }
            g.into()
        }
        Struct::Table(rows) => {
            let mut table = TagGroup::new(Tag::Table);
            for row in rows {
                let mut tr = TagGroup::new(Tag::TR);
                for (head, lines) in row {
                    let cell = if head {
                        leaf_group(Tag::TH(TableHeaderScope::Column), lines, ids)
                    } else {
                        leaf_group(Tag::TD, lines, ids)
                    };
                    tr.push(cell);
                }
                table.push(tr);
            }
            table.into()
        }
    }
}

fn fill(surface: &mut Surface, (r, g, b): (u8, u8, u8)) {
    surface.set_fill(Some(Fill {
        paint: rgb::Color::new(r, g, b).into(),
        ..Default::default()
    }));
}

/// The report as a PDF file (tagged, PDF/UA-1).
pub fn write(f: &Findings) -> Result<Vec<u8>, ReportError> {
    let mut layout = Layout {
        regular: Metrics::new(REGULAR)?,
        bold: Metrics::new(BOLD)?,
        pages: vec![Vec::new()],
        y: MARGIN,
        lines: 0,
        anchors: Vec::new(),
    };
    // The title is the only level-1 heading; the report's own levels sit under it.
    let mut structure = vec![{
        let ids = layout.text(&f.title, TITLE, MARGIN, 6.0);
        layout.anchors.push(Anchor {
            level: 0,
            text: f.title.clone(),
            page: 0,
            y: MARGIN,
        });
        Struct::Heading(1, f.title.clone(), ids)
    }];
    for fact in &f.facts {
        structure.push(Struct::P(layout.text(fact, BODY, MARGIN, 1.0)));
    }
    layout.y += 6.0;
    for b in &f.blocks {
        match b {
            Block::Heading { level, text } => {
                let level = (*level).clamp(1, 4);
                structure.push(layout.heading(level, text));
            }
            Block::Paragraph(text) => {
                structure.push(Struct::P(layout.text(text, BODY, MARGIN, 6.0)))
            }
            Block::Card {
                text,
                provenance,
                comments,
            } => structure.push(layout.card(text, provenance.as_deref(), comments)),
            Block::Table(t) => structure.extend(layout.table(t)),
        }
    }

    let settings = SerializeSettings {
        configuration: ConfigurationBuilder::new()
            .with_accessibility_validator(Accessibility::UA1)
            .finish()
            .map_err(|e| ReportError::Pdf(format!("{e:?}")))?,
        enable_tagging: true,
        ..Default::default()
    };
    let mut doc = Document::new_with(settings);
    let regular = Font::new(REGULAR.into(), 0).ok_or(ReportError::Pdf("font".into()))?;
    let bold = Font::new(BOLD.into(), 0).ok_or(ReportError::Pdf("font".into()))?;
    let mut ids: Vec<Option<Identifier>> = (0..layout.lines).map(|_| None).collect();
    let count = layout.pages.len();
    for (n, marks) in layout.pages.iter().enumerate() {
        let mut page = doc.start_page_with(
            PageSettings::from_wh(PAGE_W, PAGE_H).ok_or(ReportError::Pdf("page size".into()))?,
        );
        let mut surface = page.surface();
        for mark in marks {
            match mark {
                Mark::Text {
                    x,
                    baseline,
                    style,
                    text,
                    actual,
                    line,
                } => {
                    let id = surface.start_tagged(ContentTag::Span(
                        SpanTag::empty().with_actual_text(actual.as_deref()),
                    ));
                    fill(&mut surface, style.colour);
                    let font = if style.bold { &bold } else { &regular };
                    surface.draw_text(
                        Point::from_xy(*x, *baseline),
                        font.clone(),
                        style.size,
                        text,
                        false,
                        TextDirection::Auto,
                    );
                    surface.end_tagged();
                    ids[*line] = Some(id);
                }
                Mark::Rect { x, y, w, h, colour } => {
                    let mut pb = PathBuilder::new();
                    if let Some(r) = Rect::from_xywh(*x, *y, *w, h.max(0.1)) {
                        pb.push_rect(r);
                    }
                    if let Some(path) = pb.finish() {
                        surface.start_tagged(ContentTag::Artifact(Artifact::with_kind(
                            ArtifactType::Layout,
                        )));
                        fill(&mut surface, *colour);
                        surface.draw_path(&path);
                        surface.end_tagged();
                    }
                }
            }
        }
        surface.start_tagged(ContentTag::Artifact(Artifact::with_kind(
            ArtifactType::Footer,
        )));
        fill(&mut surface, GREY);
        let footer = format!("Page {} of {count}", n + 1);
        let w = layout.regular.width(&footer, NOTE.size);
        surface.draw_text(
            Point::from_xy(PAGE_W - MARGIN - w, PAGE_H - MARGIN / 2.0),
            regular.clone(),
            NOTE.size,
            &footer,
            false,
            TextDirection::Auto,
        );
        surface.end_tagged();
        surface.finish();
        page.finish();
    }

    let mut tree = TagTree::new().with_lang(Some("en-GB".into()));
    for s in structure {
        tree.push(tag(s, &mut ids));
    }
    doc.set_tag_tree(tree);

    // The outline: the title, its headings under it, their sub-headings under those.
    let mut outline = Outline::new();
    let mut stack: Vec<(u8, OutlineNode)> = Vec::new();
    for a in layout.anchors.iter().filter(|a| a.level <= 2) {
        let node = OutlineNode::new(
            a.text.clone(),
            XyzDestination::new(a.page, Point::from_xy(0.0, a.y)),
        );
        while stack.last().is_some_and(|(l, _)| *l >= a.level) {
            let (_, done) = stack.pop().expect("non-empty");
            match stack.last_mut() {
                Some((_, parent)) => parent.push_child(done),
                None => outline.push_child(done),
            }
        }
        stack.push((a.level, node));
    }
    while let Some((_, done)) = stack.pop() {
        match stack.last_mut() {
            Some((_, parent)) => parent.push_child(done),
            None => outline.push_child(done),
        }
    }
    doc.set_outline(outline);
    doc.set_metadata(
        Metadata::new()
            .title(f.title.clone())
            .language("en-GB".into())
            .creator("cocreate".into()),
    );
    doc.finish().map_err(|e| ReportError::Pdf(format!("{e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emoji_right_to_left_and_long_words_still_make_a_valid_pdf() {
        let f = Findings {
            title: "Emoji 😀 and right to left".into(),
            facts: vec!["שלום עולם · مرحبا بالعالم".into()],
            blocks: vec![Block::Card {
                text: format!("🎉🏥 {} <script>", "y".repeat(300)),
                provenance: Some("Patient / citizen".into()),
                comments: vec!["👍".into()],
            }],
        };
        let pdf = write(&f).expect("a valid PDF/UA-1 file");
        assert!(pdf.starts_with(b"%PDF-"));
    }
}
