//! A workshop opened with a workshop-wide link: facilitators get the live console of every
//! breakout board; participants and observers choose their group.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{
    add_board, edit_workshop, get_allocation, get_console, get_workshop, issue_link, list_links,
    revoke_link,
};
use crate::pages::common::{board_href, load_page, origin};
use crate::pages::console::{AllGroups, ConsoleBoards, RunSheetEditor};
use cocreate_core::catalog::{
    CatalogEdit, LinkInfo, LinkRequest, LinkRole, WorkshopAccess, WorkshopSummary,
};
use cocreate_core::model::plan::Allocation;
use cocreate_core::model::report::iso_utc;
use cocreate_core::model::Role;

#[component]
pub fn WorkshopPage() -> impl IntoView {
    load_page(
        "workshop",
        "Loading workshop…",
        get_workshop,
        |access, token| {
            if access.role == LinkRole::Facilitator {
                view! { <ConsoleView access token/> }.into_any()
            } else {
                view! { <ChooseGroup access token/> }.into_any()
            }
        },
    )
}

#[component]
fn ChooseGroup(access: WorkshopAccess, token: Option<String>) -> impl IntoView {
    let w = access.workshop;
    let participant = access.role == LinkRole::Participant;
    let allocation = {
        let (id, t) = (w.id.clone(), token.clone());
        Resource::new(|| (), move |_| get_allocation(id.clone(), t.clone()))
    };
    let role = RwSignal::new(Role::Stakeholder);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| role.set(crate::client::my_seat_and_role().1));
    let problem = RwSignal::new(None::<String>);
    let find = {
        let (id, t) = (w.id.clone(), token.clone());
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            #[cfg(feature = "hydrate")]
            {
                let (id, t, r) = (id.clone(), t.clone(), role.get_untracked());
                crate::client::remember_role(r);
                let seat = crate::client::my_seat_and_role().0;
                leptos::task::spawn_local(async move {
                    match crate::api::place_me(id, t.clone(), seat, r).await {
                        Ok(b) => {
                            if let Some(win) = web_sys::window() {
                                let _ = win.location().set_href(&board_href(&b.id, t.as_deref()));
                            }
                        }
                        Err(e) => problem.set(Some(format!("Could not find you a group: {e}"))),
                    }
                });
            }
            #[cfg(not(feature = "hydrate"))]
            let _ = (&id, &t);
        }
    };
    let boards: Vec<(String, String)> = w
        .boards
        .iter()
        .filter(|b| !b.archived)
        .map(|b| (board_href(&b.id, token.as_deref()), b.title.clone()))
        .collect();
    let list = move |heading: &'static str| {
        view! {
            <h2>{heading}</h2>
            <ul class="boards">
                {boards.iter().map(|(href, title)| view! {
                    <li><a href=href.clone()>{title.clone()}</a></li>
                }).collect_view()}
            </ul>
        }
    };
    let place_form = move || {
        view! {
            <form class="place-me" on:submit=find.clone()>
                <h2>"Find my group"</h2>
                <p>"We put you in a group so that each group has a mix of people."</p>
                <label for="place-role">"You are taking part as"</label>
                <select id="place-role" on:change=move |ev| {
                    if let Some(r) = Role::parse(&event_target_value(&ev)) {
                        role.set(r);
                    }
                }>
                    {Role::ALL.into_iter().filter(|r| *r != Role::Facilitator).map(|r| view! {
                        <option value=r.as_str() selected=move || role.get() == r>{r.label()}</option>
                    }).collect_view()}
                </select>
                <button type="submit">"Find my group"</button>
                {move || problem.get().map(|p| view! { <p role="alert">{p}</p> })}
            </form>
        }
    };
    view! {
        <Title text=format!("{} · cocreate", w.title)/>
        <h1>{w.title.clone()}</h1>
        <p class="muted">{w.area.clone()}</p>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                let (list, place_form) = (list.clone(), place_form.clone());
                Suspend::new(async move {
                    let balanced = matches!(allocation.await, Ok(Allocation::Balanced));
                    match (participant, balanced) {
                        (true, true) => place_form().into_any(),
                        (true, false) => view! { {place_form()} {list("Or choose your breakout group")} }.into_any(),
                        (false, _) => list("Choose your breakout group").into_any(),
                    }
                })
            }}
        </Transition>
    }
}

#[component]
fn ConsoleView(access: WorkshopAccess, token: Option<String>) -> impl IntoView {
    let workshop_id = access.workshop.id.clone();
    let tick = RwSignal::new(0u32);
    let console = {
        let (w, t) = (workshop_id.clone(), token.clone());
        Resource::new(
            move || tick.get(),
            move |_| get_console(w.clone(), t.clone()),
        )
    };
    // Refresh every 3 s in the browser.
    #[cfg(feature = "hydrate")]
    {
        let handle = set_interval_with_handle(
            move || tick.update(|n| *n = n.wrapping_add(1)),
            std::time::Duration::from_secs(3),
        )
        .ok();
        on_cleanup(move || {
            if let Some(h) = handle {
                h.clear();
            }
        });
    }
    let feedback = RwSignal::new(String::new());
    // The run-sheet editor loads the plan once (the console's refresh would undo typing).
    let plan = {
        let (w, t) = (workshop_id.clone(), token.clone());
        Resource::new(
            || (),
            move |_| {
                let (w, t) = (w.clone(), t.clone());
                async move { get_console(w, t).await.map(|c| c.plan) }
            },
        )
    };
    let (groups_token, sheet_token) = (token.clone(), token.clone());
    let workshop_id_sheet = workshop_id.clone();
    let links = RwSignal::new(Vec::<(String, String)>::new());
    let live_links = RwSignal::new(Vec::<LinkInfo>::new());
    let load_links = {
        let (w, t) = (workshop_id.clone(), token.clone());
        move || {
            let (w, t) = (w.clone(), t.clone());
            leptos::task::spawn_local(async move {
                match list_links(w, t).await {
                    Ok(l) => {
                        live_links.try_set(l);
                    }
                    Err(e) => feedback.set(format!("Could not list the links: {e}")),
                }
            });
        }
    };
    #[cfg(feature = "hydrate")]
    {
        let load_links = load_links.clone();
        Effect::new(move |prev: Option<()>| {
            if prev.is_none() {
                load_links();
            }
        });
    }
    let scope_ref = NodeRef::<leptos::html::Select>::new();
    let label_ref = NodeRef::<leptos::html::Input>::new();
    let expiry_ref = NodeRef::<leptos::html::Select>::new();
    let new_link = {
        let (w, t, load_links) = (workshop_id.clone(), token.clone(), load_links.clone());
        Action::new(move |role: &LinkRole| {
            let (w, t, role, load_links) = (w.clone(), t.clone(), *role, load_links.clone());
            let board = scope_ref
                .get_untracked()
                .map(|s| s.value())
                .filter(|v| !v.is_empty());
            let label = label_ref
                .get_untracked()
                .map(|l| l.value())
                .unwrap_or_default();
            let days: Option<f64> = expiry_ref
                .get_untracked()
                .and_then(|e| e.value().parse().ok());
            #[cfg(feature = "hydrate")]
            let now = js_sys::Date::now();
            #[cfg(not(feature = "hydrate"))]
            let now = 0.0;
            let expires_ms = days.map(|d| (now + d * 86_400_000.0) as i64);
            async move {
                let shown = match (&board, label.trim()) {
                    (_, l) if !l.is_empty() => format!("{} ({l})", role.as_str()),
                    (Some(b), _) => format!("{} (board {b})", role.as_str()),
                    (None, _) => role.as_str().to_string(),
                };
                let path = match &board {
                    Some(b) => format!("/board/{b}"),
                    None => format!("/workshop/{w}"),
                };
                let guided = role == LinkRole::Participant && board.is_some();
                let request = LinkRequest {
                    role,
                    board,
                    label,
                    expires_ms,
                };
                match issue_link(w.clone(), request, t).await {
                    Ok(tok) => {
                        let origin = origin();
                        let url = format!("{origin}{path}?token={tok}");
                        links.update(|l| {
                            if guided {
                                l.push((
                                    format!("{shown}, one question at a time"),
                                    format!("{url}&guided=1"),
                                ));
                            }
                            l.push((shown, url));
                        });
                        load_links();
                    }
                    Err(e) => feedback.set(format!("Could not make a link: {e}")),
                }
            }
        })
    };
    let revoke = {
        let (w, t, load_links) = (workshop_id.clone(), token.clone(), load_links.clone());
        move |id: String, label: String| {
            let (w, t, load_links) = (w.clone(), t.clone(), load_links.clone());
            leptos::task::spawn_local(async move {
                match revoke_link(w, t, id).await {
                    Ok(()) => {
                        feedback.set(format!(
                            "Link “{label}” revoked: it opens nothing any more."
                        ));
                        load_links();
                    }
                    Err(e) => feedback.set(format!("Could not revoke the link: {e}")),
                }
            });
        }
    };
    let link_rows = move || {
        let revoke = revoke.clone();
        live_links
            .get()
            .into_iter()
            .map(|l| {
                let label = if l.label.is_empty() { "(no label)".to_string() } else { l.label.clone() };
                let scope = l.board.clone().map_or("whole workshop".to_string(), |b| format!("board {b}"));
                let used = l.last_used_ms.map_or("never".to_string(), |ms| format!("{} UTC", iso_utc(ms as f64)));
                let expires = l.expires_ms.map_or("never".to_string(), |ms| format!("{} UTC", iso_utc(ms as f64)));
                let (id, name, revoke) = (l.id.clone(), label.clone(), revoke.clone());
                view! {
                    <tr>
                        <td>{label.clone()}{l.yours.then_some(" (the link you are using)")}</td>
                        <td>{l.role.as_str()}</td>
                        <td>{scope}</td>
                        <td>{format!("{} UTC", iso_utc(l.created_ms as f64))}</td>
                        <td>{used}</td>
                        <td>{expires}</td>
                        <td><button aria-label=format!("Revoke {label}") on:click=move |_| revoke(id.clone(), name.clone())>"Revoke"</button></td>
                    </tr>
                }
            })
            .collect_view()
    };
    let title = access.workshop.title.clone();
    view! {
        <Title text=format!("Console · {} · cocreate", title)/>
        <h1>"Facilitator console"</h1>
        <p class="muted">{title.clone()} " · " {access.workshop.area.clone()}</p>
        <section aria-labelledby="groups-h">
            <h2 id="groups-h">"Breakout groups"</h2>
            <p role="status" aria-live="polite" class="feedback">{move || feedback.get()}</p>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || {
                    let token = groups_token.clone();
                    Suspend::new(async move {
                    match console.await {
                        Ok(c) => view! { <ConsoleBoards console=c token=token feedback tick/> }.into_any(),
                        Err(e) => view! { <p role="alert">"Could not load the console: " {e.to_string()}</p> }.into_any(),
                    }
                })}}
            </Transition>
        </section>
        <AllGroups workshop=workshop_id.clone() token=token.clone() feedback tick/>
        <Transition fallback=|| ()>
            {move || {
                let (w, token) = (workshop_id_sheet.clone(), sheet_token.clone());
                Suspend::new(async move {
                    plan.await.ok().map(|plan| view! { <RunSheetEditor workshop=w token plan feedback tick/> })
                })
            }}
        </Transition>
        <section aria-labelledby="links-h">
            <h2 id="links-h">"Invite links"</h2>
            <p class="muted">"A link is shown once. Anyone with it can join in that role."</p>
            <div class="row">
                <label for="link-scope">"Link to"</label>
                <select id="link-scope" node_ref=scope_ref>
                    <option value="">"The whole workshop (people choose their group)"</option>
                    {access.workshop.boards.iter().filter(|b| !b.archived).map(|b| view! {
                        <option value=b.id.clone()>{format!("Only {}", b.title)}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="row">
                <label for="link-label">"Label (who or where it is for)"</label>
                <input id="link-label" type="text" maxlength="60" node_ref=label_ref/>
                <label for="link-expiry">"Expires"</label>
                <select id="link-expiry" node_ref=expiry_ref>
                    <option value="">"Never (until revoked)"</option>
                    <option value="1">"After 1 day"</option>
                    <option value="7">"After 7 days"</option>
                    <option value="30">"After 30 days"</option>
                </select>
            </div>
            <div class="row">
                <button on:click=move |_| { new_link.dispatch(LinkRole::Participant); }>"New participant link"</button>
                <button on:click=move |_| { new_link.dispatch(LinkRole::Observer); }>"New observer link"</button>
                <button on:click=move |_| { new_link.dispatch(LinkRole::Facilitator); }>"New facilitator link"</button>
            </div>
            <ul class="links">
                {move || links.get().into_iter().map(|(role, url)| view! {
                    <li><span class="role">{role.clone()}</span>": "<input type="text" readonly value=url.clone() aria-label=format!("{role} link")/></li>
                }).collect_view()}
            </ul>
            <table class="people-table live-links">
                <caption>"Links that open this workshop now"</caption>
                <thead><tr><th scope="col">"Label"</th><th scope="col">"Role"</th><th scope="col">"Opens"</th><th scope="col">"Made"</th><th scope="col">"Last used"</th><th scope="col">"Expires"</th><th scope="col">"Revoke"</th></tr></thead>
                <tbody>{link_rows}</tbody>
            </table>
        </section>
        <ManageWorkshop workshop=access.workshop.clone() token=token.clone() feedback/>
        <ImportAndExport workshop=workshop_id.clone() token=token.clone() feedback/>
        <crate::pages::privacy::PeopleAndPrivacy workshop=workshop_id.clone() token=token.clone() feedback/>
        <crate::pages::privacy::AuditTrail workshop=workshop_id.clone() token=token.clone()/>
        <crate::pages::rounds::SynthesisAndRounds workshop=workshop_id.clone() boards=access.workshop.boards.clone() token=token.clone()/>
    }
}

/// New workshops, renaming and archiving this one, adding a board.
#[component]
fn ManageWorkshop(
    workshop: WorkshopSummary,
    token: Option<String>,
    feedback: RwSignal<String>,
) -> impl IntoView {
    let rename_ref = NodeRef::<leptos::html::Input>::new();
    let rename = {
        let (w, t) = (workshop.id.clone(), token.clone());
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let title = rename_ref.get().map(|i| i.value()).unwrap_or_default();
            let (w, t) = (w.clone(), t.clone());
            leptos::task::spawn_local(async move {
                feedback.set(
                    match edit_workshop(
                        w,
                        t,
                        CatalogEdit {
                            title: Some(title),
                            ..Default::default()
                        },
                    )
                    .await
                    {
                        Ok(()) => "Workshop renamed.".into(),
                        Err(e) => format!("Could not rename: {e}"),
                    },
                );
            });
        }
    };
    let archive = {
        let (w, t, archived) = (workshop.id.clone(), token.clone(), workshop.archived);
        move |_| {
            let (w, t) = (w.clone(), t.clone());
            leptos::task::spawn_local(async move {
                feedback.set(
                    match edit_workshop(
                        w,
                        t,
                        CatalogEdit {
                            archived: Some(!archived),
                            ..Default::default()
                        },
                    )
                    .await
                    {
                        Ok(()) => {
                            if archived {
                                "Workshop taken out of the archive.".into()
                            } else {
                                "Workshop archived: every board is locked.".into()
                            }
                        }
                        Err(e) => format!("Could not change the workshop: {e}"),
                    },
                );
            });
        }
    };
    let board_ref = NodeRef::<leptos::html::Input>::new();
    let add = {
        let (w, t) = (workshop.id.clone(), token.clone());
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let title = board_ref.get().map(|i| i.value()).unwrap_or_default();
            let (w, t) = (w.clone(), t.clone());
            leptos::task::spawn_local(async move {
                feedback.set(match add_board(w, t, title, String::new()).await {
                    Ok(b) => format!("Board “{}” added.", b.title),
                    Err(e) => format!("Could not add the board: {e}"),
                });
            });
        }
    };
    view! {
        <section aria-labelledby="manage-h">
            <h2 id="manage-h">"Manage"</h2>
            <form class="row" on:submit=rename>
                <label for="w-title">"Workshop title"</label>
                <input id="w-title" type="text" maxlength="120" value=workshop.title.clone() node_ref=rename_ref/>
                <button type="submit">"Rename"</button>
                <button type="button" on:click=archive>{if workshop.archived { "Unarchive workshop" } else { "Archive workshop" }}</button>
            </form>
            <form class="row" on:submit=add>
                <label for="b-title">"New board title"</label>
                <input id="b-title" type="text" maxlength="120" node_ref=board_ref/>
                <button type="submit">"Add board"</button>
            </form>
        </section>
    }
}

/// Whole-workshop downloads, and importing a board from an export file.
#[component]
fn ImportAndExport(
    workshop: String,
    token: Option<String>,
    feedback: RwSignal<String>,
) -> impl IntoView {
    let q = token
        .as_ref()
        .map(|t| format!("?token={t}"))
        .unwrap_or_default();
    let csv = format!("/api/workshops/{workshop}/export.csv{q}");
    let tar = format!("/api/workshops/{workshop}/export.tar{q}");
    let report = |ext: &str| format!("/api/workshops/{workshop}/report.{ext}{q}");
    let (report_pdf, report_docx) = (report("pdf"), report("docx"));
    let pillar_action = format!("/api/workshops/{workshop}/report.pdf");
    let pillar_docx = format!("/api/workshops/{workshop}/report.docx");
    let import_url = format!("/api/workshops/{workshop}/import{q}");
    let file_ref = NodeRef::<leptos::html::Input>::new();
    let on_import = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        #[cfg(feature = "hydrate")]
        {
            let Some(file) = file_ref
                .get()
                .and_then(|i| i.files())
                .and_then(|f| f.get(0))
            else {
                feedback.set("Choose a file to import first.".into());
                return;
            };
            let url = import_url.clone();
            leptos::task::spawn_local(async move {
                feedback.set(format!("Importing {}…", file.name()));
                feedback.set(match crate::pages::common::post_file(&url, &file).await {
                    Ok(json) => format!(
                        "Imported “{}” as a new board.",
                        json["title"].as_str().unwrap_or("board")
                    ),
                    Err(e) => format!("Could not import {}: {e}", file.name()),
                });
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (&import_url, file_ref, feedback);
    };
    view! {
        <section aria-labelledby="data-h">
            <h2 id="data-h">"Data for analysis"</h2>
            <ul class="exports">
                <li><a href=csv download>"All boards in one spreadsheet (CSV)"</a></li>
                <li><a href=tar download>"Every board in every format (archive)"</a></li>
                <li><a href=report_pdf download>"Findings report of every board (PDF)"</a></li>
                <li><a href=report_docx download>"Findings report of every board (Word)"</a></li>
            </ul>
            <form class="row" method="get" action=pillar_action>
                <input type="hidden" name="token" value=token.clone().unwrap_or_default()/>
                <label for="report-pillar">"One pillar's findings, for the partner it goes to"</label>
                <select id="report-pillar" name="pillar">
                    {cocreate_core::catalog::PILLARS.map(|p| view! { <option value=p>{p}</option> }).collect_view()}
                </select>
                <button type="submit">"PDF"</button>
                <button type="submit" formaction=pillar_docx>"Word"</button>
            </form>
            <form class="row" on:submit=on_import>
                <label for="import-file">"Import a board (JSON or .ybin export)"</label>
                <input id="import-file" type="file" accept=".json,.ybin,application/json,application/octet-stream" node_ref=file_ref/>
                <button type="submit">"Import"</button>
            </form>
        </section>
    }
}
