//! The analysis page (`/workshop/:id/coding`): the lead writes the codebook, adds
//! analysts and closes coding to compare; each analyst codes the workshop's cards blind;
//! once compared, everyone reads the agreement and the disagreements, and the lead
//! records the agreed codes card by card. Card text is shown as text only.

use std::collections::{BTreeSet, HashMap};

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::{
    add_analyst, code_card, codes_from_themes, get_coding, revoke_analyst, save_codebook,
    set_coding_phase,
};
use crate::pages::common::{origin, use_token, LinkProblem, NotFound};
use cocreate_core::analysis::{CardCodes, Coder, CodingCard, CodingPhase, CodingView};
use cocreate_core::coding::{Agreement, Code, Codebook, Coding};

#[component]
pub fn CodingPage() -> impl IntoView {
    let params = use_params_map();
    let token = use_token();
    let id = move || params.read().get("id").unwrap_or_default();
    let tick = RwSignal::new(0u32);
    // Kept across reloads of the analysis (each action reloads it).
    let feedback = RwSignal::new(String::new());
    let issued = RwSignal::new(None::<(String, String)>);
    let view_of = Resource::new(
        move || (id(), token.get(), tick.get()),
        |(id, t, _)| get_coding(id, t),
    );
    view! {
        <Transition fallback=|| view! { <p>"Loading the analysis…"</p> }>
            {move || Suspend::new(async move {
                match view_of.await {
                    Ok(Some(v)) => view! { <Analysis v token=token.get_untracked() tick feedback issued/> }.into_any(),
                    Ok(None) => view! { <NotFound what="workshop"/> }.into_any(),
                    Err(error) => view! { <LinkProblem error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// A number to two places, or a dash when undefined.
fn stat(x: Option<f64>) -> String {
    x.map_or_else(|| "—".into(), |x| format!("{x:.2}"))
}

fn percent(x: Option<f64>) -> String {
    x.map_or_else(|| "—".into(), |x| format!("{:.0} %", x * 100.0))
}

/// The first words of a card, to name it.
fn excerpt(text: &str) -> String {
    let words: String = text.chars().take(60).collect();
    if words.len() < text.len() {
        format!("{words}…")
    } else {
        words
    }
}

/// Each code's depth in the codebook (1 for a top-level code).
fn depths(book: &Codebook) -> HashMap<String, usize> {
    let parent: HashMap<&str, Option<&str>> = book
        .codes
        .iter()
        .map(|c| (c.id.as_str(), c.parent.as_deref()))
        .collect();
    book.codes
        .iter()
        .map(|c| {
            let (mut d, mut at) = (1, c.parent.as_deref());
            while let Some(p) = at {
                d += 1;
                at = parent.get(p).copied().flatten();
                if d > 8 {
                    break;
                }
            }
            (c.id.clone(), d)
        })
        .collect()
}

#[component]
fn Analysis(
    v: CodingView,
    token: Option<String>,
    tick: RwSignal<u32>,
    feedback: RwSignal<String>,
    issued: RwSignal<Option<(String, String)>>,
) -> impl IntoView {
    let lead = v.me == Coder::Lead;
    let q = token
        .as_ref()
        .map(|t| format!("?token={t}"))
        .unwrap_or_default();
    let who = match &v.me {
        Coder::Lead => "You lead this analysis.".to_string(),
        Coder::Analyst(a) => format!("You are coding as {}.", a.name),
    };
    let phase = match v.phase {
        CodingPhase::Blind => {
            "Coding is open. Each analyst sees only their own coding until the lead compares them."
        }
        CodingPhase::Compare => {
            "Coding is closed and the codings are compared. The lead records the agreed codes."
        }
    };
    let names: HashMap<String, String> = v
        .analysts
        .iter()
        .map(|a| (a.id.clone(), a.name.clone()))
        .collect();
    let exports = {
        let base = format!("/api/workshops/{}/coding", v.workshop_id);
        let project = lead.then(|| {
            view! {
                <a href=format!("{base}/project.qdpx{q}") download>
                    "Project for NVivo, ATLAS.ti, MAXQDA or QualCoder (REFI-QDA, .qdpx)"
                </a>
                <a href=format!("{base}/dataset.csv{q}") download>"NVivo dataset (CSV)"</a>
                <a href=format!("{base}/classification.csv{q}") download>"Classification sheet (CSV)"</a>
            }
        });
        view! {
            <div class="row exports">
                {project}
                <a href=format!("{base}/codebook.qdc{q}") download>"Codebook (REFI-QDA, .qdc)"</a>
            </div>
        }
    };
    let back = lead.then(|| {
        view! { <p><a href=format!("/workshop/{}{q}", v.workshop_id)>"Back to the workshop console"</a></p> }
    });
    let setup = if lead {
        view! {
            <CodebookEditor workshop=v.workshop_id.clone() book=v.codebook.clone() phase=v.phase token=token.clone() feedback tick boards=boards_of(&v)/>
            <Analysts v=v.clone() token=token.clone() feedback tick issued/>
        }
        .into_any()
    } else {
        view! { <CodebookList book=v.codebook.clone()/> }.into_any()
    };
    let agreement = v
        .agreement
        .clone()
        .map(|a| view! { <AgreementView a v=v.clone() names=names.clone()/> });
    view! {
        <Title text=format!("Analysis · {} · cocreate", v.workshop_title)/>
        <h1>{format!("Analysis: {}", v.workshop_title)}</h1>
        <p class="muted">{who} " " {phase}</p>
        {back}
        {exports}
        <p role="status" aria-live="polite" class="feedback">{move || feedback.get()}</p>
        {setup}
        {agreement}
        <Cards v token feedback names/>
    }
}

/// The workshop's boards that have cards, in order: (id, title).
fn boards_of(v: &CodingView) -> Vec<(String, String)> {
    let mut seen = Vec::<(String, String)>::new();
    for c in &v.cards {
        if !seen.iter().any(|(id, _)| *id == c.board_id) {
            seen.push((c.board_id.clone(), c.board_title.clone()));
        }
    }
    seen
}

/// One row of the codebook editor: its own signals, so typing re-renders nothing else.
#[derive(Clone, Copy)]
struct CodeRow {
    id: StoredValue<String>,
    name: RwSignal<String>,
    definition: RwSignal<String>,
    parent: RwSignal<String>,
}

impl CodeRow {
    fn of(c: &Code) -> CodeRow {
        CodeRow {
            id: StoredValue::new(c.id.clone()),
            name: RwSignal::new(c.name.clone()),
            definition: RwSignal::new(c.definition.clone()),
            parent: RwSignal::new(c.parent.clone().unwrap_or_default()),
        }
    }

    fn code(&self) -> Code {
        let parent = self.parent.get_untracked();
        Code {
            id: self.id.get_value(),
            name: self.name.get_untracked().trim().to_string(),
            definition: self.definition.get_untracked().trim().to_string(),
            parent: (!parent.is_empty()).then_some(parent),
        }
    }
}

#[component]
fn CodebookEditor(
    workshop: String,
    book: Codebook,
    phase: CodingPhase,
    token: Option<String>,
    feedback: RwSignal<String>,
    tick: RwSignal<u32>,
    boards: Vec<(String, String)>,
) -> impl IntoView {
    if phase == CodingPhase::Compare {
        return view! {
            <CodebookList book/>
            <p class="muted">"To change the codebook, open coding again."</p>
        }
        .into_any();
    }
    let rows = RwSignal::new(book.codes.iter().map(CodeRow::of).collect::<Vec<_>>());
    let add = move |_| {
        rows.update(|r| {
            let used: BTreeSet<String> = r.iter().map(|x| x.id.get_value()).collect();
            let id = (1..)
                .map(|n| format!("c{n}"))
                .find(|id| !used.contains(id))
                .unwrap_or_default();
            r.push(CodeRow::of(&Code {
                id,
                name: String::new(),
                definition: String::new(),
                parent: None,
            }));
        });
    };
    let theme_board = RwSignal::new(boards.first().map(|b| b.0.clone()).unwrap_or_default());
    let from_themes = {
        let (w, t) = (workshop.clone(), token.clone());
        move |_| {
            let (w, t, b) = (w.clone(), t.clone(), theme_board.get_untracked());
            leptos::task::spawn_local(async move {
                match codes_from_themes(w, t, b).await {
                    Ok(0) => feedback.set("No new themes: each is a code already.".into()),
                    Ok(n) => {
                        feedback.set(format!("{n} themes added as codes."));
                        tick.update(|x| *x = x.wrapping_add(1));
                    }
                    Err(e) => feedback.set(format!("The themes were not added: {e}")),
                }
            });
        }
    };
    let file_ref = NodeRef::<leptos::html::Input>::new();
    let import_url = format!(
        "/api/workshops/{workshop}/coding/codebook.qdc{}",
        token
            .as_ref()
            .map(|t| format!("?token={t}"))
            .unwrap_or_default()
    );
    let on_import = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        #[cfg(feature = "hydrate")]
        {
            let Some(file) = file_ref
                .get()
                .and_then(|i| i.files())
                .and_then(|f| f.get(0))
            else {
                feedback.set("Choose a codebook file first.".into());
                return;
            };
            let url = import_url.clone();
            leptos::task::spawn_local(async move {
                match crate::pages::common::post_file(&url, &file).await {
                    Ok(json) => {
                        feedback.set(format!(
                            "Codebook imported: {} codes.",
                            json["codes"].as_u64().unwrap_or(0)
                        ));
                        tick.update(|x| *x = x.wrapping_add(1));
                    }
                    Err(e) => feedback.set(format!("The codebook was not imported: {e}")),
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (&import_url, file_ref, feedback, tick);
    };
    let save = move |_| {
        let codebook = Codebook {
            codes: rows.get_untracked().iter().map(CodeRow::code).collect(),
        };
        let (w, t) = (workshop.clone(), token.clone());
        leptos::task::spawn_local(async move {
            match save_codebook(w, t, codebook).await {
                Ok(()) => {
                    feedback.set("Codebook saved.".into());
                    tick.update(|n| *n = n.wrapping_add(1));
                }
                Err(e) => feedback.set(format!("The codebook was not saved: {e}")),
            }
        });
    };
    view! {
        <section aria-labelledby="book-h">
            <h2 id="book-h">"Codebook"</h2>
            <p class="muted">"Each code has a name and what it means. A code can sit under another one."</p>
            <ol class="codebook-edit">
                <For each=move || rows.get() key=|r| r.id.get_value() let:row>
                    {
                        let id = row.id.get_value();
                        let remove = move |_| rows.update(|r| r.retain(|x| x.id.get_value() != row.id.get_value()));
                        view! {
                            <li data-code=id.clone()>
                                <label for=format!("name-{id}")>"Code name"</label>
                                <input id=format!("name-{id}") maxlength="80"
                                    prop:value=move || row.name.get()
                                    on:input=move |ev| row.name.set(event_target_value(&ev))/>
                                <label for=format!("def-{id}")>"What it means"</label>
                                <textarea id=format!("def-{id}") maxlength="1000" rows="2"
                                    prop:value=move || row.definition.get()
                                    on:input=move |ev| row.definition.set(event_target_value(&ev))></textarea>
                                <label for=format!("parent-{id}")>"Under"</label>
                                <select id=format!("parent-{id}")
                                    on:change=move |ev| row.parent.set(event_target_value(&ev))>
                                    <option value="" selected=move || row.parent.get().is_empty()>"No other code (top level)"</option>
                                    {move || {
                                        let me = row.id.get_value();
                                        rows.get().into_iter().filter(|o| o.id.get_value() != me).map(|o| {
                                            let oid = o.id.get_value();
                                            let chosen = oid.clone();
                                            view! {
                                                <option value=oid selected=move || row.parent.get() == chosen>
                                                    {move || { let n = o.name.get(); if n.trim().is_empty() { "(no name yet)".to_string() } else { n } }}
                                                </option>
                                            }
                                        }).collect_view()
                                    }}
                                </select>
                                <button type="button" on:click=remove
                                    aria-label=move || format!("Remove the code {}", row.name.get())>"Remove"</button>
                            </li>
                        }
                    }
                </For>
            </ol>
            <div class="row">
                <button type="button" on:click=add>"Add a code"</button>
                <button type="button" on:click=save>"Save codebook"</button>
            </div>
            <div class="row">
                <label for="theme-board">"Board whose themes become codes"</label>
                <select id="theme-board" on:change=move |ev| theme_board.set(event_target_value(&ev))>
                    {boards.into_iter().map(|(id, title)| view! { <option value=id>{title}</option> }).collect_view()}
                </select>
                <button type="button" on:click=from_themes>"Add its themes as codes"</button>
            </div>
            <form class="row" on:submit=on_import>
                <label for="qdc-file">"Import a codebook (REFI-QDA .qdc, from NVivo, ATLAS.ti, MAXQDA or QualCoder); it replaces this one"</label>
                <input id="qdc-file" type="file" accept=".qdc,.xml,application/xml,text/xml" node_ref=file_ref/>
                <button type="submit">"Import codebook"</button>
            </form>
        </section>
    }
    .into_any()
}

/// The codebook to read: names and what they mean, nested.
#[component]
fn CodebookList(book: Codebook) -> impl IntoView {
    let depth = depths(&book);
    view! {
        <section aria-labelledby="book-h">
            <h2 id="book-h">"Codebook"</h2>
            {if book.codes.is_empty() {
                view! { <p class="muted">"The lead has not written any codes yet."</p> }.into_any()
            } else {
                view! {
                    <dl class="codebook">
                        {book.codes.into_iter().map(|c| {
                            let d = depth.get(&c.id).copied().unwrap_or(1);
                            view! {
                                <dt style=format!("margin-left: {}rem", (d - 1) * 2)>{c.name}</dt>
                                <dd style=format!("margin-left: {}rem", (d - 1) * 2 + 1)>{c.definition}</dd>
                            }
                        }).collect_view()}
                    </dl>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn Analysts(
    v: CodingView,
    token: Option<String>,
    feedback: RwSignal<String>,
    tick: RwSignal<u32>,
    issued: RwSignal<Option<(String, String)>>,
) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let add = {
        let (w, t) = (v.workshop_id.clone(), token.clone());
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let (w, t, n) = (w.clone(), t.clone(), name.get_untracked());
            leptos::task::spawn_local(async move {
                match add_analyst(w.clone(), t, n).await {
                    Ok(link) => {
                        let url = format!("{}/workshop/{w}/coding?token={}", origin(), link.token);
                        feedback.set(format!("{} was added.", link.analyst.name));
                        issued.set(Some((link.analyst.name, url)));
                        name.set(String::new());
                        tick.update(|n| *n = n.wrapping_add(1));
                    }
                    Err(e) => feedback.set(format!("The analyst was not added: {e}")),
                }
            });
        }
    };
    let phase = v.phase;
    let toggle = {
        let (w, t) = (v.workshop_id.clone(), token.clone());
        move |_| {
            let next = match phase {
                CodingPhase::Blind => CodingPhase::Compare,
                CodingPhase::Compare => CodingPhase::Blind,
            };
            let (w, t) = (w.clone(), t.clone());
            leptos::task::spawn_local(async move {
                match set_coding_phase(w, t, next).await {
                    Ok(()) => {
                        feedback.set(
                            match next {
                                CodingPhase::Compare => "Coding closed: the codings are compared.",
                                CodingPhase::Blind => "Coding is open again.",
                            }
                            .into(),
                        );
                        tick.update(|n| *n = n.wrapping_add(1));
                    }
                    Err(e) => feedback.set(format!("Could not change the analysis: {e}")),
                }
            });
        }
    };
    let total = v.cards.len();
    view! {
        <section aria-labelledby="analysts-h">
            <h2 id="analysts-h">"Analysts"</h2>
            {if v.analysts.is_empty() {
                view! { <p class="muted">"No analysts yet. Add two or more to measure agreement."</p> }.into_any()
            } else {
                view! {
                    <ul class="analysts">
                        {v.analysts.iter().map(|a| {
                            let revoke = {
                                let (w, t, id, name) = (v.workshop_id.clone(), token.clone(), a.id.clone(), a.name.clone());
                                move |_| {
                                    let (w, t, id, name) = (w.clone(), t.clone(), id.clone(), name.clone());
                                    leptos::task::spawn_local(async move {
                                        match revoke_analyst(w, t, id).await {
                                            Ok(()) => {
                                                feedback.set(format!("{name}'s link no longer opens anything. Their coding is kept."));
                                                tick.update(|n| *n = n.wrapping_add(1));
                                            }
                                            Err(e) => feedback.set(format!("Not revoked: {e}")),
                                        }
                                    });
                                }
                            };
                            view! {
                                <li data-analyst=a.id.clone()>
                                    {format!("{} · {} of {total} cards coded", a.name, a.coded)}
                                    {if a.revoked_ms.is_some() {
                                        view! { " · link revoked" }.into_any()
                                    } else {
                                        view! { " " <button type="button" on:click=revoke>{format!("Revoke {}'s link", a.name)}</button> }.into_any()
                                    }}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <form class="row" on:submit=add>
                <label for="analyst-name">"Analyst's name"</label>
                <input id="analyst-name" maxlength="80" required
                    prop:value=move || name.get()
                    on:input=move |ev| name.set(event_target_value(&ev))/>
                <button type="submit">"Add analyst"</button>
            </form>
            {move || issued.get().map(|(who, url)| view! {
                <p class="issued">
                    <label for="analyst-link">{format!("Send {who} this link. It is shown only now, and opens this analysis and nothing else:")}</label>
                    <input id="analyst-link" readonly size="60" prop:value=url/>
                </p>
            })}
            <p>
                <button type="button" on:click=toggle>
                    {match phase {
                        CodingPhase::Blind => "Close coding and compare",
                        CodingPhase::Compare => "Open coding again",
                    }}
                </button>
            </p>
        </section>
    }
}

#[component]
fn AgreementView(a: Agreement, v: CodingView, names: HashMap<String, String>) -> impl IntoView {
    let name = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_string());
    let code_name: HashMap<String, String> = v
        .codebook
        .codes
        .iter()
        .map(|c| (c.id.clone(), c.name.clone()))
        .collect();
    let card_text: HashMap<String, String> = v
        .cards
        .iter()
        .map(|c| (c.key.clone(), excerpt(&c.text)))
        .collect();
    let two = a.analysts.len() == 2;
    let heads: Vec<String> = a.analysts.iter().map(|id| name(id)).collect();
    view! {
        <section aria-labelledby="agree-h">
            <h2 id="agree-h">"Agreement"</h2>
            <p class="overall">
                {format!(
                    "{} cards coded by two or more analysts. Krippendorff's alpha {}{} · all analysts alike on {} of decisions.",
                    a.cards_compared,
                    stat(a.alpha),
                    if two { format!(" · Cohen's kappa {}", stat(a.kappa)) } else { String::new() },
                    percent(a.percent_agreement),
                )}
            </p>
            <table class="console agreement">
                <caption>"Agreement per code"</caption>
                <thead><tr>
                    <th scope="col">"Code"</th>
                    <th scope="col" class="num">"Alpha"</th>
                    {two.then(|| view! { <th scope="col" class="num">"Kappa"</th> })}
                    <th scope="col" class="num">"Alike"</th>
                    {heads.iter().map(|h| view! { <th scope="col" class="num">{format!("Cards {h} gave it")}</th> }).collect_view()}
                </tr></thead>
                <tbody>
                    {a.per_code.iter().map(|c| view! {
                        <tr>
                            <th scope="row">{code_name.get(&c.code).cloned().unwrap_or_else(|| c.code.clone())}</th>
                            <td class="num">{stat(c.alpha)}</td>
                            {two.then(|| view! { <td class="num">{stat(c.kappa)}</td> })}
                            <td class="num">{percent(c.percent_agreement)}</td>
                            {c.applied.iter().map(|n| view! { <td class="num">{n.to_string()}</td> }).collect_view()}
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            <h3>{format!("Disagreements ({})", a.disagreements.len())}</h3>
            {if a.disagreements.is_empty() {
                view! { <p class="muted">"None: the analysts decided alike on every card."</p> }.into_any()
            } else {
                view! {
                    <ul class="disagreements">
                        {a.disagreements.iter().map(|d| {
                            let by = |ids: &[String]| ids.iter().map(|i| name(i)).collect::<Vec<_>>().join(", ");
                            view! {
                                <li data-card=d.card.clone()>
                                    {format!(
                                        "“{}”: {} (given by {}; not by {})",
                                        card_text.get(&d.card).cloned().unwrap_or_else(|| d.card.clone()),
                                        code_name.get(&d.code).cloned().unwrap_or_else(|| d.code.clone()),
                                        by(&d.applied_by),
                                        by(&d.not_applied_by),
                                    )}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

/// What one card's codes are, in words, in the codebook's order.
fn codes_in_words(codes: Option<&BTreeSet<String>>, names: &[(String, String)]) -> String {
    match codes {
        None => "not coded".into(),
        Some(c) if c.is_empty() => "no code applies".into(),
        Some(c) => names
            .iter()
            .filter(|(id, _)| c.contains(id))
            .map(|(_, name)| name.clone())
            .collect::<Vec<_>>()
            .join(", "),
    }
}

#[component]
fn Cards(
    v: CodingView,
    token: Option<String>,
    feedback: RwSignal<String>,
    names: HashMap<String, String>,
) -> impl IntoView {
    let lead = v.me == Coder::Lead;
    let phase = v.phase;
    // What this page records: an analyst's own codes while blind, the agreed ones (the
    // lead) once compared.
    let records = matches!(
        (lead, phase),
        (false, CodingPhase::Blind) | (true, CodingPhase::Compare)
    );
    let start: Coding = if lead {
        v.agreed.clone()
    } else {
        v.mine.clone()
    };
    let recorded = RwSignal::new(start);
    let codes = StoredValue::new(v.codebook.codes.clone());
    let depth = StoredValue::new(depths(&v.codebook));
    let code_names: Vec<(String, String)> = v
        .codebook
        .codes
        .iter()
        .map(|c| (c.id.clone(), c.name.clone()))
        .collect();
    let disagreed: BTreeSet<String> = v
        .agreement
        .as_ref()
        .map(|a| a.disagreements.iter().map(|d| d.card.clone()).collect())
        .unwrap_or_default();
    let only_disagreed = RwSignal::new(false);
    let boards = boards_of(&v);
    let board = RwSignal::new(String::new());
    let total = v.cards.len();
    let progress = move || {
        let n = recorded.with(|r| r.len());
        if lead {
            format!("Agreed codes recorded for {n} of {total} cards.")
        } else {
            format!("You have coded {n} of {total} cards.")
        }
    };
    let cards = StoredValue::new(v.cards.clone());
    let codings = StoredValue::new(v.codings.clone());
    let analysts = StoredValue::new(v.analysts.clone());
    let ctx = StoredValue::new((v.workshop_id.clone(), token, code_names, names));
    let disagreed = StoredValue::new(disagreed);
    let agreed = StoredValue::new(v.agreed.clone());
    let shown = move || {
        let (b, only) = (board.get(), only_disagreed.get());
        cards.with_value(|cs| {
            cs.iter()
                .enumerate()
                .filter(|(_, c)| b.is_empty() || c.board_id == b)
                .filter(|(_, c)| !only || disagreed.with_value(|d| d.contains(&c.key)))
                .map(|(i, c)| (i, c.clone()))
                .collect::<Vec<_>>()
        })
    };
    view! {
        <section aria-labelledby="cards-h">
            <h2 id="cards-h">"Cards"</h2>
            <p class="muted" aria-live="polite">{progress}</p>
            <div class="row">
                <label for="board-filter">"Group"</label>
                <select id="board-filter" on:change=move |ev| board.set(event_target_value(&ev))>
                    <option value="">"Every group"</option>
                    {boards.into_iter().map(|(id, title)| view! { <option value=id>{title}</option> }).collect_view()}
                </select>
                {(phase == CodingPhase::Compare).then(|| view! {
                    <label>
                        <input type="checkbox" on:change=move |ev| only_disagreed.set(event_target_checked(&ev))/>
                        " Only cards the analysts disagree on"
                    </label>
                })}
            </div>
            {move || if total == 0 {
                view! { <p class="muted">"The workshop's boards have no cards yet."</p> }.into_any()
            } else {
                view! {
                    <ol class="coding-cards">
                        {shown().into_iter().map(|(i, card)| view! {
                            <CardToCode i card records lead recorded codes depth codings analysts ctx disagreed agreed feedback/>
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
        </section>
    }
}

/// The workshop, the token, the codes' names in codebook order, the analysts' names.
type Ctx = (
    String,
    Option<String>,
    Vec<(String, String)>,
    HashMap<String, String>,
);

#[component]
#[allow(clippy::too_many_arguments)]
fn CardToCode(
    i: usize,
    card: CodingCard,
    records: bool,
    lead: bool,
    recorded: RwSignal<Coding>,
    codes: StoredValue<Vec<Code>>,
    depth: StoredValue<HashMap<String, usize>>,
    codings: StoredValue<std::collections::BTreeMap<String, Coding>>,
    analysts: StoredValue<Vec<cocreate_core::analysis::AnalystInfo>>,
    ctx: StoredValue<Ctx>,
    disagreed: StoredValue<BTreeSet<String>>,
    agreed: StoredValue<Coding>,
    feedback: RwSignal<String>,
) -> impl IntoView {
    let key = card.key.clone();
    let short = excerpt(&card.text);
    let context = {
        let mut s = format!("{} · {}", card.board_title, card.question);
        if let Some(r) = &card.role {
            s.push_str(&format!(" · written by a {r}"));
        }
        for (q, a) in &card.attributes {
            s.push_str(&format!(" · {q}: {a}"));
        }
        s
    };
    // A lead's agreed codes start from what every analyst who coded the card gave it.
    let suggested: BTreeSet<String> = if lead {
        let given: Vec<BTreeSet<String>> = codings.with_value(|c| {
            c.values()
                .filter_map(|coding| coding.get(&key))
                .cloned()
                .collect()
        });
        match given.split_first() {
            Some((first, rest)) => first
                .iter()
                .filter(|c| rest.iter().all(|o| o.contains(*c)))
                .cloned()
                .collect(),
            None => BTreeSet::new(),
        }
    } else {
        BTreeSet::new()
    };
    let draft = RwSignal::new(
        recorded
            .with_untracked(|r| r.get(&key).cloned())
            .unwrap_or(suggested),
    );
    let send = {
        let key = key.clone();
        move |set: BTreeSet<String>| {
            let (w, t) = ctx.with_value(|c| (c.0.clone(), c.1.clone()));
            let key = key.clone();
            leptos::task::spawn_local(async move {
                let codes = CardCodes {
                    card: key.clone(),
                    codes: set.clone(),
                };
                match code_card(w, t, codes).await {
                    Ok(()) => {
                        recorded.update(|r| {
                            r.insert(key, set);
                        });
                        if lead {
                            feedback.set("Agreed codes recorded.".into());
                        }
                    }
                    Err(e) => feedback.set(format!("Not saved: {e}")),
                }
            });
        }
    };
    let status = {
        let key = key.clone();
        move || {
            ctx.with_value(|c| {
                let words = recorded.with(|r| codes_in_words(r.get(&key), &c.2));
                if lead {
                    format!("Agreed: {words}")
                } else {
                    format!("Your codes: {words}")
                }
            })
        }
    };
    let boxes = records.then(|| {
        let send_now = send.clone();
        let list = codes.get_value();
        view! {
            <fieldset>
                <legend>{if lead { format!("Agreed codes for “{short}”") } else { format!("Codes for “{short}”") }}</legend>
                {list.into_iter().map(|c| {
                    let id = format!("cc-{i}-{}", c.id);
                    let d = depth.with_value(|m| m.get(&c.id).copied().unwrap_or(1));
                    let (code, code2) = (c.id.clone(), c.id.clone());
                    let send = send_now.clone();
                    view! {
                        <div class="code-choice" style=format!("margin-left: {}rem", (d - 1) as f32 * 1.5)>
                            <input type="checkbox" id=id.clone()
                                prop:checked=move || draft.with(|s| s.contains(&code))
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    draft.update(|s| { if on { s.insert(code2.clone()); } else { s.remove(&code2); } });
                                    if !lead {
                                        send(draft.get_untracked());
                                    }
                                }/>
                            <label for=id>{c.name.clone()}</label>
                        </div>
                    }
                }).collect_view()}
                {if lead {
                    let send = send_now.clone();
                    view! { <button type="button" on:click=move |_| send(draft.get_untracked())>"Record agreed codes"</button> }.into_any()
                } else {
                    let send = send_now.clone();
                    view! { <button type="button" on:click=move |_| { draft.set(BTreeSet::new()); send(BTreeSet::new()); }>"No code applies"</button> }.into_any()
                }}
            </fieldset>
        }
    });
    // Once compared: what each analyst gave the card.
    let others = (!codings.with_value(|c| c.is_empty())).then(|| {
        let rows = analysts.with_value(|list| {
            list.iter()
                .map(|a| {
                    let given = codings.with_value(|c| {
                        ctx.with_value(|x| codes_in_words(c.get(&a.id).and_then(|m| m.get(&key)), &x.2))
                    });
                    format!("{}: {given}", a.name)
                })
                .collect::<Vec<_>>()
        });
        let differs = disagreed.with_value(|d| d.contains(&key));
        view! {
            {differs.then(|| view! { <p class="differs">"The analysts disagree on this card."</p> })}
            <ul class="codings">{rows.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}</ul>
        }
    });
    let show_status = records || (!lead && recorded.with_untracked(|r| r.contains_key(&key)));
    // Analysts read the agreed codes once the lead records them.
    let agreed_line = agreed.with_value(|a| {
        a.get(&key)
            .map(|c| ctx.with_value(|x| format!("Agreed: {}", codes_in_words(Some(c), &x.2))))
    });
    view! {
        <li class="coding-card" data-card=key.clone()>
            <p class="muted">{context}</p>
            <p class="card-text">{card.text.clone()}</p>
            {others}
            {boxes}
            {show_status.then(|| view! { <p class="card-status">{status}</p> })}
            {(!lead).then_some(agreed_line).flatten().map(|l| view! { <p class="card-agreed">{l}</p> })}
        </li>
    }
}
