//! The console's synthesis and consultation section: build a synthesis board from any
//! workshop's boards or snapshots, publish a board as a draft for consultation or for the
//! agreement round, and follow the rounds.

use std::collections::{HashMap, HashSet};

use leptos::prelude::*;

use crate::api::{
    add_sources, create_synthesis, list_rounds, list_snapshots, list_sources, publish_round,
};
use crate::pages::common::{board_href, origin};
use cocreate_core::catalog::{BoardSummary, NewSynthesis, SourceBoard, SourceRef, PILLARS};
use cocreate_core::consult::{NewConsultation, RoundKind};
use cocreate_core::model::report::iso_utc;

#[component]
pub fn SynthesisAndRounds(
    workshop: String,
    boards: Vec<BoardSummary>,
    token: Option<String>,
) -> impl IntoView {
    let feedback = RwSignal::new(String::new());
    let refresh = RwSignal::new(0u32);
    view! {
        <section aria-labelledby="synth-h">
            <h2 id="synth-h">"Synthesis and consultation"</h2>
            <p role="status" aria-live="polite" class="feedback">{move || feedback.get()}</p>
            <BuildSynthesis workshop=workshop.clone() boards=boards.clone() token=token.clone() feedback/>
            <PublishDraft boards=boards.clone() token=token.clone() feedback refresh/>
            <RoundList workshop=workshop.clone() token=token.clone() refresh/>
            <crate::pages::delphi::DelphiStudies workshop=workshop.clone() boards token=token.clone() drafts_changed=refresh/>
            <h3>"Analysis"</h3>
            <p><a href=match &token {
                Some(t) => format!("/workshop/{workshop}/coding?token={t}"),
                None => format!("/workshop/{workshop}/coding"),
            }>"Codebook, coding and agreement"</a></p>
        </section>
    }
}

#[component]
fn BuildSynthesis(
    workshop: String,
    boards: Vec<BoardSummary>,
    token: Option<String>,
    feedback: RwSignal<String>,
) -> impl IntoView {
    let target_ref = NodeRef::<leptos::html::Select>::new();
    let sources = {
        let t = token.clone();
        Resource::new(|| (), move |_| list_sources(t.clone()))
    };
    let chosen = RwSignal::new(HashSet::<String>::new());
    let pillar = RwSignal::new(PILLARS[0].to_string());
    let version = RwSignal::new(HashMap::<String, Option<i64>>::new());
    let title_ref = NodeRef::<leptos::html::Input>::new();
    let pillar_ref = NodeRef::<leptos::html::Select>::new();
    let made = RwSignal::new(None::<(String, String)>);
    let submit = {
        let (w, t) = (workshop.clone(), token.clone());
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let pillar = pillar_ref.get().map(|s| s.value()).unwrap_or_default();
            let mut title = title_ref.get().map(|i| i.value()).unwrap_or_default();
            if title.trim().is_empty() {
                title = format!("Synthesis: {pillar}");
            }
            let mut picked: Vec<String> = chosen.get_untracked().into_iter().collect();
            picked.sort();
            let sources: Vec<SourceRef> = picked
                .into_iter()
                .map(|b| SourceRef {
                    snapshot: version.with_untracked(|v| v.get(&b).copied().flatten()),
                    board: b,
                })
                .collect();
            let new = NewSynthesis {
                title,
                pillar,
                sources,
            };
            let (w, t) = (w.clone(), t.clone());
            let target = target_ref.get().map(|s| s.value()).unwrap_or_default();
            if !target.is_empty() {
                let sources = new.sources;
                leptos::task::spawn_local(async move {
                    match add_sources(target.clone(), t.clone(), sources).await {
                        Ok(n) => {
                            feedback.set(format!(
                                "{n} {} added.",
                                if n == 1 { "card" } else { "cards" }
                            ));
                            made.set(Some((
                                "the board".into(),
                                board_href(&target, t.as_deref()),
                            )));
                        }
                        Err(e) => feedback.set(format!("Could not add the cards: {}", e)),
                    }
                });
                return;
            }
            leptos::task::spawn_local(async move {
                match create_synthesis(w, t.clone(), new).await {
                    Ok(b) => {
                        feedback.set(format!("Synthesis board “{}” created.", b.title));
                        made.set(Some((b.title.clone(), board_href(&b.id, t.as_deref()))));
                    }
                    Err(e) => feedback.set(format!("Could not create the synthesis board: {}", e)),
                }
            });
        }
    };
    view! {
        <details class="synthesis">
            <summary>"Build a synthesis board from other boards"</summary>
            <form on:submit=submit>
                <div class="grid-form">
                    <label for="syn-pillar">"Pillar"</label>
                    <select id="syn-pillar" node_ref=pillar_ref on:change=move |ev| pillar.set(event_target_value(&ev))>
                        {PILLARS.map(|p| view! { <option value=p>{p}</option> }).collect_view()}
                    </select>
                    <label for="syn-title">"Title (optional)"</label>
                    <input id="syn-title" type="text" maxlength="120" node_ref=title_ref placeholder="Synthesis: pillar"/>
                    <label for="syn-target">"Copy the cards onto"</label>
                    <select id="syn-target" node_ref=target_ref>
                        <option value="">"A new board in this workshop"</option>
                        {boards.into_iter().filter(|b| !b.archived).map(|b| view! {
                            <option value=b.id.clone()>{format!("The existing board “{}”", b.title)}</option>
                        }).collect_view()}
                    </select>
                </div>
                <fieldset class="sources">
                    <legend>"Boards to copy cards from (each card keeps where it came from)"</legend>
                    <Suspense fallback=|| view! { <p>"Loading boards…"</p> }>
                        {move || Suspend::new(async move {
                            match sources.await {
                                Ok(list) => view! { <SourceList list chosen version pillar/> }.into_any(),
                                // A workshop's own facilitators read no other workshop: say
                                // who builds synthesis boards, not that something failed.
                                Err(crate::api::ApiError::Refused(cocreate_core::catalog::DirectoryError::Denied(_))) => view! {
                                    <p class="muted">"Synthesis boards are built by the organising team, who can read every workshop's boards: open this console with an organiser link to build one."</p>
                                }.into_any(),
                                Err(e) => view! { <p role="alert">"Could not list the boards: " {e.to_string()}</p> }.into_any(),
                            }
                        })}
                    </Suspense>
                </fieldset>
                <button type="submit">"Create synthesis board"</button>
            </form>
            {move || made.get().map(|(title, href)| view! {
                <p>"Open “" <a href=href>{title}</a> "”."</p>
            })}
        </details>
    }
}

#[component]
fn SourceList(
    list: Vec<SourceBoard>,
    chosen: RwSignal<HashSet<String>>,
    version: RwSignal<HashMap<String, Option<i64>>>,
    pillar: RwSignal<String>,
) -> impl IntoView {
    // Every area's board of the chosen pillar (synthesis workshops' own boards left out).
    let same_pillar: Vec<(String, String)> = list
        .iter()
        .filter(|s| s.board.area != cocreate_core::catalog::AREAS[3])
        .map(|s| (s.board.id.clone(), s.board.pillar.clone()))
        .collect();
    let tick_pillar = move |_| {
        let p = pillar.get_untracked();
        chosen.update(|c| {
            for (id, pl) in &same_pillar {
                if *pl == p {
                    c.insert(id.clone());
                }
            }
        });
    };
    // Group by workshop, in the order listed.
    let mut groups: Vec<(String, String, Vec<SourceBoard>)> = Vec::new();
    for s in list {
        match groups.iter_mut().find(|g| g.0 == s.board.workshop_id) {
            Some(g) => g.2.push(s),
            None => groups.push((
                s.board.workshop_id.clone(),
                format!("{} ({})", s.board.workshop_title, s.board.area),
                vec![s],
            )),
        }
    }
    view! {
        <button type="button" on:click=tick_pillar>"Choose this pillar's board in every area"</button>
        {groups.into_iter().map(|(_, heading, boards)| view! {
            <h3 class="source-workshop">{heading}</h3>
            <ul class="source-boards">
                {boards.into_iter().map(|s| {
                    let id = s.board.id.clone();
                    let check_id = format!("src-{id}");
                    let select_id = format!("ver-{id}");
                    let label = format!("{} · {}", s.board.workshop_title, s.board.title);
                    let (id1, id2) = (id.clone(), id.clone());
                    view! {
                        <li data-source=id.clone()>
                            <input type="checkbox" id=check_id.clone()
                                prop:checked={
                                    let id = id.clone();
                                    move || chosen.with(|c| c.contains(&id))
                                }
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    chosen.update(|c| { if on { c.insert(id1.clone()); } else { c.remove(&id1); } });
                                }/>
                            <label for=check_id>{s.board.title.clone()}</label>
                            <label class="visually-hidden" for=select_id.clone()>{format!("Version of {label}")}</label>
                            <select id=select_id on:change=move |ev| {
                                let v = event_target_value(&ev).parse::<i64>().ok();
                                version.update(|m| { m.insert(id2.clone(), v); });
                            }>
                                <option value="">"The board now"</option>
                                {s.snapshots.into_iter().rev().map(|sn| view! {
                                    <option value=sn.id.to_string()>{format!("Snapshot “{}” ({} UTC)", sn.name, iso_utc(sn.taken_ms as f64))}</option>
                                }).collect_view()}
                            </select>
                        </li>
                    }
                }).collect_view()}
            </ul>
        }).collect_view()}
    }
}

#[component]
fn PublishDraft(
    boards: Vec<BoardSummary>,
    token: Option<String>,
    feedback: RwSignal<String>,
    refresh: RwSignal<u32>,
) -> impl IntoView {
    let board_ref = NodeRef::<leptos::html::Select>::new();
    let at_ref = NodeRef::<leptos::html::Select>::new();
    let first = boards
        .iter()
        .find(|b| !b.archived)
        .map(|b| b.id.clone())
        .unwrap_or_default();
    let chosen_board = RwSignal::new(first);
    let snapshots = {
        let t = token.clone();
        Resource::new(
            move || chosen_board.get(),
            move |b| list_snapshots(b, t.clone()),
        )
    };
    let kind_ref = NodeRef::<leptos::html::Select>::new();
    let title_ref = NodeRef::<leptos::html::Input>::new();
    let link = RwSignal::new(None::<String>);
    let submit = {
        let t = token.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let board = board_ref.get().map(|s| s.value()).unwrap_or_default();
            let kind = kind_ref
                .get()
                .and_then(|s| RoundKind::parse(&s.value()))
                .unwrap_or(RoundKind::Consultation);
            let title = title_ref.get().map(|i| i.value()).unwrap_or_default();
            let at = at_ref.get().and_then(|s| s.value().parse::<i64>().ok());
            let t = t.clone();
            leptos::task::spawn_local(async move {
                match publish_round(board, t, NewConsultation { title, kind, at }).await {
                    Ok(p) => {
                        feedback.set(format!(
                            "Draft “{}” published with {} items.",
                            p.consultation.title,
                            p.consultation.items.len()
                        ));
                        link.set(Some(format!(
                            "{}/consult/{}?token={}",
                            origin(),
                            p.consultation.id,
                            p.token
                        )));
                        refresh.update(|n| *n = n.wrapping_add(1));
                    }
                    Err(e) => feedback.set(format!("Could not publish: {}", e)),
                }
            });
        }
    };
    view! {
        <details class="publish">
            <summary>"Publish a draft for consultation or agreement"</summary>
            <form class="grid-form" on:submit=submit>
                <label for="pub-board">"Board"</label>
                <select id="pub-board" node_ref=board_ref on:change=move |ev| chosen_board.set(event_target_value(&ev))>
                    {boards.into_iter().filter(|b| !b.archived).map(|b| view! { <option value=b.id.clone()>{b.title.clone()}</option> }).collect_view()}
                </select>
                <label for="pub-at">"Version"</label>
                <Transition fallback=|| view! { <select id="pub-at"><option value="">"The board now"</option></select> }>
                    {move || Suspend::new(async move {
                        let snaps = snapshots.await.unwrap_or_default();
                        view! {
                            <select id="pub-at" node_ref=at_ref>
                                <option value="">"The board now"</option>
                                {snaps.into_iter().rev().map(|sn| view! {
                                    <option value=sn.id.to_string()>{format!("Snapshot “{}” ({} UTC)", sn.name, iso_utc(sn.taken_ms as f64))}</option>
                                }).collect_view()}
                            </select>
                        }
                    })}
                </Transition>
                <label for="pub-kind">"Round"</label>
                <select id="pub-kind" node_ref=kind_ref>
                    <option value="consultation">"Consultation with professional bodies"</option>
                    <option value="agreement">"Agreement round (engagement group)"</option>
                </select>
                <label for="pub-title">"Draft title"</label>
                <input id="pub-title" type="text" required maxlength="120" node_ref=title_ref/>
                <button type="submit">"Publish draft"</button>
            </form>
            {move || link.get().map(|url| view! {
                <p>"Respondents' link (shown once; anyone with it can answer, nobody with it can change the draft): "
                    <input type="text" readonly class="round-link" value=url aria-label="Respondents' link"/></p>
            })}
        </details>
    }
}

#[component]
fn RoundList(workshop: String, token: Option<String>, refresh: RwSignal<u32>) -> impl IntoView {
    let rounds = {
        let (w, t) = (workshop.clone(), token.clone());
        Resource::new(
            move || refresh.get(),
            move |_| list_rounds(w.clone(), t.clone()),
        )
    };
    view! {
        <h3>"Published drafts"</h3>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                let token = token.clone();
                Suspend::new(async move {
                    match rounds.await {
                        Ok(list) if list.is_empty() => view! { <p class="muted">"None yet."</p> }.into_any(),
                        Ok(list) => view! {
                            <ul class="rounds">
                                {list.into_iter().map(|r| {
                                    let c = r.consultation;
                                    let href = match &token {
                                        Some(t) => format!("/consult/{}/results?token={t}", c.id),
                                        None => format!("/consult/{}/results", c.id),
                                    };
                                    view! {
                                        <li data-round=c.id.clone()>
                                            <a href=href>{c.title.clone()}</a>
                                            {format!(" · {} · {} · {} answered", c.kind.label(), if c.open { "open" } else { "closed" }, r.respondents)}
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(e) => view! { <p role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })
            }}
        </Transition>
    }
}
