//! A workshop's analysis in the REFI-QDA exchange format (REFI-QDA 1.5, qdasoftware.org),
//! which NVivo, ATLAS.ti, MAXQDA and QualCoder import:
//! - [`codebook`]: the codebook alone, a `.qdc` file (namespace `urn:QDA-XML:codebook:1.0`);
//! - [`project`]: the whole analysis, a `.qdpx` file: a zip of `project.qde` (namespace
//!   `urn:QDA-XML:project:1.0`) and `Sources/{guid}.txt`, one plain-text source per card;
//! - [`dataset_csv`] and [`classification_csv`]: the same as an NVivo dataset and its
//!   classification sheet, for tools (and people) that take spreadsheets.
//!
//! In the project, each analyst (and the agreed coding) is a user; each card is a text
//! source whose whole text is one selection, coded with each analyst's codes (by that
//! user) and the agreed codes; each person who wrote cards is a case ("Participant N",
//! never a name or pseudonym) with their role and their answers to the workshop's
//! questions as case variables, and their cards as the case's sources.
//!
//! GUIDs are UUID version 5 of what they name within the workshop, so a second export of
//! the same workshop names the same codes, users, cases and sources the same way (a QDA
//! tool merging it recognises them). XML is written with `quick-xml` (escaping every
//! attribute and text; characters XML 1.0 cannot hold are left out), the archive with
//! `zip`: each a well-kept crate for a format with sharp edges.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Cursor, Write};

use cocreate_core::analysis::{CodingCard, CodingView};
use cocreate_core::coding::{Code, Codebook};
use quick_xml::events::{BytesDecl, BytesText, Event};
use quick_xml::Writer;
use uuid::Uuid;

const ORIGIN: &str = "cocreate";
/// The namespace of cocreate's GUIDs (a fixed random UUID).
const NAMESPACE: Uuid = Uuid::from_u128(0x3c0c_2ea7_51e9_4d5b_9a9e_6f1d_2b8e_c0de);

/// Why a codebook file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum QdcError {
    #[error("the codebook is not well-formed XML (at byte {at}): {reason}")]
    Xml { at: u64, reason: String },
    #[error("this is not a REFI-QDA codebook (.qdc): it starts with <{0}>, not <CodeBook>")]
    NotCodebook(String),
    #[error("this is not a REFI-QDA codebook (.qdc): it is empty")]
    Empty,
    #[error("a code in the codebook has no {0}")]
    Missing(&'static str),
}

/// Why an export could not be written.
#[derive(Debug, thiserror::Error)]
pub enum QdaError {
    #[error("could not write XML: {0}")]
    Xml(#[from] std::io::Error),
    #[error("could not write the archive: {0}")]
    Zip(#[from] zip::result::ZipError),
}

/// A card of the project and who wrote it (the server's pseudonym: it only groups cards
/// into cases and never leaves this module).
pub struct ProjectCard<'a> {
    pub card: &'a CodingCard,
    pub author: &'a str,
}

fn guid(workshop: &str, what: &str) -> String {
    Uuid::new_v5(&NAMESPACE, format!("{workshop}\u{0}{what}").as_bytes()).to_string()
}

/// Text XML 1.0 can hold: tabs, line breaks and every character from space up, except
/// the two non-characters U+FFFE and U+FFFF.
fn xml_text(s: &str) -> String {
    s.chars()
        .filter(|&c| {
            matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
        })
        .collect()
}

fn start(w: &mut Writer<Vec<u8>>) -> std::io::Result<()> {
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)))
}

/// The codes under `parent`, nested.
fn write_codes(
    w: &mut Writer<Vec<u8>>,
    workshop: &str,
    book: &Codebook,
    parent: Option<&str>,
) -> std::io::Result<()> {
    let children: Vec<&Code> = book
        .codes
        .iter()
        .filter(|c| c.parent.as_deref() == parent)
        .collect();
    for c in children {
        let has_children = book
            .codes
            .iter()
            .any(|x| x.parent.as_deref() == Some(&c.id));
        let el = w
            .create_element("Code")
            .with_attribute(("guid", guid(workshop, &format!("code/{}", c.id)).as_str()))
            .with_attribute(("name", xml_text(&c.name).as_str()))
            .with_attribute(("isCodable", "true"));
        if c.definition.is_empty() && !has_children {
            el.write_empty()?;
        } else {
            el.write_inner_content(|w| {
                if !c.definition.is_empty() {
                    w.create_element("Description")
                        .write_text_content(BytesText::new(&xml_text(&c.definition)))?;
                }
                write_codes(w, workshop, book, Some(&c.id))
            })?;
        }
    }
    Ok(())
}

/// The codebook as a REFI-QDA codebook file (`.qdc`).
pub fn codebook(workshop: &str, book: &Codebook) -> Result<Vec<u8>, QdaError> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 1);
    start(&mut w)?;
    w.create_element("CodeBook")
        .with_attribute(("xmlns", "urn:QDA-XML:codebook:1.0"))
        .with_attribute(("origin", ORIGIN))
        .write_inner_content(|w| {
            w.create_element("Codes")
                .write_inner_content(|w| write_codes(w, workshop, book, None))?;
            Ok::<_, std::io::Error>(())
        })?;
    Ok(w.into_inner())
}

/// The variables of the project's cases: the author's role, then each question answered.
fn variables(cards: &[ProjectCard<'_>]) -> Vec<String> {
    let mut out = vec!["Role".to_string()];
    let questions: BTreeSet<&str> = cards
        .iter()
        .flat_map(|c| c.card.attributes.keys().map(String::as_str))
        .collect();
    out.extend(
        questions
            .into_iter()
            .filter(|q| *q != "Role")
            .map(str::to_string),
    );
    out
}

/// Cases: one per author, numbered in the order their first card comes ("Participant 1"
/// is `cases[0]`).
fn cases<'a, 'b>(cards: &'b [ProjectCard<'a>]) -> Vec<(&'a str, Vec<&'b ProjectCard<'a>>)> {
    let mut out: Vec<(&str, Vec<&ProjectCard<'_>>)> = Vec::new();
    for c in cards {
        match out.iter_mut().find(|(a, _)| *a == c.author) {
            Some((_, list)) => list.push(c),
            None => out.push((c.author, vec![c])),
        }
    }
    out
}

fn case_name(n: usize) -> String {
    format!("Participant {}", n + 1)
}

/// The analysis as an NVivo dataset (CSV, one row per card): the case, where the card
/// is, its text, the case's variables, the agreed codes and each analyst's codes (code
/// names in codebook order, `; ` between them; a card looked at and given none says
/// "(none)", one not coded is empty). NVivo imports it as a dataset (the text codable,
/// the rest classifying); with the classification sheet, cases get their variables.
pub fn dataset_csv(view: &CodingView, cards: &[ProjectCard<'_>]) -> String {
    let vars = variables(cards);
    let names = |codes: Option<&BTreeSet<String>>| match codes {
        None => String::new(),
        Some(c) if c.is_empty() => "(none)".into(),
        Some(c) => view
            .codebook
            .codes
            .iter()
            .filter(|x| c.contains(&x.id))
            .map(|x| x.name.clone())
            .collect::<Vec<_>>()
            .join("; "),
    };
    let mut header: Vec<String> = ["case", "card", "group", "question", "text"]
        .map(String::from)
        .to_vec();
    header.extend(vars.iter().cloned());
    header.push("agreed codes".into());
    header.extend(view.analysts.iter().map(|a| format!("codes: {}", a.name)));
    let case_of: BTreeMap<&str, usize> = cases(cards)
        .iter()
        .enumerate()
        .map(|(n, (author, _))| (*author, n))
        .collect();
    let rows = cards
        .iter()
        .map(|pc| {
            let c = pc.card;
            let mut row = vec![
                case_name(case_of[pc.author]),
                c.key.clone(),
                c.board_title.clone(),
                c.question.clone(),
                c.text.clone(),
            ];
            row.extend(vars.iter().map(|v| variable(c, v).unwrap_or_default()));
            row.push(names(view.agreed.get(&c.key)));
            row.extend(
                view.analysts
                    .iter()
                    .map(|a| names(view.codings.get(&a.id).and_then(|m| m.get(&c.key)))),
            );
            row
        })
        .collect();
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    cocreate_core::model::report::csv_document_with(&header, rows)
}

/// The NVivo classification sheet (CSV): one row per case, its variables.
pub fn classification_csv(cards: &[ProjectCard<'_>]) -> String {
    let vars = variables(cards);
    let mut header = vec!["case"];
    header.extend(vars.iter().map(String::as_str));
    let rows = cases(cards)
        .iter()
        .enumerate()
        .map(|(n, (_, list))| {
            let mut row = vec![case_name(n)];
            row.extend(
                vars.iter()
                    .map(|v| variable(list[0].card, v).unwrap_or_default()),
            );
            row
        })
        .collect();
    cocreate_core::model::report::csv_document_with(&header, rows)
}

/// A case variable's value from a card: the author's role, or their answer.
fn variable(card: &CodingCard, name: &str) -> Option<String> {
    if name == "Role" {
        card.role.clone()
    } else {
        card.attributes.get(name).cloned()
    }
}

/// The whole analysis as a REFI-QDA project (`.qdpx`): its `project.qde` and one text
/// file per card. `view` is the lead's (every analyst's coding and the agreed one);
/// `created` is an `xsd:dateTime` (UTC).
pub fn project(
    view: &CodingView,
    cards: &[ProjectCard<'_>],
    created: &str,
) -> Result<Vec<u8>, QdaError> {
    let ws = view.workshop_id.as_str();
    let source_guid = |c: &CodingCard| guid(ws, &format!("source/{}", c.key));
    let agreed_user = guid(ws, "user/agreed");
    let vars = variables(cards);
    let cases = cases(cards);
    // Who coded each card with what: (user guid, code ids).
    let mut coded: BTreeMap<&str, Vec<(String, &BTreeSet<String>)>> = BTreeMap::new();
    for a in &view.analysts {
        let user = guid(ws, &format!("user/{}", a.id));
        for (card, codes) in view.codings.get(&a.id).into_iter().flatten() {
            coded.entry(card).or_default().push((user.clone(), codes));
        }
    }
    for (card, codes) in &view.agreed {
        coded
            .entry(card)
            .or_default()
            .push((agreed_user.clone(), codes));
    }
    let known: BTreeSet<&str> = view.codebook.codes.iter().map(|c| c.id.as_str()).collect();

    let mut w = Writer::new_with_indent(Vec::new(), b' ', 1);
    start(&mut w)?;
    w.create_element("Project")
        .with_attribute(("xmlns", "urn:QDA-XML:project:1.0"))
        .with_attribute((
            "name",
            xml_text(&format!("{}: analysis", view.workshop_title)).as_str(),
        ))
        .with_attribute(("origin", ORIGIN))
        .with_attribute(("creationDateTime", created))
        .write_inner_content(|w| {
            w.create_element("Users").write_inner_content(|w| {
                for a in &view.analysts {
                    w.create_element("User")
                        .with_attribute(("guid", guid(ws, &format!("user/{}", a.id)).as_str()))
                        .with_attribute(("name", xml_text(&a.name).as_str()))
                        .with_attribute(("id", a.id.as_str()))
                        .write_empty()?;
                }
                w.create_element("User")
                    .with_attribute(("guid", agreed_user.as_str()))
                    .with_attribute(("name", "Agreed coding"))
                    .with_attribute(("id", "agreed"))
                    .write_empty()?;
                Ok::<_, std::io::Error>(())
            })?;
            if !view.codebook.codes.is_empty() {
                w.create_element("CodeBook").write_inner_content(|w| {
                    w.create_element("Codes")
                        .write_inner_content(|w| write_codes(w, ws, &view.codebook, None))?;
                    Ok::<_, std::io::Error>(())
                })?;
            }
            w.create_element("Variables").write_inner_content(|w| {
                for v in &vars {
                    w.create_element("Variable")
                        .with_attribute(("guid", guid(ws, &format!("variable/{v}")).as_str()))
                        .with_attribute(("name", xml_text(v).as_str()))
                        .with_attribute(("typeOfVariable", "Text"))
                        .write_empty()?;
                }
                Ok::<_, std::io::Error>(())
            })?;
            if !cases.is_empty() {
                w.create_element("Cases").write_inner_content(|w| {
                    for (n, (author, list)) in cases.iter().enumerate() {
                        let first = list[0].card;
                        w.create_element("Case")
                            .with_attribute(("guid", guid(ws, &format!("case/{author}")).as_str()))
                            .with_attribute(("name", case_name(n).as_str()))
                            .write_inner_content(|w| {
                                for v in &vars {
                                    let Some(value) = variable(first, v) else {
                                        continue;
                                    };
                                    w.create_element("VariableValue").write_inner_content(|w| {
                                        w.create_element("VariableRef")
                                            .with_attribute((
                                                "targetGUID",
                                                guid(ws, &format!("variable/{v}")).as_str(),
                                            ))
                                            .write_empty()?;
                                        w.create_element("TextValue").write_text_content(
                                            BytesText::new(&xml_text(&value)),
                                        )?;
                                        Ok::<_, std::io::Error>(())
                                    })?;
                                }
                                for c in list {
                                    w.create_element("SourceRef")
                                        .with_attribute((
                                            "targetGUID",
                                            source_guid(c.card).as_str(),
                                        ))
                                        .write_empty()?;
                                }
                                Ok::<_, std::io::Error>(())
                            })?;
                    }
                    Ok::<_, std::io::Error>(())
                })?;
            }
            if !cards.is_empty() {
                w.create_element("Sources").write_inner_content(|w| {
                    for (i, c) in cards.iter().enumerate() {
                        let c = c.card;
                        let g = source_guid(c);
                        let text = xml_text(&c.text);
                        let name = format!("{} · {} · card {}", c.board_title, c.question, i + 1);
                        w.create_element("TextSource")
                            .with_attribute(("guid", g.as_str()))
                            .with_attribute(("name", xml_text(&name).as_str()))
                            .with_attribute((
                                "plainTextPath",
                                format!("internal://{g}.txt").as_str(),
                            ))
                            .write_inner_content(|w| {
                                let codings = coded.get(c.key.as_str());
                                if codings.is_none_or(|l| l.iter().all(|(_, s)| s.is_empty())) {
                                    return Ok(());
                                }
                                w.create_element("PlainTextSelection")
                                    .with_attribute((
                                        "guid",
                                        guid(ws, &format!("selection/{}", c.key)).as_str(),
                                    ))
                                    .with_attribute(("name", "The whole card"))
                                    .with_attribute(("startPosition", "0"))
                                    .with_attribute((
                                        "endPosition",
                                        text.chars().count().to_string().as_str(),
                                    ))
                                    .write_inner_content(|w| {
                                        for (user, codes) in codings.into_iter().flatten() {
                                            for code in
                                                codes.iter().filter(|c| known.contains(c.as_str()))
                                            {
                                                w.create_element("Coding")
                                                    .with_attribute((
                                                        "guid",
                                                        guid(
                                                            ws,
                                                            &format!(
                                                                "coding/{}/{user}/{code}",
                                                                c.key
                                                            ),
                                                        )
                                                        .as_str(),
                                                    ))
                                                    .with_attribute(("creatingUser", user.as_str()))
                                                    .write_inner_content(|w| {
                                                        w.create_element("CodeRef")
                                                            .with_attribute((
                                                                "targetGUID",
                                                                guid(ws, &format!("code/{code}"))
                                                                    .as_str(),
                                                            ))
                                                            .write_empty()?;
                                                        Ok::<_, std::io::Error>(())
                                                    })?;
                                            }
                                        }
                                        Ok::<_, std::io::Error>(())
                                    })?;
                                Ok::<_, std::io::Error>(())
                            })?;
                    }
                    Ok::<_, std::io::Error>(())
                })?;
            }
            Ok::<_, std::io::Error>(())
        })?;
    let qde = w.into_inner();

    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("project.qde", options)?;
    zip.write_all(&qde)?;
    for c in cards {
        zip.start_file(format!("Sources/{}.txt", source_guid(c.card)), options)?;
        zip.write_all(xml_text(&c.card.text).as_bytes())?;
    }
    Ok(zip.finish()?.into_inner())
}

/// Read a REFI-QDA codebook (`.qdc`): its codes, nested as in the file, definitions from
/// `Description`. A code whose GUID is one this workshop's export gave to a code of
/// `existing` keeps that code's id (so re-importing an exported codebook keeps the
/// codings); any other code's id is its GUID. The result is not yet checked
/// ([`Codebook::check`] does that).
pub fn read_codebook(
    xml: &[u8],
    workshop: &str,
    existing: &Codebook,
) -> Result<Codebook, QdcError> {
    use quick_xml::events::BytesStart;
    use quick_xml::Reader;
    let ours: std::collections::HashMap<String, &str> = existing
        .codes
        .iter()
        .map(|c| (guid(workshop, &format!("code/{}", c.id)), c.id.as_str()))
        .collect();
    let mut reader = Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut codes: Vec<Code> = Vec::new();
    // The open codes (indexes into `codes`), innermost last.
    let mut open: Vec<usize> = Vec::new();
    let mut in_description = false;
    let mut root = false;
    let xml_error = |reader: &Reader<&[u8]>, e: &dyn std::fmt::Display| QdcError::Xml {
        at: reader.buffer_position(),
        reason: e.to_string(),
    };
    let attr = |e: &BytesStart<'_>, name: &str| -> Option<String> {
        e.attributes()
            .flatten()
            .find(|a| a.key.local_name().as_ref() == name)
            .and_then(|a| {
                a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .ok()
                    .map(|v| v.into_owned())
            })
    };
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| xml_error(&reader, &e))?;
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let name = e.local_name().as_ref().to_string();
                if !root {
                    if name != "CodeBook" {
                        return Err(QdcError::NotCodebook(name));
                    }
                    root = true;
                } else if name == "Code" {
                    let g = attr(e, "guid").ok_or(QdcError::Missing("guid"))?;
                    let code_name = attr(e, "name").ok_or(QdcError::Missing("name"))?;
                    let id = ours.get(&g).map(|s| s.to_string()).unwrap_or(g);
                    codes.push(Code {
                        id,
                        name: code_name.trim().to_string(),
                        definition: String::new(),
                        parent: open.last().map(|&i| codes[i].id.clone()),
                    });
                    if matches!(event, Event::Start(_)) {
                        open.push(codes.len() - 1);
                    }
                } else if name == "Description" && matches!(event, Event::Start(_)) {
                    in_description = true;
                }
            }
            Event::Text(t) if in_description => {
                if let Some(&i) = open.last() {
                    codes[i].definition.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) if in_description => {
                if let Some(&i) = open.last() {
                    let name = r.xml10_content();
                    let ch = match &*name {
                        "lt" => "<".to_string(),
                        "gt" => ">".to_string(),
                        "amp" => "&".to_string(),
                        "quot" => "\"".to_string(),
                        "apos" => "'".to_string(),
                        other => match r.resolve_char_ref() {
                            Ok(Some(c)) => c.to_string(),
                            _ => {
                                return Err(xml_error(
                                    &reader,
                                    &format!("unknown entity &{other};"),
                                ))
                            }
                        },
                    };
                    codes[i].definition.push_str(&ch);
                }
            }
            Event::End(ref e) => match e.local_name().as_ref() {
                "Code" => {
                    open.pop();
                }
                "Description" => in_description = false,
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if !root {
        return Err(QdcError::Empty);
    }
    for c in codes.iter_mut() {
        c.definition = c.definition.trim().to_string();
    }
    Ok(Codebook { codes })
}
