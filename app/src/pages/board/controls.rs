//! The control bar: what the facilitator set (phase, lock, timer, message) for everyone,
//! and the controls that set it for facilitators.

use leptos::prelude::*;

use crate::api::set_control;
use crate::prefs::Listen;
use crate::session::BoardSession;
use cocreate_core::catalog::{ControlScope, LinkRole};
use cocreate_core::model::control::{ControlPatch, Phase};

/// How long "Time is up" stays on the board after the timer ran out.
const TIME_UP_SHOWN_MS: f64 = 2.0 * 60_000.0;

/// Phase, lock, timer and the facilitator's message; facilitators also get the controls
/// for this board (the session's board, with the session's token).
#[component]
pub(super) fn ControlBar(session: BoardSession) -> impl IntoView {
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
    // Seconds left on the timer (0: time is up); `None` when there is no timer, or it
    // ran out more than TIME_UP_SHOWN_MS ago (then "Time is up" has been said enough).
    let seconds_left = move || {
        let ends = session.control.with(|c| c.timer_ends)? + session.timer_extra_ms.get();
        let n = now.get();
        if n == 0.0 || n - ends > TIME_UP_SHOWN_MS {
            return None;
        }
        Some(((ends - n) / 1000.0).ceil().max(0.0) as u64)
    };
    let timer = move || {
        if session.timer_hidden.get() {
            return None;
        }
        let left = seconds_left()?;
        Some(if left == 0 {
            "Time is up".to_string()
        } else {
            format!("Time left: {}:{:02}", left / 60, left % 60)
        })
    };
    let has_timer = Memo::new(move |_| timer().is_some());
    // Said once to screen readers when it happens (the ticking timer itself is silent).
    let time_up = Memo::new(move |_| seconds_left() == Some(0));
    let change = Action::new(move |patch: &ControlPatch| {
        let (board, token, patch) = (
            session.board_id.get_value(),
            session.token.get_value(),
            patch.clone(),
        );
        async move {
            if let Err(e) = set_control(ControlScope::Board(board), token, patch).await {
                session
                    .notice
                    .set(Some(format!("Could not change the board: {e}")));
            }
        }
    });
    let is_facilitator = session.role.get_untracked() == LinkRole::Facilitator;
    let observer = session.role.get_untracked() == LinkRole::Observer;
    // During a secret vote, how many people have voted so far (never what for): a plain
    // signal a timer fills, so nothing else on the page re-renders when it changes.
    let ballots = RwSignal::new(None::<usize>);
    let voting_secretly = move || {
        session
            .control
            .with(|c| c.phase == Phase::Vote && !c.votes_revealed)
    };
    #[cfg(feature = "hydrate")]
    if is_facilitator {
        let (board, token) = (session.board_id.get_value(), session.token.get_value());
        let poll = move || {
            if !session
                .control
                .with_untracked(|c| c.phase == Phase::Vote && !c.votes_revealed)
            {
                return;
            }
            let (board, token) = (board.clone(), token.clone());
            leptos::task::spawn_local(async move {
                if let Ok(n) = crate::api::ballots_cast(board, token).await {
                    ballots.try_set(Some(n));
                }
            });
        };
        poll();
        let handle = set_interval_with_handle(poll, std::time::Duration::from_secs(5)).ok();
        on_cleanup(move || {
            if let Some(h) = handle {
                h.clear();
            }
        });
    }
    let facilitator_tools = is_facilitator.then(|| {
        view! {
            <div class="facilitator-tools" role="group" aria-label="Facilitator controls">
                <button on:click=move |_| {
                    let locked = session.control.with_untracked(|c| c.locked);
                    change.dispatch(ControlPatch { locked: Some(!locked), ..Default::default() });
                }>{move || if session.control.with(|c| c.locked) { "Unlock board" } else { "Lock board" }}</button>
                <label for="phase">"Phase"</label>
                <select id="phase" on:change=move |ev| {
                    if let Some(p) = Phase::parse(&event_target_value(&ev)) {
                        change.dispatch(ControlPatch { phase: Some(p), ..Default::default() });
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
                            change.dispatch(ControlPatch { votes_per_person: Some(v), ..Default::default() });
                        }
                    }/>
                <button aria-pressed=move || session.control.with(|c| c.anonymous.to_string()) on:click=move |_| {
                    let on = session.control.with_untracked(|c| c.anonymous);
                    change.dispatch(ControlPatch { anonymous: Some(!on), ..Default::default() });
                }>"Anonymous"</button>
                <button on:click=move |_| {
                    let revealed = session.control.with_untracked(|c| c.revealed);
                    change.dispatch(ControlPatch { revealed: Some(!revealed), ..Default::default() });
                }>{move || if session.control.with(|c| c.revealed) { "Start private writing" } else { "Reveal all cards" }}</button>
                <button on:click=move |_| {
                    let shown = session.control.with_untracked(|c| c.votes_revealed);
                    change.dispatch(ControlPatch { votes_revealed: Some(!shown), ..Default::default() });
                }>{move || if session.control.with(|c| c.votes_revealed) { "Vote secretly" } else { "Reveal votes" }}</button>
                <button aria-pressed=move || session.control.with(|c| c.shared_delete.to_string()) on:click=move |_| {
                    let on = session.control.with_untracked(|c| c.shared_delete);
                    change.dispatch(ControlPatch { shared_delete: Some(!on), ..Default::default() });
                }>"Anyone may delete cards"</button>
                {move || session.control.with(|c| c.timer_ends.is_some()).then(|| view! {
                    <button on:click=move |_| {
                        change.dispatch(ControlPatch { timer_ends: Some(None), ..Default::default() });
                    }>"Stop timer"</button>
                })}
                {move || session.control.with(|c| !c.message.is_empty()).then(|| view! {
                    <button on:click=move |_| {
                        change.dispatch(ControlPatch { message: Some(String::new()), ..Default::default() });
                    }>"Clear message"</button>
                })}
                <span class="ballots" role="status" aria-live="polite">{move || {
                    ballots.get().filter(|_| voting_secretly()).map(|n| match n {
                        1 => "1 person has voted".to_string(),
                        n => format!("{n} people have voted"),
                    })
                }}</span>
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
        let left = (total - session.my_votes("").1).max(0);
        view! { <p class="votes-left" role="status">{format!("You have {left} of {total} votes left")}</p> }
    })
    };
    view! {
        <div class="control-bar">
            <p class="phase">"Now: " {move || session.control.with(|c| c.phase.label())}</p>
            {votes_left}
            {editing_tools}
            {move || has_timer.get().then(|| {
                let (t1, t2) = (timer, timer);
                view! {
                    <p class="timer" role="timer" aria-live="off">
                        <span>{move || t1().unwrap_or_default()}</span>
                        " " <Listen session what="the time left" text=move || t2().unwrap_or_default()/>
                    </p>
                }
            })}
            <p class="visually-hidden" role="status" aria-live="polite">{move || time_up.get().then_some("Time is up")}</p>
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
                    <p class="broadcast" role="status"><strong>"Message from the facilitator: "</strong>{m.clone()}
                        " " <Listen session what="the message" text=move || format!("Message from the facilitator: {m}")/>
                    </p>
                })
            }}
            <Spotlight session/>
            {facilitator_tools}
        </div>
    }
}

/// The card a facilitator spotlights: every page brings it into view (without motion when
/// the person asked for less) and marks it; the bar says which card it is, with a way
/// back to it, and facilitators can end it.
#[component]
fn Spotlight(session: BoardSession) -> impl IntoView {
    let card = Memo::new(move |_| session.control.with(|c| c.spotlight.clone()));
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if let Some(id) = card.get() {
            // After the card's own render (it may arrive in the same update).
            request_animation_frame(move || bring_into_view(&id));
        }
    });
    let text = move || {
        card.get()
            .and_then(|id| session.card_view(&id))
            .map(|c| c.text)
    };
    move || {
        card.get().map(|id| {
            let go = {
                let id = id.clone();
                move |_| {
                    #[cfg(feature = "hydrate")]
                    bring_into_view(&id);
                    #[cfg(not(feature = "hydrate"))]
                    let _ = &id;
                }
            };
            view! {
                <p class="spotlight-bar" role="status">
                    <strong>"Spotlight: "</strong>
                    {move || match text() {
                        Some(t) if !t.trim().is_empty() => format!("the facilitator is showing everyone the card “{t}”."),
                        _ => "the facilitator is showing everyone a card.".to_string(),
                    }}
                    " "
                    <button type="button" on:click=go>"Go to the card"</button>
                    {session.is_facilitator().then(|| view! {
                        " "
                        <button type="button" on:click=move |_| super::card::spotlight(session, None)>"End the spotlight"</button>
                    })}
                </p>
            }
        })
    }
}

/// Scroll a card into the middle of the window, smoothly unless the person prefers
/// reduced motion.
#[cfg(feature = "hydrate")]
fn bring_into_view(card: &str) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let selector = format!("li.card[data-card=\"{}\"]", card.replace(['"', '\\'], ""));
    let Ok(Some(el)) = doc.query_selector(&selector) else {
        return;
    };
    let reduced = web_sys::window()
        .and_then(|w| {
            w.match_media("(prefers-reduced-motion: reduce)")
                .ok()
                .flatten()
        })
        .is_some_and(|m| m.matches());
    let opts = web_sys::ScrollIntoViewOptions::new();
    opts.set_block(web_sys::ScrollLogicalPosition::Center);
    opts.set_behavior(if reduced {
        web_sys::ScrollBehavior::Instant
    } else {
        web_sys::ScrollBehavior::Smooth
    });
    el.scroll_into_view_with_scroll_into_view_options(&opts);
}
