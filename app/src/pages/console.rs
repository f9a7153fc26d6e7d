//! The facilitator console's groups at a glance: one row a breakout group with its people,
//! cards, activity, run-sheet step, phase, timer, message and settings, each changeable
//! on its row; every setting for all groups at once; and the workshop's run-sheet, which
//! starts the next step (phase, timer and message together) for every group or one.

use leptos::prelude::*;

use crate::api::{
    advance, edit_board, move_person, save_named_plan, saved_plans, set_control, set_plan,
};
use crate::pages::common::{board_href, SymbolImage};
use cocreate_core::catalog::{CatalogEdit, Console, ConsoleBoard, ControlScope};
use cocreate_core::model::control::{ControlPatch, Phase};
use cocreate_core::model::plan::{Allocation, Plan, RunSheet, Step, MAX_MINUTES, MAX_STEPS};
use cocreate_core::model::schema::{PromptText, Symbol, MAX_PROMPT_QUESTION, MAX_PROMPT_TITLE};
use cocreate_core::model::Prompt;

/// Now, in ms since the epoch (0 while rendering on the server).
fn now_ms() -> f64 {
    #[cfg(feature = "hydrate")]
    return js_sys::Date::now();
    #[cfg(not(feature = "hydrate"))]
    0.0
}

/// How long ago `ms` was, in words.
fn ago(ms: Option<f64>) -> String {
    match ms {
        None => "no activity yet".into(),
        Some(t) => {
            let s = ((now_ms() - t) / 1000.0).max(0.0) as u64;
            match s {
                0..=59 => format!("{s} s ago"),
                60..=3599 => format!("{} min ago", s / 60),
                _ => format!("{} h ago", s / 3600),
            }
        }
    }
}

/// A running timer in words ("4 min left", "time is up"), or "no timer".
fn timer_left(ends: Option<f64>) -> String {
    match ends {
        None => "no timer".into(),
        Some(t) => {
            let s = ((t - now_ms()) / 1000.0).ceil();
            if s <= 0.0 {
                "time is up".into()
            } else if s < 60.0 {
                format!("{s} s left")
            } else {
                format!("{} min left", (s / 60.0).ceil())
            }
        }
    }
}

/// Applies a control change to `scope`, then says what happened and asks for a refresh.
pub fn control_action(
    token: Option<String>,
    feedback: RwSignal<String>,
    tick: RwSignal<u32>,
) -> Action<(String, ControlScope, ControlPatch), ()> {
    Action::new(
        move |(label, scope, patch): &(String, ControlScope, ControlPatch)| {
            let (t, label, scope, patch) =
                (token.clone(), label.clone(), scope.clone(), patch.clone());
            async move {
                match set_control(scope, t, patch).await {
                    Ok(()) => feedback.set(format!("Done: {label}.")),
                    Err(e) => feedback.set(format!("Could not {label}: {e}")),
                }
                tick.update(|n| *n = n.wrapping_add(1));
            }
        },
    )
}

/// Starts the next run-sheet step on `scope`, then says what happened.
fn advance_action(
    token: Option<String>,
    feedback: RwSignal<String>,
    tick: RwSignal<u32>,
) -> Action<(String, ControlScope), ()> {
    Action::new(move |(label, scope): &(String, ControlScope)| {
        let (t, label, scope) = (token.clone(), label.clone(), scope.clone());
        async move {
            feedback.set(match advance(scope, t).await {
                Ok(0) => format!("{label}: every group is at the last step already."),
                Ok(1) => format!("{label}: 1 group moved to its next step."),
                Ok(n) => format!("{label}: {n} groups moved to their next step."),
                Err(e) => format!("Could not start the next step: {e}"),
            });
            tick.update(|n| *n = n.wrapping_add(1));
        }
    })
}

/// The table of groups, one row each, with what every row's buttons need.
#[component]
pub fn ConsoleBoards(
    console: Console,
    token: Option<String>,
    feedback: RwSignal<String>,
    tick: RwSignal<u32>,
) -> impl IntoView {
    let all: Vec<(String, String)> = console
        .boards
        .iter()
        .filter(|b| !b.board.archived)
        .map(|b| (b.board.id.clone(), b.board.title.clone()))
        .collect();
    let act = control_action(token.clone(), feedback, tick);
    let next = advance_action(token.clone(), feedback, tick);
    let sheet = console.plan.run_sheet;
    let headings: Vec<String> = console
        .plan
        .prompts
        .iter()
        .map(|p| p.title.clone())
        .collect();
    // Everyone who can be moved (not facilitators), with the group they are in.
    let movable: Vec<Movable> = console
        .boards
        .iter()
        .flat_map(|b| {
            b.people
                .iter()
                .filter(|p| p.role != "facilitator" && !p.id.is_empty())
                .map(|p| Movable {
                    id: p.id.clone(),
                    name: p.name.clone(),
                    board: b.board.id.clone(),
                    group: b.board.title.clone(),
                })
        })
        .collect();
    view! {
        <table class="console">
            <caption class="visually-hidden">"Every breakout group: people, cards, where it is and its settings"</caption>
            <thead><tr>
                <th scope="col">"Group"</th>
                <th scope="col">"People"</th>
                {headings.iter().map(|h| view! { <th scope="col" class="num">{h.clone()}</th> }).collect_view()}
                <th scope="col">"Last activity"</th>
                <th scope="col">"Step and phase"</th>
                <th scope="col">"Timer and message"</th>
                <th scope="col">"Settings"</th>
                <th scope="col">"Actions"</th>
            </tr></thead>
            <tbody>
                {console.boards.into_iter().map(|b| view! {
                    <ConsoleRow b token=token.clone() all=all.clone() sheet=sheet.clone() feedback act next headings=headings.clone()/>
                }).collect_view()}
            </tbody>
        </table>
        <MovePeople people=movable groups=all token feedback tick/>
    }
}

/// Someone on a board a facilitator may move: their presence id and name, and the board
/// (id and title) they are on.
#[derive(Clone)]
struct Movable {
    id: String,
    name: String,
    board: String,
    group: String,
}

/// Several people moved to one group at once: tick them, choose the group, move. Each
/// person's page follows them there (as a move of one person does).
#[component]
fn MovePeople(
    people: Vec<Movable>,
    groups: Vec<(String, String)>,
    token: Option<String>,
    feedback: RwSignal<String>,
    tick: RwSignal<u32>,
) -> impl IntoView {
    let chosen = RwSignal::new(std::collections::BTreeSet::<String>::new());
    let to_ref = NodeRef::<leptos::html::Select>::new();
    let titles = groups.clone();
    let everyone = people.clone();
    let move_them = move |_| {
        let Some(to) = to_ref.get().map(|s| s.value()).filter(|v| !v.is_empty()) else {
            feedback.set("Choose the group to move them to.".into());
            return;
        };
        let who: Vec<Movable> = chosen.with_untracked(|c| {
            everyone
                .iter()
                .filter(|p| c.contains(&p.id))
                .cloned()
                .collect()
        });
        if who.is_empty() {
            feedback.set("Tick the people to move first.".into());
            return;
        }
        let token = token.clone();
        let title = titles
            .iter()
            .find(|(id, _)| *id == to)
            .map(|(_, t)| t.clone())
            .unwrap_or_default();
        leptos::task::spawn_local(async move {
            let mut moved = 0;
            let mut failed = Vec::new();
            for p in who.into_iter().filter(|p| p.board != to) {
                match move_person(p.board, token.clone(), p.id, to.clone()).await {
                    Ok(()) => moved += 1,
                    Err(e) => failed.push(format!("{}: {e}", p.name)),
                }
            }
            chosen.set(Default::default());
            if let Some(select) = to_ref.get_untracked() {
                select.set_value("");
            }
            feedback.set(match (moved, failed.is_empty()) {
                (1, true) => format!("Moved 1 person to {title}."),
                (n, true) => format!("Moved {n} people to {title}."),
                (n, false) => format!("Moved {n} to {title}; could not move {}", failed.join("; ")),
            });
            tick.update(|n| *n = n.wrapping_add(1));
        });
    };
    view! {
        <section class="move-people" aria-labelledby="move-h">
            <h2 id="move-h">"Move people between groups"</h2>
            {if people.is_empty() {
                view! { <p class="muted">"Nobody is on a board just now."</p> }.into_any()
            } else {
                view! {
                    <fieldset>
                        <legend>"Who to move"</legend>
                        <ul class="people-pick">
                            {people.iter().map(|Movable { id, name, group, .. }| {
                                let input = format!("pick-{id}");
                                let (a, b) = (id.clone(), id.clone());
                                view! {
                                    <li>
                                        <input type="checkbox" id=input.clone()
                                            prop:checked=move || chosen.with(|c| c.contains(&a))
                                            on:change=move |ev| {
                                                let on = event_target_checked(&ev);
                                                chosen.update(|c| { if on { c.insert(b.clone()); } else { c.remove(&b); } });
                                            }/>
                                        <label for=input>{format!("{name} (in {group})")}</label>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    </fieldset>
                    <div class="row">
                        <label for="move-to">"Move them to"</label>
                        <select id="move-to" node_ref=to_ref>
                            <option value="">"Choose a group…"</option>
                            {groups.iter().map(|(id, title)| view! { <option value=id.clone()>{title.clone()}</option> }).collect_view()}
                        </select>
                        <button type="button" on:click=move_them.clone()>
                            {move || match chosen.with(|c| c.len()) {
                                0 => "Move the people ticked".to_string(),
                                1 => "Move 1 person".to_string(),
                                n => format!("Move {n} people"),
                            }}
                        </button>
                    </div>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn ConsoleRow(
    b: ConsoleBoard,
    headings: Vec<String>,
    token: Option<String>,
    all: Vec<(String, String)>,
    sheet: RunSheet,
    feedback: RwSignal<String>,
    act: Action<(String, ControlScope, ControlPatch), ()>,
    next: Action<(String, ControlScope), ()>,
) -> impl IntoView {
    let c = b.control.clone();
    let board_id = b.board.id.clone();
    let title = b.board.title.clone();
    let scope = ControlScope::Board(board_id.clone());
    let archive = {
        let (id, t, archived) = (board_id.clone(), token.clone(), b.board.archived);
        move |_| {
            let (id, t) = (id.clone(), t.clone());
            leptos::task::spawn_local(async move {
                let edit = CatalogEdit {
                    archived: Some(!archived),
                    ..Default::default()
                };
                feedback.set(match edit_board(id, t, edit).await {
                    Ok(()) if archived => "Board restored from the archive.".into(),
                    Ok(()) => "Board archived and locked.".into(),
                    Err(e) => format!("Could not change the board: {e}"),
                });
            });
        }
    };
    let mut settings = Vec::new();
    if c.locked {
        settings.push("Locked".to_string());
    }
    if c.anonymous {
        settings.push("Anonymous".into());
    }
    if !c.revealed {
        settings.push("Private writing".into());
    }
    settings.push(
        if c.votes_revealed {
            "Votes shown"
        } else {
            "Votes secret"
        }
        .into(),
    );
    settings.push(format!("{} votes each", c.votes_per_person));
    if b.board.archived {
        settings.push("Archived".into());
    }
    let people = b.people.clone();
    let lock = {
        let (scope, title, locked) = (scope.clone(), title.clone(), c.locked);
        move |_| {
            let label = if locked {
                format!("unlock {title}")
            } else {
                format!("lock {title}")
            };
            act.dispatch((
                label,
                scope.clone(),
                ControlPatch {
                    locked: Some(!locked),
                    ..Default::default()
                },
            ));
        }
    };
    let set_phase = {
        let (scope, title) = (scope.clone(), title.clone());
        move |ev: leptos::ev::Event| {
            if let Some(p) = Phase::parse(&event_target_value(&ev)) {
                act.dispatch((
                    format!("set {title} to {}", p.label()),
                    scope.clone(),
                    ControlPatch {
                        phase: Some(p),
                        ..Default::default()
                    },
                ));
            }
        }
    };
    let step_next = {
        let (scope, title) = (scope.clone(), title.clone());
        move |_| {
            next.dispatch((title.clone(), scope.clone()));
        }
    };
    let at_end = sheet.next(c.step).is_none();
    let message = if c.message.is_empty() {
        "no message".to_string()
    } else {
        format!("“{}”", c.message)
    };
    view! {
        <tr data-board=board_id.clone()>
            <th scope="row" data-label="Group">
                <a href=board_href(&board_id, token.as_deref())>{title.clone()}<span class="visually-hidden">" (open the board)"</span></a>
            </th>
            <td class="online" data-label="People">
                {format!("{} · ", people.len())}
                {people.is_empty().then_some("nobody")}
                <ul class="people-here">
                    {people.into_iter().map(|p| {
                        let facilitator = p.role == "facilitator";
                        let shown = if facilitator && !p.name.to_lowercase().contains("facilitator") {
                            format!("{} (facilitator)", p.name)
                        } else {
                            p.name.clone()
                        };
                        let (from, t) = (board_id.clone(), token.clone());
                        let label = format!("Move {} to another group", p.name);
                        let pid = p.id.clone();
                        let mover = (!facilitator && !pid.is_empty()).then(|| view! {
                            <select aria-label=label on:change=move |ev| {
                                let to = event_target_value(&ev);
                                if to.is_empty() { return; }
                                let (from, t, pid) = (from.clone(), t.clone(), pid.clone());
                                leptos::task::spawn_local(async move {
                                    feedback.set(match move_person(from, t, pid, to).await {
                                        Ok(()) => "Moved.".into(),
                                        Err(e) => format!("Could not move: {e}"),
                                    });
                                });
                            }>
                                <option value="">"Move to…"</option>
                                {all.iter().filter(|(id, _)| *id != board_id).map(|(id, title)| view! {
                                    <option value=id.clone()>{title.clone()}</option>
                                }).collect_view()}
                            </select>
                        });
                        view! { <li>{shown}" "{mover}</li> }
                    }).collect_view()}
                </ul>
            </td>
            {b.cards.into_iter().zip(headings).map(|(n, h)| view! { <td class="num" data-label=h>{n}</td> }).collect_view()}
            <td data-label="Last activity">{ago(b.last_activity_ms)}</td>
            <td class="state" data-label="Step and phase">
                <span class="step">{sheet.describe(c.step)}</span>
                <label class="visually-hidden" for=format!("phase-{board_id}")>{format!("Phase of {title}")}</label>
                <select id=format!("phase-{board_id}") on:change=set_phase>
                    {Phase::ALL.map(|p| view! { <option value=p.as_str() selected=c.phase == p>{p.label()}</option> }).collect_view()}
                </select>
                <button on:click=step_next disabled=at_end>"Next step"<span class="visually-hidden">" for " {title.clone()}</span></button>
            </td>
            <td data-label="Timer and message"><span class="timer-left">{timer_left(c.timer_ends)}</span>" · "<span class="message">{message}</span></td>
            <td class="settings" data-label="Settings">
                {settings.into_iter().map(|s| view! { <span class="chip">{s}</span>" " }).collect_view()}
            </td>
            <td class="actions" data-label="Actions">
                <button on:click=lock aria-pressed=c.locked.to_string()>{if c.locked { "Unlock" } else { "Lock" }}<span class="visually-hidden">" " {title.clone()}</span></button>
                <RenameBoard board=board_id.clone() title=title.clone() token=token.clone() feedback/>
                <button on:click=archive>
                    {if b.board.archived { "Unarchive" } else { "Archive" }}
                    <span class="visually-hidden">" " {title.clone()}</span>
                </button>
            </td>
        </tr>
    }
}

#[component]
fn RenameBoard(
    board: String,
    title: String,
    token: Option<String>,
    feedback: RwSignal<String>,
) -> impl IntoView {
    let input = NodeRef::<leptos::html::Input>::new();
    let field_id = format!("rename-{board}");
    let label = format!("New title for {title}");
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let t = input.get().map(|i| i.value()).unwrap_or_default();
        let (b, tok) = (board.clone(), token.clone());
        leptos::task::spawn_local(async move {
            let edit = CatalogEdit {
                title: Some(t),
                ..Default::default()
            };
            feedback.set(match edit_board(b, tok, edit).await {
                Ok(()) => "Board renamed.".into(),
                Err(e) => format!("Could not rename the board: {e}"),
            });
        });
    };
    view! {
        <form class="rename" on:submit=submit>
            <label class="visually-hidden" for=field_id.clone()>{label}</label>
            <input id=field_id type="text" maxlength="120" value=title size="14" node_ref=input/>
            <button type="submit">"Rename"</button>
        </form>
    }
}

/// Every setting for all groups at once: step, phase, lock, private writing, anonymity,
/// votes, timer and message.
#[component]
pub fn AllGroups(
    workshop: String,
    token: Option<String>,
    feedback: RwSignal<String>,
    tick: RwSignal<u32>,
) -> impl IntoView {
    let act = control_action(token.clone(), feedback, tick);
    let next = advance_action(token.clone(), feedback, tick);
    let all = ControlScope::Workshop(workshop);
    let send = {
        let all = all.clone();
        move |label: &str, patch: ControlPatch| {
            act.dispatch((label.to_string(), all.clone(), patch));
        }
    };
    let message_ref = NodeRef::<leptos::html::Input>::new();
    let minutes_ref = NodeRef::<leptos::html::Input>::new();
    let votes_ref = NodeRef::<leptos::html::Input>::new();
    let phase_ref = NodeRef::<leptos::html::Select>::new();
    let broadcast = {
        let send = send.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let text = message_ref.get().map(|m| m.value()).unwrap_or_default();
            send(
                "send the message to all groups",
                ControlPatch {
                    message: Some(text),
                    ..Default::default()
                },
            );
        }
    };
    let start_timer = {
        let send = send.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let minutes: f64 = minutes_ref
                .get()
                .and_then(|m| m.value().parse().ok())
                .unwrap_or(5.0);
            send(
                "start the timer for all groups",
                ControlPatch {
                    timer_ends: Some(Some(now_ms() + minutes * 60_000.0)),
                    ..Default::default()
                },
            );
        }
    };
    let set_phase = {
        let send = send.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            if let Some(p) = phase_ref.get().and_then(|s| Phase::parse(&s.value())) {
                send(
                    &format!("set every group to {}", p.label()),
                    ControlPatch {
                        phase: Some(p),
                        ..Default::default()
                    },
                );
            }
        }
    };
    let set_votes = {
        let send = send.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            match votes_ref.get().and_then(|v| v.value().parse::<i64>().ok()) {
                Some(v) => send(
                    &format!("give everyone {v} votes"),
                    ControlPatch {
                        votes_per_person: Some(v),
                        ..Default::default()
                    },
                ),
                None => feedback.set("Votes each must be a whole number from 0 to 100.".into()),
            }
        }
    };
    let button = {
        let send = send.clone();
        move |text: &'static str, label: &'static str, patch: ControlPatch| {
            let send = send.clone();
            view! { <button type="button" on:click=move |_| send(label, patch.clone())>{text}</button> }
        }
    };
    let next_all = move |_| {
        next.dispatch(("All groups".to_string(), all.clone()));
    };
    view! {
        <section class="console-actions" aria-labelledby="all-h">
            <h2 id="all-h">"All groups at once"</h2>
            <div class="row">
                <button type="button" class="primary" on:click=next_all>"Next step for all groups"</button>
                {button("Lock all boards", "lock all boards", ControlPatch { locked: Some(true), ..Default::default() })}
                {button("Unlock all boards", "unlock all boards", ControlPatch { locked: Some(false), ..Default::default() })}
            </div>
            <form class="row" on:submit=set_phase>
                <label for="all-phase">"Phase"</label>
                <select id="all-phase" node_ref=phase_ref>
                    {Phase::ALL.map(|p| view! { <option value=p.as_str()>{p.label()}</option> }).collect_view()}
                </select>
                <button type="submit">"Set phase for all"</button>
            </form>
            <div class="row" role="group" aria-label="Private writing and anonymity for all groups">
                {button("Start private writing for all", "start private writing in every group", ControlPatch { revealed: Some(false), ..Default::default() })}
                {button("Reveal all cards everywhere", "reveal every group's cards", ControlPatch { revealed: Some(true), ..Default::default() })}
                {button("Make all groups anonymous", "make every group anonymous", ControlPatch { anonymous: Some(true), ..Default::default() })}
                {button("Show names in all groups", "show names in every group", ControlPatch { anonymous: Some(false), ..Default::default() })}
                {button("Reveal votes everywhere", "reveal every group's votes", ControlPatch { votes_revealed: Some(true), ..Default::default() })}
            </div>
            <form class="row" on:submit=set_votes>
                <label for="all-votes">"Votes each"</label>
                <input id="all-votes" type="number" min="0" max="100" value="5" node_ref=votes_ref/>
                <button type="submit">"Set votes for all"</button>
            </form>
            <form class="row" on:submit=start_timer>
                <label for="timer-min">"Timer (minutes)"</label>
                <input id="timer-min" type="number" min="1" max="180" value="5" node_ref=minutes_ref/>
                <button type="submit">"Start timer for all"</button>
                {button("Stop timer", "stop the timer", ControlPatch { timer_ends: Some(None), ..Default::default() })}
            </form>
            <form class="row" on:submit=broadcast>
                <label for="bcast">"Message to everyone"</label>
                <input id="bcast" type="text" maxlength="500" node_ref=message_ref/>
                <button type="submit">"Send to all"</button>
                <button type="button" on:click=move |_| {
                    if let Some(m) = message_ref.get() {
                        m.set_value("");
                    }
                    send("clear the message", ControlPatch { message: Some(String::new()), ..Default::default() });
                }>"Clear message"</button>
            </form>
        </section>
    }
}

/// The workshop's run-sheet, editable: each step's title, phase, minutes and message.
#[component]
pub fn RunSheetEditor(
    workshop: String,
    token: Option<String>,
    plan: Plan,
    feedback: RwSignal<String>,
    tick: RwSignal<u32>,
) -> impl IntoView {
    let steps = RwSignal::new(plan.run_sheet.steps.clone());
    let allocation = RwSignal::new(plan.allocation);
    let groups = RwSignal::new(plan.groups.join("\n"));
    let votes = RwSignal::new(plan.votes_per_person);
    let prompts = RwSignal::new(plan.prompts.clone());
    let the_plan = move || Plan {
        run_sheet: RunSheet {
            steps: steps.get_untracked(),
        },
        allocation: allocation.get_untracked(),
        groups: groups
            .get_untracked()
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect(),
        votes_per_person: votes.get_untracked(),
        prompts: prompts.get_untracked(),
        notice: None,
    };
    // The named plans, to start from one (read once the page runs).
    let library = RwSignal::new(Vec::<cocreate_core::model::plan::SavedPlan>::new());
    let read_library = {
        let (w, t) = (workshop.clone(), token.clone());
        move || {
            let (w, t) = (w.clone(), t.clone());
            leptos::task::spawn_local(async move {
                if let Ok(plans) = saved_plans(Some(w), t).await {
                    library.try_set(plans);
                }
            });
        }
    };
    #[cfg(feature = "hydrate")]
    {
        let read_library = read_library.clone();
        Effect::new(move |prev: Option<()>| {
            if prev.is_none() {
                read_library();
            }
        });
    }
    let name_ref = NodeRef::<leptos::html::Input>::new();
    let keep_named = {
        let (w, t) = (workshop.clone(), token.clone());
        let read_library = read_library.clone();
        move |_| {
            let name = name_ref.get().map(|i| i.value()).unwrap_or_default();
            let (w, t, plan) = (w.clone(), t.clone(), the_plan());
            let read_library = read_library.clone();
            leptos::task::spawn_local(async move {
                // The plan as edited is the workshop's first, then kept under the name.
                let kept = match set_plan(w.clone(), t.clone(), plan).await {
                    Ok(_) => save_named_plan(w, t, name).await,
                    Err(e) => Err(e),
                };
                feedback.set(match kept {
                    Ok(p) => format!(
                        "Plan saved as “{}”: any new workshop can start from it.",
                        p.name
                    ),
                    Err(e) => format!("Could not keep the plan: {e}"),
                });
                read_library();
                tick.update(|n| *n = n.wrapping_add(1));
            });
        }
    };
    let chosen_ref = NodeRef::<leptos::html::Select>::new();
    let use_named = move |_| {
        let name = chosen_ref.get().map(|s| s.value()).unwrap_or_default();
        if let Some(p) = library.with_untracked(|l| l.iter().find(|p| p.name == name).cloned()) {
            steps.set(p.plan.run_sheet.steps.clone());
            allocation.set(p.plan.allocation);
            groups.set(p.plan.groups.join("\n"));
            votes.set(p.plan.votes_per_person);
            prompts.set(p.plan.prompts.clone());
            feedback.set(format!(
                "“{}” is in the form: save the plan to use it here.",
                p.name
            ));
        }
    };
    // Rows are made again only when a step is added or removed, so typing in one keeps
    // its focus.
    let count = Memo::new(move |_| steps.with(|s| s.len()));
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let plan = the_plan();
        let (w, t) = (workshop.clone(), token.clone());
        leptos::task::spawn_local(async move {
            feedback.set(match set_plan(w, t, plan).await {
                Ok(0) => "Plan saved.".into(),
                Ok(1) => "Plan saved. One board shows the new prompt wording.".into(),
                Ok(n) => format!("Plan saved. {n} boards show the new prompt wording."),
                Err(e) => format!("Could not save the plan: {e}"),
            });
            tick.update(|n| *n = n.wrapping_add(1));
        });
    };
    let add = move |_| {
        steps.update(|s| {
            if s.len() < MAX_STEPS {
                s.push(Step {
                    title: format!("Step {}", s.len() + 1),
                    phase: Phase::Write,
                    minutes: 10,
                    message: String::new(),
                });
            }
        });
    };
    let row = move |i: usize| {
        let get = move |f: fn(&Step) -> String| {
            move || steps.with(|s| s.get(i).map(f).unwrap_or_default())
        };
        let n = i + 1;
        view! {
            <li class="step-edit">
                <fieldset>
                    <legend>{format!("Step {n}")}</legend>
                    <label>"Title "<input type="text" maxlength="80" prop:value=get(|s| s.title.clone())
                        on:input=move |ev| steps.update(|s| if let Some(st) = s.get_mut(i) { st.title = event_target_value(&ev) })/></label>
                    <label>"Phase "<select on:change=move |ev| {
                        if let Some(p) = Phase::parse(&event_target_value(&ev)) {
                            steps.update(|s| if let Some(st) = s.get_mut(i) { st.phase = p });
                        }
                    }>
                        {Phase::ALL.map(|p| view! { <option value=p.as_str() selected=move || steps.with(|s| s.get(i).is_some_and(|st| st.phase == p))>{p.label()}</option> }).collect_view()}
                    </select></label>
                    <label>"Minutes "<input type="number" min="0" max=MAX_MINUTES size="4" prop:value=get(|s| s.minutes.to_string())
                        on:change=move |ev| steps.update(|s| if let (Some(st), Ok(m)) = (s.get_mut(i), event_target_value(&ev).parse()) { st.minutes = m })/></label>
                    <label class="wide">"Message "<input type="text" maxlength="500" prop:value=get(|s| s.message.clone())
                        on:input=move |ev| steps.update(|s| if let Some(st) = s.get_mut(i) { st.message = event_target_value(&ev) })/></label>
                    <button type="button" on:click=move |_| steps.update(|s| { if s.len() > 1 && i < s.len() { s.remove(i); } })>
                        "Remove"<span class="visually-hidden">{format!(" step {n}")}</span>
                    </button>
                </fieldset>
            </li>
        }
    };
    // One fieldset a prompt: its heading, its question in plain and easy-read words,
    // and its symbol.
    let prompt_row = move |i: usize| {
        let get = move |f: fn(&PromptText) -> String| {
            move || prompts.with(|p| p.get(i).map(f).unwrap_or_default())
        };
        let set = move |f: fn(&mut PromptText, String)| {
            move |ev: leptos::ev::Event| {
                let v = event_target_value(&ev);
                prompts.update(|p| {
                    if let Some(p) = p.get_mut(i) {
                        f(p, v)
                    }
                });
            }
        };
        let key = Prompt::ALL[i].as_str();
        view! {
            <fieldset class="prompt-edit">
                <legend>{format!("Prompt {}", i + 1)}</legend>
                <label>"Heading "<input type="text" maxlength=MAX_PROMPT_TITLE id=format!("prompt-{key}-title")
                    prop:value=get(|p| p.title.clone()) on:input=set(|p, v| p.title = v)/></label>
                <label class="wide">"Question "<input type="text" maxlength=MAX_PROMPT_QUESTION id=format!("prompt-{key}-question")
                    prop:value=get(|p| p.question.clone()) on:input=set(|p, v| p.question = v)/></label>
                <label class="wide">"Easy-read question "<input type="text" maxlength=MAX_PROMPT_QUESTION id=format!("prompt-{key}-easy")
                    prop:value=get(|p| p.easy.clone()) on:input=set(|p, v| p.easy = v)/></label>
                <label>"Symbol "<select id=format!("prompt-{key}-symbol") on:change=set(|p, v| if let Some(s) = Symbol::parse(&v) { p.symbol = s })>
                    {Symbol::ALL.map(|s| view! {
                        <option value=s.as_str() selected=move || prompts.with(|p| p.get(i).is_some_and(|p| p.symbol == s))>
                            {s.label()}
                        </option>
                    }).collect_view()}
                </select>
                {move || prompts.with(|p| p.get(i).map(|p| p.symbol)).map(|s| view! {
                    <SymbolImage symbol=s class="prompt-symbol-preview"/>
                })}
                </label>
            </fieldset>
        }
    };
    view! {
        <section aria-labelledby="runsheet-h">
            <h2 id="runsheet-h">"Plan: run-sheet and groups"</h2>
            <p class="muted">"“Next step” starts a group's next step: its phase, its timer and its message together."</p>
            <form on:submit=save>
                <ol class="run-sheet">
                    {move || (0..count.get()).map(row).collect_view()}
                </ol>
                <div class="row">
                    <button type="button" on:click=add>"Add a step"</button>
                </div>
                <fieldset class="allocation">
                    <legend>"How people who open the workshop link find their group"</legend>
                    <label><input type="radio" name="allocation" prop:checked=move || allocation.get() == Allocation::Choose
                        on:change=move |_| allocation.set(Allocation::Choose)/>" They choose a group (or ask to be placed)"</label>
                    <label><input type="radio" name="allocation" prop:checked=move || allocation.get() == Allocation::Balanced
                        on:change=move |_| allocation.set(Allocation::Balanced)/>" They are placed, balanced by role (a patient or citizen and a clinician in each group where numbers allow)"</label>
                </fieldset>
                <label for="plan-groups">"Groups a new workshop from this plan starts with (one a line)"</label>
                <textarea id="plan-groups" rows="5" prop:value=move || groups.get()
                    on:change=move |ev| groups.set(event_target_value(&ev))></textarea>
                <details class="plan-prompts">
                    <summary>"Prompts: the four questions every board of this plan asks"</summary>
                    <p class="muted">"Saving the plan changes the wording on this workshop's boards at once; cards stay where they are."</p>
                    {(0..Prompt::ALL.len()).map(prompt_row).collect_view()}
                </details>
                <label for="plan-votes">"Votes each person has"</label>
                <input id="plan-votes" type="number" min="1" max="100" prop:value=move || votes.get().to_string()
                    on:change=move |ev| if let Ok(v) = event_target_value(&ev).parse() { votes.set(v) }/>
                <div class="row">
                    <button type="submit">"Save plan"</button>
                </div>
            </form>
            <div class="row plan-library">
                <label for="plan-name">"Keep this plan for other workshops, named"</label>
                <input id="plan-name" type="text" maxlength="80" node_ref=name_ref/>
                <button type="button" on:click=keep_named>"Save as a named plan"</button>
            </div>
            {move || (!library.with(Vec::is_empty)).then(|| view! {
                <div class="row plan-library">
                    <label for="plan-choose">"Start from a named plan"</label>
                    <select id="plan-choose" node_ref=chosen_ref>
                        {library.get().into_iter().map(|p| view! { <option value=p.name.clone()>{p.name.clone()}</option> }).collect_view()}
                    </select>
                    <button type="button" on:click=use_named>"Put it in the form"</button>
                </div>
            })}
        </section>
    }
}
