//! A [`Findings`] as a Word document (docx-rs: the most used Rust writer of OOXML, so
//! the package, relationships and styles are what Word, LibreOffice and NVivo expect).
//! Headings use Word's built-in heading styles with outline levels, so the navigation
//! pane and screen readers find them; tables repeat nothing and carry a caption before
//! them; every piece of text is a text run, never markup.

use cocreate_core::findings::{Block, Findings, Table};
use docx_rs::{
    BreakType, Docx, Paragraph, Run, Style, StyleType, Table as DocxTable, TableCell, TableRow,
};

use super::ReportError;

/// Text with its line breaks kept, as runs of one paragraph.
fn lines(mut p: Paragraph, text: &str, bold: bool) -> Paragraph {
    let mut parts = text.split('\n').peekable();
    while let Some(line) = parts.next() {
        let mut run = Run::new().add_text(line);
        if bold {
            run = run.bold();
        }
        if parts.peek().is_some() {
            run = run.add_break(BreakType::TextWrapping);
        }
        p = p.add_run(run);
    }
    p
}

fn para(style: &str, text: &str) -> Paragraph {
    lines(Paragraph::new().style(style), text, false)
}

fn table(t: &Table) -> DocxTable {
    let cell = |text: &str, head: bool| {
        TableCell::new().add_paragraph(lines(Paragraph::new().style("TableText"), text, head))
    };
    let mut rows =
        vec![TableRow::new(t.header.iter().map(|h| cell(h, true)).collect()).cant_split()];
    rows.extend(
        t.rows
            .iter()
            .map(|r| TableRow::new(r.iter().map(|c| cell(c, false)).collect()).cant_split()),
    );
    DocxTable::new(rows)
}

fn styles(doc: Docx) -> Docx {
    let heading = |level: usize, size: usize| {
        Style::new(format!("Heading{level}"), StyleType::Paragraph)
            .name(format!("heading {level}"))
            .size(size)
            .bold()
            .outline_lvl(level - 1)
    };
    doc.add_style(
        Style::new("Title", StyleType::Paragraph)
            .name("Title")
            .size(44)
            .bold(),
    )
    .add_style(heading(1, 34))
    .add_style(heading(2, 30))
    .add_style(heading(3, 26))
    .add_style(heading(4, 24))
    .add_style(
        Style::new("Fact", StyleType::Paragraph)
            .name("Fact")
            .size(24),
    )
    .add_style(
        Style::new("Card", StyleType::Paragraph)
            .name("Card")
            .size(24)
            .indent(Some(360), None, None, None),
    )
    .add_style(
        Style::new("CardProvenance", StyleType::Paragraph)
            .name("Card provenance")
            .size(20)
            .color("4A4A4A")
            .indent(Some(360), None, None, None),
    )
    .add_style(
        Style::new("CardComment", StyleType::Paragraph)
            .name("Card comment")
            .size(20)
            .indent(Some(720), None, None, None),
    )
    .add_style(
        Style::new("Caption", StyleType::Paragraph)
            .name("caption")
            .size(22)
            .bold(),
    )
    .add_style(
        Style::new("TableText", StyleType::Paragraph)
            .name("Table text")
            .size(20),
    )
}

/// The report as a `.docx` file.
pub fn write(f: &Findings) -> Result<Vec<u8>, ReportError> {
    let mut doc = styles(Docx::new()).add_paragraph(para("Title", &f.title));
    for fact in &f.facts {
        doc = doc.add_paragraph(para("Fact", fact));
    }
    for b in &f.blocks {
        match b {
            Block::Heading { level, text } => {
                doc = doc.add_paragraph(para(&format!("Heading{}", level.clamp(&1, &4)), text));
            }
            Block::Paragraph(text) => doc = doc.add_paragraph(para("Normal", text)),
            Block::Card {
                text,
                provenance,
                comments,
            } => {
                doc = doc.add_paragraph(para("Card", text));
                if let Some(p) = provenance {
                    doc = doc.add_paragraph(para("CardProvenance", p));
                }
                for c in comments {
                    doc = doc.add_paragraph(para("CardComment", c));
                }
            }
            Block::Table(t) => {
                doc = doc
                    .add_paragraph(para("Caption", &t.caption))
                    .add_table(table(t));
            }
        }
    }
    let mut out = std::io::Cursor::new(Vec::new());
    doc.build()
        .pack(&mut out)
        .map_err(|e| ReportError::Docx(e.to_string()))?;
    Ok(out.into_inner())
}
