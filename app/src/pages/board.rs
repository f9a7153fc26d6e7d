//! The board page: four prompt columns of cards, who is online, connection state.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::{get_board, moderate_card, set_control, take_snapshot};
use crate::catalog::Moderation;
use crate::catalog::{BoardAccess, ControlScope, LinkRole};
use crate::model::board::ThemeView;
use crate::model::control::{ControlPatch, Phase};
use crate::model::schema::MAX_CARD_TEXT;
use crate::model::{CardView, Prompt, Role};
use crate::pages::common::{use_token, LinkProblem, NotFound};
use crate::pages::history::ExportLinks;
use crate::session::BoardSession;

#[component]
pub fn BoardPage() -> impl IntoView {
    let params = use_params_map();
    let token = use_token();
    let board_id = move || params.read().get("id").unwrap_or_default();
    let summary = Resource::new(
        move || (board_id(), token.get()),
        |(id, t)| get_board(id, t),
    );
    view! {
        <Suspense fallback=|| view! { <p>"Loading board…"</p> }>
            {move || Suspend::new(async move {
                match summary.await {
                    Ok(Some(s)) => view! { <BoardView access=s token=token.get_untracked()/> }.into_any(),
                    Ok(None) => view! { <NotFound what="board"/> }.into_any(),
                    Err(e) => view! { <LinkProblem error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn BoardView(access: BoardAccess, token: Option<String>) -> impl IntoView {
    let session = BoardSession::new();
    session.role.set(access.role);
    session.token.set_value(token.clone());
    session.board_id.set_value(access.board.id.clone());
    let summary = access.board;
    let id = summary.id.clone();
    let token_for_tools = token.clone();
    Effect::new(move |prev: Option<()>| {
        if prev.is_none() {
            #[cfg(feature = "hydrate")]
            crate::client::connect(session, id.clone());
            #[cfg(not(feature = "hydrate"))]
            let _ = &id;
        }
    });
    on_cleanup(move || session.stop());
    view! {
        <Title text=format!("{} · cocreate", summary.title)/>
        <div class="board-head">
            <div>
                <p class="muted">{summary.workshop_title.clone()} " · " {summary.area.clone()}</p>
                <h1>{summary.title.clone()}</h1>
            </div>
            <p role="status" aria-live="polite" class=move || session.status.get().class()>
                {move || session.status.get().label()}
            </p>
        </div>
        <div class="visually-hidden" aria-live="polite" aria-atomic="true" data-testid="announcer">
            {move || session.announce.get()}
        </div>
        <div class="view-options" role="group" aria-label="How the board looks for you">
            <button type="button" aria-pressed=move || session.easy_read.get().to_string()
                on:click=move |_| session.easy_read.update(|e| *e = !*e)>"Easy read"</button>
        </div>
        <ControlBar session board_id=summary.id.clone() token=token.clone()/>
        <Suggestions session/>
        <JoinPrompt session/>
        <FollowMoves session board_id=summary.id.clone() token=token.clone()/>
        {move || session.notice.get().map(|n| view! {
            <p role="alert" class="notice">{n}
                <button class="link" on:click=move |_| session.notice.set(None)>"Dismiss"</button>
            </p>
        })}
        <div class="board-layout">
            <div class="columns">
                {Prompt::ALL.map(|p| view! { <Column session prompt=p/> }).collect_view()}
            </div>
            <aside class="sidebar" aria-label="People on this board">
                <YouPanel session/>
                <Presence session/>
                <BoardTools session board_id=summary.id.clone() token=token_for_tools/>
            </aside>
        </div>
    }
}

#[component]
fn Column(session: BoardSession, prompt: Prompt) -> impl IntoView {
    let heading_id = format!("col-{}", prompt.as_str());
    let labelled_by = heading_id.clone();
    let cards = Memo::new(move |_| session.visible_column(prompt));
    let themes = Memo::new(move |_| session.themes_in(prompt));
    // Cards whose theme is gone count as unthemed.
    let unthemed = Memo::new(move |_| {
        let known: Vec<String> = themes.with(|ts| ts.iter().map(|t| t.id.clone()).collect());
        let list = cards.with(|cs| {
            cs.iter()
                .filter(|c| c.theme.as_ref().is_none_or(|t| !known.contains(t)))
                .cloned()
                .collect::<Vec<_>>()
        });
        session.sorted(list)
    });
    let add = move |_| {
        if let Some(id) = session.add_card(prompt) {
            session.request_focus(id);
        }
    };
    let add_theme = move |_| {
        let n = themes.with(|t| t.len()) + 1;
        if let Some(id) = session.add_theme(prompt, &format!("Theme {n}")) {
            session.request_focus(format!("theme-{id}"));
        }
    };
    view! {
        <section class=format!("column column-{}", prompt.as_str()) class:easy=move || session.easy_read.get() aria-labelledby=labelled_by>
            <h2 id=heading_id>
                {move || session.easy_read.get().then(|| view! { <span class="icon" aria-hidden="true">{prompt.icon()} " "</span> })}
                {prompt.title()}
            </h2>
            <p class="question">{move || if session.easy_read.get() { prompt.easy_question() } else { prompt.question() }}</p>
            <p class="count">{move || match cards.with(|c| c.len()) { 1 => "1 card".to_string(), n => format!("{n} cards") }}</p>
            <For each=move || themes.get() key=|t| t.id.clone() let:theme>
                <ThemeGroup session prompt theme cards/>
            </For>
            <ul class="cards drop-zone"
                on:dragover=|ev: leptos::ev::DragEvent| ev.prevent_default()
                on:drop=move |ev: leptos::ev::DragEvent| {
                    ev.prevent_default();
                    if let Some(id) = dragged_card(&ev) {
                        session.move_card(&id, prompt, None, None);
                    }
                }>
                <For each=move || unthemed.get() key=|c| (c.id.clone(), c.hidden) let:card>
                    <CardItem session card/>
                </For>
            </ul>
            <div class="column-actions">
                <button class="add-card" on:click=add disabled=move || !session.can_edit()>
                    "+ Add a card"
                    <span class="visually-hidden">" to " {prompt.title()}</span>
                </button>
                <button class="add-theme" on:click=add_theme disabled=move || !session.can_edit()>
                    "+ New theme"
                    <span class="visually-hidden">" in " {prompt.title()}</span>
                </button>
            </div>
        </section>
    }
}

/// A theme: its collaborative title, its cards, and buttons to reorder or dissolve it.
#[component]
fn ThemeGroup(
    session: BoardSession,
    prompt: Prompt,
    theme: ThemeView,
    cards: Memo<Vec<CardView>>,
) -> impl IntoView {
    let id = theme.id.clone();
    let title = {
        let id = id.clone();
        Memo::new(move |_| {
            session.themes.with(|ts| {
                ts.iter()
                    .find(|t| t.id == id)
                    .map(|t| t.title.clone())
                    .unwrap_or_default()
            })
        })
    };
    let members = {
        let id = id.clone();
        Memo::new(move |_| {
            let list = cards.with(|cs| {
                cs.iter()
                    .filter(|c| c.theme.as_deref() == Some(id.as_str()))
                    .cloned()
                    .collect::<Vec<_>>()
            });
            session.sorted(list)
        })
    };
    let field_id = format!("theme-{id}");
    let field_ref = NodeRef::<leptos::html::Input>::new();
    {
        let fid = field_id.clone();
        Effect::new(move |_| {
            if let Some(el) = field_ref.get() {
                if session.take_focus_request(&fid) {
                    // A new theme: its default title is selected, so typing replaces it.
                    el.set_value(&title.get_untracked());
                    let _ = el.focus();
                    el.select();
                }
            }
        });
    }
    let (i1, i2, i3, i4, i5) = (id.clone(), id.clone(), id.clone(), id.clone(), id.clone());
    let heading_id = format!("{field_id}-h");
    let labelled_by = heading_id.clone();
    view! {
        <section class="theme" aria-labelledby=labelled_by>
            <h3 id=heading_id class="visually-hidden">{move || format!("Theme: {}", title.get())}</h3>
            <div class="theme-head">
                <label class="visually-hidden" for=field_id.clone()>"Theme title"</label>
                <input id=field_id type="text" class="theme-title" maxlength="200" node_ref=field_ref
                    prop:value=move || title.get()
                    readonly=move || !session.can_edit()
                    on:input=move |ev| session.rename_theme(&i1, &event_target_value(&ev))/>
                <span class="theme-count">{move || match members.with(|m| m.len()) { 1 => "1 card".to_string(), n => format!("{n} cards") }}</span>
            </div>
            <div class="theme-tools">
                <button on:click=move |_| session.nudge_theme(&i2, -1) disabled=move || !session.can_edit()>"↑"<span class="visually-hidden">" Move theme up"</span></button>
                <button on:click=move |_| session.nudge_theme(&i3, 1) disabled=move || !session.can_edit()>"↓"<span class="visually-hidden">" Move theme down"</span></button>
                <button on:click=move |_| session.dissolve_theme(&i4) disabled=move || !session.can_edit()>"Dissolve"<span class="visually-hidden">" theme (its cards stay)"</span></button>
            </div>
            <ul class="cards drop-zone"
                on:dragover=|ev: leptos::ev::DragEvent| ev.prevent_default()
                on:drop=move |ev: leptos::ev::DragEvent| {
                    ev.prevent_default();
                    if let Some(card) = dragged_card(&ev) {
                        session.move_card(&card, prompt, Some(&i5), None);
                    }
                }>
                <For each=move || members.get() key=|c| (c.id.clone(), c.hidden) let:card>
                    <CardItem session card/>
                </For>
            </ul>
        </section>
    }
}

#[component]
fn CardItem(session: BoardSession, card: CardView) -> impl IntoView {
    let id = card.id.clone();
    let field_id = format!("card-{}", card.id);
    let role_label = card.role.map(|r| r.label()).unwrap_or("Participant");
    let hidden = card.hidden;
    let provenance = card.source.as_ref().map(|s| {
        let mut from = format!("From {}", s.label());
        if let Some(t) = &s.theme {
            from.push_str(&format!(" · theme there: “{t}”"));
        }
        from
    });
    let moderate = {
        let id = id.clone();
        move |action: Moderation| {
            let (board, token, card) = (
                session.board_id.get_value(),
                session.token.get_value(),
                id.clone(),
            );
            leptos::task::spawn_local(async move {
                if let Err(e) = moderate_card(board, token, card, action).await {
                    session
                        .notice
                        .set(Some(format!("Could not change the card: {e}")));
                }
            });
        }
    };
    let editors = {
        let id = id.clone();
        Memo::new(move |_| {
            session.peers.with(|ps| {
                ps.iter()
                    .filter(|p| p.editing.as_deref() == Some(id.as_str()))
                    .map(|p| p.name.clone())
                    .collect::<Vec<_>>()
            })
        })
    };
    let on_input = {
        let id = id.clone();
        move |ev: leptos::ev::Event| {
            #[cfg(feature = "hydrate")]
            {
                use wasm_bindgen::JsCast;
                if let Some(el) = ev
                    .target()
                    .and_then(|t| t.dyn_into::<web_sys::HtmlTextAreaElement>().ok())
                {
                    session.edit_text(&id, &el.value(), el.selection_end().ok().flatten());
                }
            }
            #[cfg(not(feature = "hydrate"))]
            let _ = (&ev, &id);
        }
    };
    let on_focus = {
        let id = id.clone();
        move |_| session.set_editing(Some(id.clone()))
    };
    let on_delete = {
        let id = id.clone();
        move |_| session.delete_card(&id)
    };
    // A card just added by this person takes the caret as soon as it exists (in the same
    // turn of the event loop, so the first keystrokes land in it).
    let field_ref = NodeRef::<leptos::html::Textarea>::new();
    {
        let id = id.clone();
        Effect::new(move |_| {
            if let Some(el) = field_ref.get() {
                if session.take_focus_request(&id) {
                    let _ = el.focus();
                }
            }
        });
    }
    view! {
        <li class="card" class:hidden-card=hidden data-card=id.clone()
            draggable=move || session.can_edit().to_string()
            on:dragstart={
                let id = id.clone();
                move |ev: leptos::ev::DragEvent| start_drag(&ev, &id)
            }>
            {hidden.then(|| view! { <p class="hidden-note">"Hidden from participants"</p> })}
            {provenance.map(|p| view! { <p class="provenance">{p}</p> })}
            <label class="visually-hidden" for=field_id.clone()>"Card text"</label>
            <textarea
                id=field_id
                node_ref=field_ref
                class="card-text"
                data-card-id=id.clone()
                rows="3"
                maxlength=MAX_CARD_TEXT.to_string()
                placeholder="Type your idea…"
                prop:value=card.text.clone()
                readonly=move || !session.can_edit()
                on:input=on_input
                on:focus=on_focus
                on:blur=move |_| session.set_editing(None)
            ></textarea>
            <div class="card-foot">
                <span class="role">{move || (!session.control.with(|c| c.anonymous)).then_some(role_label)}</span>
                <span class="editing" aria-live="off">
                    {move || {
                        let names = editors.get();
                        (!names.is_empty()).then(|| format!("{} editing", names.join(", ")))
                    }}
                </span>
                {move || session.is_facilitator().then(|| {
                    let moderate = moderate.clone();
                    view! {
                        <button class="moderate" on:click=move |_| moderate(if hidden { Moderation::Show } else { Moderation::Hide })>
                            {if hidden { "Show" } else { "Hide" }} <span class="visually-hidden">" card"</span>
                        </button>
                    }
                })}
                <button class="delete" on:click=on_delete disabled=move || !session.can_edit()>
                    "Delete" <span class="visually-hidden">" card"</span>
                </button>
            </div>
            <div class="card-tools">
                <Votes session card=id.clone()/>
                <MoveMenu session card=id.clone() prompt=card.prompt.unwrap_or(Prompt::Purpose) theme=card.theme.clone()/>
            </div>
        </li>
    }
}

#[component]
fn YouPanel(session: BoardSession) -> impl IntoView {
    let name = move || {
        session
            .me
            .with(|m| m.as_ref().map(|m| m.name.clone()).unwrap_or_default())
    };
    let role = move || {
        session
            .me
            .with(|m| m.as_ref().map(|m| m.role).unwrap_or(Role::Stakeholder))
    };
    let name_ref = NodeRef::<leptos::html::Input>::new();
    let role_ref = NodeRef::<leptos::html::Select>::new();
    let save = move || {
        let (Some(n), Some(r)) = (name_ref.get(), role_ref.get()) else {
            return;
        };
        let name = n.value().trim().chars().take(60).collect::<String>();
        let role = Role::parse(&r.value()).unwrap_or(Role::Stakeholder);
        if !name.is_empty() {
            session.set_me(name, role);
        }
    };
    view! {
        <section class="you" aria-labelledby="you-h">
            <h2 id="you-h">"You"</h2>
            <label for="my-name">"Your name"</label>
            <input id="my-name" type="text" maxlength="60" node_ref=name_ref prop:value=name on:change=move |_| save()/>
            <label for="my-role">"Your role"</label>
            <select id="my-role" node_ref=role_ref on:change=move |_| save()>
                {Role::ALL.into_iter().filter(|r| *r != Role::Facilitator).map(|r| view! {
                    <option value=r.as_str() selected=move || role() == r>{r.label()}</option>
                }).collect_view()}
            </select>
        </section>
    }
}

#[component]
fn Presence(session: BoardSession) -> impl IntoView {
    view! {
        <section class="presence" aria-labelledby="online-h">
            <h2 id="online-h">"Who is here"
                <span class="count">{move || format!(" ({})", session.peers.with(|p| p.len()) + 1)}</span>
            </h2>
            <ul class="people">
                <li class="person me">
                    <span class="dot" style=move || format!("background:{}", session.me.with(|m| m.as_ref().map(|m| m.color.clone()).unwrap_or_default()))></span>
                    {move || session.me.with(|m| m.as_ref().map(|m| format!("{} (you) · {}", m.name, m.role.label())).unwrap_or_default())}
                </li>
                <For each=move || session.peers.get() key=|p| (p.client_id, p.name.clone(), p.role, p.editing.clone()) let:p>
                    <li class="person">
                        <span class="dot" style=format!("background:{}", p.color)></span>
                        {format!("{} · {}", p.name, p.role.map(|r| r.label()).unwrap_or("Participant"))}
                        {p.editing.is_some().then_some(" · editing a card")}
                    </li>
                </For>
            </ul>
        </section>
    }
}

/// Phase, lock, timer and the facilitator's message; facilitators also get the controls
/// for this board.
#[component]
fn ControlBar(session: BoardSession, board_id: String, token: Option<String>) -> impl IntoView {
    let now = RwSignal::new(0.0f64);
    #[cfg(feature = "hydrate")]
    {
        now.set(js_sys::Date::now());
        let handle = set_interval_with_handle(
            move || now.set(js_sys::Date::now()),
            std::time::Duration::from_secs(1),
        )
        .ok();
        on_cleanup(move || {
            if let Some(h) = handle {
                h.clear();
            }
        });
    }
    let timer = move || {
        if session.timer_hidden.get() {
            return None;
        }
        let ends = session.control.with(|c| c.timer_ends)? + session.timer_extra_ms.get();
        let n = now.get();
        if n == 0.0 {
            return None;
        }
        let left = ((ends - n) / 1000.0).ceil().max(0.0) as u64;
        Some(if left == 0 {
            "Time is up".to_string()
        } else {
            format!("Time left: {}:{:02}", left / 60, left % 60)
        })
    };
    let change = Action::new(
        move |(board, token, patch): &(String, Option<String>, ControlPatch)| {
            let (board, token, patch) = (board.clone(), token.clone(), patch.clone());
            async move {
                if let Err(e) = set_control(ControlScope::Board(board), token, patch).await {
                    session
                        .notice
                        .set(Some(format!("Could not change the board: {e}")));
                }
            }
        },
    );
    let is_facilitator = session.role.get_untracked() == LinkRole::Facilitator;
    let observer = session.role.get_untracked() == LinkRole::Observer;
    let facilitator_tools = is_facilitator.then(|| {
        let (b1, t1) = (board_id.clone(), token.clone());
        let (b2, t2) = (board_id.clone(), token.clone());
        let (b3, t3) = (board_id.clone(), token.clone());
        let (b4, t4) = (board_id.clone(), token.clone());
        let (b5, t5) = (board_id.clone(), token.clone());
        view! {
            <div class="facilitator-tools" role="group" aria-label="Facilitator controls">
                <button on:click=move |_| {
                    let locked = session.control.with_untracked(|c| c.locked);
                    change.dispatch((b1.clone(), t1.clone(), ControlPatch { locked: Some(!locked), ..Default::default() }));
                }>{move || if session.control.with(|c| c.locked) { "Unlock board" } else { "Lock board" }}</button>
                <label for="phase">"Phase"</label>
                <select id="phase" on:change=move |ev| {
                    if let Some(p) = Phase::parse(&event_target_value(&ev)) {
                        change.dispatch((b2.clone(), t2.clone(), ControlPatch { phase: Some(p), ..Default::default() }));
                    }
                }>
                    {Phase::ALL.map(|p| view! {
                        <option value=p.as_str() selected=move || session.control.with(|c| c.phase == p)>{p.label()}</option>
                    }).collect_view()}
                </select>
                <label for="votes-pp">"Votes each"</label>
                <input id="votes-pp" type="number" min="0" max="100" size="3"
                    prop:value=move || session.control.with(|c| c.votes_per_person.to_string())
                    on:change=move |ev| {
                        if let Ok(v) = event_target_value(&ev).parse::<i64>() {
                            change.dispatch((b5.clone(), t5.clone(), ControlPatch { votes_per_person: Some(v), ..Default::default() }));
                        }
                    }/>
                <button aria-pressed=move || session.control.with(|c| c.anonymous.to_string()) on:click=move |_| {
                    let on = session.control.with_untracked(|c| c.anonymous);
                    change.dispatch((b3.clone(), t3.clone(), ControlPatch { anonymous: Some(!on), ..Default::default() }));
                }>"Anonymous"</button>
                <button on:click=move |_| {
                    let revealed = session.control.with_untracked(|c| c.revealed);
                    change.dispatch((b4.clone(), t4.clone(), ControlPatch { revealed: Some(!revealed), ..Default::default() }));
                }>{move || if session.control.with(|c| c.revealed) { "Start private writing" } else { "Reveal all cards" }}</button>
            </div>
        }
    });
    // Ctrl+Z / Ctrl+Shift+Z / Ctrl+Y outside text fields undo and redo my own changes
    // (inside a field the browser's own text undo applies).
    #[cfg(feature = "hydrate")]
    {
        let handle = window_event_listener(leptos::ev::keydown, move |ev| {
            if !(ev.ctrl_key() || ev.meta_key()) {
                return;
            }
            let in_field = ev
                .target()
                .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
                .is_some_and(|el| {
                    matches!(el.tag_name().as_str(), "TEXTAREA" | "INPUT" | "SELECT")
                });
            if in_field {
                return;
            }
            let key = ev.key().to_lowercase();
            if key == "z" && !ev.shift_key() {
                ev.prevent_default();
                session.undo();
            } else if key == "y" || (key == "z" && ev.shift_key()) {
                ev.prevent_default();
                session.redo();
            }
        });
        on_cleanup(move || handle.remove());
    }
    let editing_tools = move || {
        session.can_edit().then(|| view! {
        <div class="edit-tools" role="group" aria-label="Your changes">
            <button on:click=move |_| { if !session.undo() { session.notice.set(Some("Nothing of yours to undo.".into())); } }>"Undo"</button>
            <button on:click=move |_| { if !session.redo() { session.notice.set(Some("Nothing to redo.".into())); } }>"Redo"</button>
            <label class="sort">
                <input type="checkbox" prop:checked=move || session.sort_by_votes.get()
                    on:change=move |ev| session.sort_by_votes.set(event_target_checked(&ev))/>
                " Sort by votes"
            </label>
        </div>
    })
    };
    let votes_left = move || {
        session.control.with(|c| c.phase == Phase::Vote).then(|| {
        let total = session.control.with(|c| c.votes_per_person);
        let left = (total - session.votes_used.get()).max(0);
        view! { <p class="votes-left" role="status">{format!("You have {left} of {total} votes left")}</p> }
    })
    };
    view! {
        <div class="control-bar">
            <p class="phase">"Now: " {move || session.control.with(|c| c.phase.label())}</p>
            {votes_left}
            {editing_tools}
            {move || timer().map(|t| view! { <p class="timer" role="timer" aria-live="off">{t}</p> })}
            {move || session.control.with(|c| c.timer_ends.is_some()).then(|| view! {
                <div class="timer-tools" role="group" aria-label="Your timer">
                    <button type="button" on:click=move |_| session.timer_extra_ms.update(|x| *x += 5.0 * 60_000.0)>"5 more minutes for me"</button>
                    <button type="button" on:click=move |_| session.timer_hidden.update(|h| *h = !*h)>
                        {move || if session.timer_hidden.get() { "Show the timer" } else { "Hide the timer" }}
                    </button>
                </div>
            })}
            {move || session.control.with(|c| c.locked).then(|| view! {
                <p class="locked" role="status">
                    <span aria-hidden="true">"🔒 "</span>
                    "The facilitator has locked this board: you can read the cards but not change them."
                </p>
            })}
            {observer.then(|| view! { <p class="observer">"You are observing: you can read but not change cards."</p> })}
            {move || (!session.control.with(|c| c.revealed)).then(|| view! {
                <p class="private" role="status">"Private writing: you see only your own cards until the facilitator reveals everyone's."</p>
            })}
            {move || session.control.with(|c| c.anonymous).then(|| view! {
                <p class="anonymous">"Anonymous: nobody's role is shown on cards."</p>
            })}
            {move || {
                let m = session.control.with(|c| c.message.clone());
                (!m.is_empty()).then(|| view! {
                    <p class="broadcast" role="status"><strong>"Message from the facilitator: "</strong>{m}</p>
                })
            }}
            {facilitator_tools}
        </div>
    }
}

/// History, outline view, exports, and (facilitators) snapshots.
#[component]
fn BoardTools(session: BoardSession, board_id: String, token: Option<String>) -> impl IntoView {
    let history = {
        let mut h = format!("/board/{board_id}/history");
        if let Some(t) = &token {
            h.push_str(&format!("?token={t}"));
        }
        h
    };
    let snapshot_form = (session.role.get_untracked() == LinkRole::Facilitator).then(|| {
        let name_ref = NodeRef::<leptos::html::Input>::new();
        let result = RwSignal::new(String::new());
        let (b, t) = (board_id.clone(), token.clone());
        let take = Action::new(move |name: &String| {
            let (b, t, name) = (b.clone(), t.clone(), name.clone());
            async move {
                match take_snapshot(b, t, name).await {
                    Ok(s) => result.set(format!("Snapshot “{}” saved.", s.name)),
                    Err(e) => result.set(format!("Could not save a snapshot: {e}")),
                }
            }
        });
        view! {
            <form class="snapshot" on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                let name = name_ref.get().map(|n| n.value()).unwrap_or_default();
                take.dispatch(name);
            }>
                <label for="snap-name">"Snapshot name"</label>
                <input id="snap-name" type="text" maxlength="120" required node_ref=name_ref/>
                <button type="submit">"Save snapshot"</button>
                <p role="status" aria-live="polite">{move || result.get()}</p>
            </form>
        }
    });
    view! {
        <section class="board-tools" aria-labelledby="tools-h">
            <h2 id="tools-h">"Save and share"</h2>
            <p><a href=history.clone()>"History, outline view and printing"</a></p>
            {move || session.cards.with(|cs| cs.iter().any(|c| c.source.is_some())).then(|| view! {
                <p><a href=format!("{history}#common-h")>"What is common across areas"</a></p>
            })}
            <ExportLinks board=board_id.clone() token=token.clone() at=None/>
            {snapshot_form}
        </section>
    }
}

/// Asks a participant who has not given a name yet to say who they are (not blocking).
#[component]
fn JoinPrompt(session: BoardSession) -> impl IntoView {
    let show = move || {
        session.role.get() != LinkRole::Observer
            && session.me.with(|m| m.as_ref().is_some_and(|m| !m.named))
    };
    let name_ref = NodeRef::<leptos::html::Input>::new();
    let role_ref = NodeRef::<leptos::html::Select>::new();
    let join = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let name = name_ref
            .get()
            .map(|n| n.value().trim().chars().take(60).collect::<String>())
            .unwrap_or_default();
        let role = role_ref
            .get()
            .and_then(|r| Role::parse(&r.value()))
            .unwrap_or(Role::Stakeholder);
        if name.is_empty() {
            session
                .notice
                .set(Some("Please type the name others should see.".into()));
            return;
        }
        session.set_me(name, role);
    };
    view! {
        <Show when=show>
            <form class="join" on:submit=join aria-labelledby="join-h">
                <h2 id="join-h">"Welcome! Who are you?"</h2>
                <p>"Others on this board will see your name and role."</p>
                <label for="join-name">"Your name"</label>
                <input id="join-name" type="text" maxlength="60" autocomplete="nickname" node_ref=name_ref/>
                <label for="join-role">"You are taking part as"</label>
                <select id="join-role" node_ref=role_ref>
                    {Role::ALL.into_iter().filter(|r| *r != Role::Facilitator).map(|r| view! {
                        <option value=r.as_str()>{r.label()}</option>
                    }).collect_view()}
                </select>
                <button type="submit">"Join the board"</button>
            </form>
        </Show>
    }
}

/// When a facilitator moves this person to another group, go there.
#[component]
fn FollowMoves(session: BoardSession, board_id: String, token: Option<String>) -> impl IntoView {
    let navigate = leptos_router::hooks::use_navigate();
    // Moves already recorded when the page opened are history, not instructions.
    let seen = StoredValue::new(None::<Option<String>>);
    Effect::new(move |_| {
        let me = session.me.with(|m| m.as_ref().map(|m| m.id.clone()));
        let Some(me) = me else { return };
        let target = session.control.with(|c| c.moves.get(&me).cloned());
        if !session.control_synced.get() {
            return;
        }
        match seen.get_value() {
            None => seen.set_value(Some(target)),
            Some(prev) if prev != target => {
                seen.set_value(Some(target.clone()));
                if let Some(to) = target.filter(|t| *t != board_id) {
                    let href = crate::pages::common::board_href(&to, token.as_deref());
                    session
                        .notice
                        .set(Some("The facilitator moved you to another group.".into()));
                    navigate(&href, Default::default());
                }
            }
            Some(_) => {}
        }
    });
}

/// Dot votes on a card: the tally, and in the vote phase buttons to add or take back one.
#[component]
fn Votes(session: BoardSession, card: String) -> impl IntoView {
    let tally = {
        let card = card.clone();
        Memo::new(move |_| {
            session
                .votes
                .with(|v| v.get(&card).copied().unwrap_or((0, 0)))
        })
    };
    let voting = move || session.control.with(|c| c.phase == Phase::Vote);
    let left = move || session.control.with(|c| c.votes_per_person) - session.votes_used.get();
    let (c1, c2) = (card.clone(), card);
    view! {
        <span class="votes">
            {move || {
                let (total, _) = tally.get();
                (total > 0 || voting()).then(|| view! {
                    <span class="tally">{format!("{total} {}", if total == 1 { "vote" } else { "votes" })}</span>
                })
            }}
            {move || voting().then(|| {
                let (c1, c2) = (c1.clone(), c2.clone());
                view! {
                    <button class="vote" on:click=move |_| session.vote(&c1, 1) disabled=move || !session.can_edit() || left() <= 0>
                        "+1" <span class="visually-hidden">" Add my vote to this card"</span>
                    </button>
                    <button class="unvote" on:click=move |_| session.vote(&c2, -1) disabled=move || tally.get().1 == 0>
                        "−1" <span class="visually-hidden">" Take back my vote from this card"</span>
                    </button>
                    <span class="mine">{move || match tally.get().1 { 0 => String::new(), n => format!("(mine: {n})") }}</span>
                }
            })}
        </span>
    }
}

/// Moving a card without dragging: a "Move card" button opens a list of destinations (up,
/// down, another column, into or out of a theme), each a button, so it works the same with
/// a keyboard, a switch or a screen reader.
#[component]
fn MoveMenu(
    session: BoardSession,
    card: String,
    prompt: Prompt,
    theme: Option<String>,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let themes = Memo::new(move |_| session.themes_in(prompt));
    let act = {
        let card = card.clone();
        move |choice: MoveTo| {
            open.set(false);
            match choice {
                MoveTo::Up => session.nudge_card(&card, -1),
                MoveTo::Down => session.nudge_card(&card, 1),
                MoveTo::Column(p) => session.move_card(&card, p, None, None),
                MoveTo::Theme(t) => session.move_card(&card, prompt, t.as_deref(), None),
            }
            // The card keeps the focus where it lands.
            session.request_focus(card.clone());
            focus_card_field(&card);
        }
    };
    let option = move |label: String, choice: MoveTo| {
        let act = act.clone();
        view! { <li><button type="button" on:click=move |_| act(choice.clone())>{label}</button></li> }
    };
    let current_theme = theme.clone();
    let in_theme = theme.is_some();
    view! {
        <div class="move-menu">
            <button type="button" class="move" aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|o| *o = !*o) disabled=move || !session.can_edit()>
                "Move" <span class="visually-hidden">" card"</span>
            </button>
            {move || open.get().then(|| {
                let option = option.clone();
                let current_theme = current_theme.clone();
                let columns = Prompt::ALL
                    .into_iter()
                    .filter(|p| *p != prompt)
                    .map(|p| option(format!("To {}", p.title()), MoveTo::Column(p)))
                    .collect_view();
                let into = themes
                    .get()
                    .into_iter()
                    .filter(|t| Some(&t.id) != current_theme.as_ref())
                    .map(|t| option(format!("Into theme: {}", t.title), MoveTo::Theme(Some(t.id))))
                    .collect_view();
                view! {
                    <ul class="move-options" aria-label="Move this card">
                        {option("Up".into(), MoveTo::Up)}
                        {option("Down".into(), MoveTo::Down)}
                        {columns}
                        {into}
                        {in_theme.then(|| option("Out of its theme".into(), MoveTo::Theme(None)))}
                    </ul>
                }
            })}
        </div>
    }
}

/// Where [`MoveMenu`] sends a card.
#[derive(Clone, Debug)]
enum MoveTo {
    Up,
    Down,
    Column(Prompt),
    Theme(Option<String>),
}

/// Focus a card's text field if it is on the page (after a move within its group).
fn focus_card_field(card: &str) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        if let Some(el) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(&format!("card-{card}")))
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = el.focus();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = card;
}

/// The card id carried by a drag (set by [`start_drag`]).
fn dragged_card(ev: &leptos::ev::DragEvent) -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        ev.data_transfer()
            .and_then(|d| d.get_data("text/plain").ok())
            .filter(|s| !s.is_empty())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = ev;
        None
    }
}

fn start_drag(ev: &leptos::ev::DragEvent, card: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(dt) = ev.data_transfer() {
        let _ = dt.set_data("text/plain", card);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (ev, card);
}

/// Facilitators: theme suggestions for the cards not yet in a theme, by text similarity
/// (computed in the browser). Each can be accepted (a theme is made and the cards moved
/// into it, one undoable change each) or dismissed.
#[component]
fn Suggestions(session: BoardSession) -> impl IntoView {
    use crate::model::suggest::{suggest_themes, Suggestion};
    let list = RwSignal::new(None::<Vec<(Prompt, Suggestion)>>);
    let compute = move |_| {
        let mut out = Vec::new();
        for p in Prompt::ALL {
            let cards: Vec<(String, String)> = session.cards.with(|cs| {
                cs.iter()
                    .filter(|c| {
                        c.prompt == Some(p)
                            && c.theme.is_none()
                            && !c.hidden
                            && !c.text.trim().is_empty()
                    })
                    .map(|c| (c.id.clone(), c.text.clone()))
                    .collect()
            });
            out.extend(suggest_themes(&cards, 0.2).into_iter().map(|s| (p, s)));
        }
        list.set(Some(out));
    };
    let text_of = move |id: &str| {
        session.cards.with(|cs| {
            cs.iter()
                .find(|c| c.id == id)
                .map(|c| c.text.clone())
                .unwrap_or_default()
        })
    };
    view! {
        <Show when=move || session.is_facilitator()>
            <section class="suggestions" aria-labelledby="sugg-h">
                <h2 id="sugg-h" class="visually-hidden">"Theme suggestions"</h2>
                <button type="button" on:click=compute>"Suggest themes"</button>
                {move || list.get().map(|items| {
                    if items.is_empty() {
                        return view! { <p role="status">"No similar cards to group yet."</p> }.into_any();
                    }
                    view! {
                        <ul class="suggestion-list" aria-label="Suggested themes">
                            {items.into_iter().enumerate().map(|(i, (p, s))| {
                                let (label, cards) = (s.label.clone(), s.cards.clone());
                                let accept = {
                                    let (label, cards) = (label.clone(), cards.clone());
                                    move |_| {
                                        if let Some(theme) = session.add_theme(p, &label) {
                                            for c in &cards {
                                                session.move_card(c, p, Some(&theme), None);
                                            }
                                        }
                                        list.update(|l| if let Some(l) = l { l.retain(|(_, x)| x.cards != cards) });
                                    }
                                };
                                let dismiss = {
                                    let cards = cards.clone();
                                    move |_| list.update(|l| if let Some(l) = l { l.retain(|(_, x)| x.cards != cards) })
                                };
                                view! {
                                    <li data-suggestion=i>
                                        <strong>{format!("{}: {}", p.title(), label)}</strong>
                                        {format!(" ({} cards)", cards.len())}
                                        <ul>{cards.iter().map(|c| view! { <li>{text_of(c)}</li> }).collect_view()}</ul>
                                        <button type="button" on:click=accept>"Accept" <span class="visually-hidden">{format!(" theme {label}")}</span></button>
                                        <button type="button" on:click=dismiss>"Dismiss" <span class="visually-hidden">{format!(" theme {label}")}</span></button>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                })}
            </section>
        </Show>
    }
}
