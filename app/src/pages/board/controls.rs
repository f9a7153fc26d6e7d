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
            <Follow session/>
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
    // A card's text, or a theme's title ("the theme “…”").
    let text = move || {
        card.get().and_then(|id| match session.card_view(&id) {
            Some(c) if !c.text.trim().is_empty() => Some(format!("the card “{}”", c.text)),
            Some(_) => Some("a card".to_string()),
            None => session.themes.with(|ts| {
                ts.iter()
                    .find(|t| t.id == id)
                    .map(|t| format!("the theme “{}”", t.title))
            }),
        })
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
                    {move || format!(
                        "the facilitator is showing everyone {}.",
                        text().unwrap_or_else(|| "a card".into())
                    )}
                    " "
                    <button type="button" on:click=go>"Go to it"</button>
                    {session.is_facilitator().then(|| view! {
                        " "
                        <button type="button" on:click=move |_| super::card::spotlight(session, None)>"End the spotlight"</button>
                    })}
                </p>
            }
        })
    }
}

/// "Follow me": a facilitator asks everyone on the board to follow them; while they do,
/// the card at the top of the facilitator's view is kept at the top of everyone's (without
/// motion when the person asked for less), until the facilitator releases them or they
/// stop following themselves (and may follow again).
#[component]
fn Follow(session: BoardSession) -> impl IntoView {
    let at = Memo::new(move |_| session.control.with(|c| c.follow.clone()));
    let asked = Memo::new(move |_| at.with(Option::is_some));
    // This person stopped following (until the facilitator asks again).
    let stopped = RwSignal::new(false);
    Effect::new(move |was: Option<bool>| {
        let now = asked.get();
        if now && was == Some(false) {
            stopped.set(false);
        }
        now
    });
    let facilitator = session.is_facilitator();
    #[cfg(feature = "hydrate")]
    if !facilitator {
        Effect::new(move |_| {
            if let (Some(id), false) = (at.get(), stopped.get()) {
                request_animation_frame(move || bring_to_top(&id));
            }
        });
    }
    // The facilitator's page says where they are, at most every 400 ms while they scroll.
    #[cfg(feature = "hydrate")]
    if facilitator {
        let pending = StoredValue::new(false);
        let report = move || {
            if !asked.get_untracked() || pending.get_value() {
                return;
            }
            pending.set_value(true);
            set_timeout(
                move || {
                    pending.set_value(false);
                    if let Some(card) = top_card() {
                        if at.get_untracked().as_deref() != Some(card.as_str()) {
                            follow(session, Some(card));
                        }
                    }
                },
                std::time::Duration::from_millis(400),
            );
        };
        let handle = window_event_listener(leptos::ev::scroll, move |_| report());
        on_cleanup(move || handle.remove());
    }
    let start = move |_| follow(session, top_card_or_first(session));
    move || {
        if facilitator {
            return Some(
                view! {
                    <p class="follow-bar">
                        {move || if asked.get() {
                            view! {
                                <span role="status">"Everyone on this board is following you: they see what you scroll to. "</span>
                                <button type="button" on:click=move |_| follow(session, None)>"Release everyone"</button>
                            }.into_any()
                        } else {
                            view! { <button type="button" on:click=start>"Ask everyone to follow me"</button> }.into_any()
                        }}
                    </p>
                }
                .into_any(),
            );
        }
        asked.get().then(|| {
            view! {
                <p class="follow-bar" role="status">
                    {move || if stopped.get() {
                        view! {
                            "The facilitator asked everyone to follow them. "
                            <button type="button" on:click=move |_| stopped.set(false)>"Follow again"</button>
                        }.into_any()
                    } else {
                        view! {
                            <strong>"Following the facilitator: "</strong>"your page shows what they are looking at. "
                            <button type="button" on:click=move |_| stopped.set(true)>"Stop following"</button>
                        }.into_any()
                    }}
                </p>
            }
            .into_any()
        })
    }
}

/// Ask everyone to follow (at `card`), or with `None` release them.
fn follow(session: BoardSession, card: Option<String>) {
    let (board, token) = (session.board_id.get_value(), session.token.get_value());
    let patch = ControlPatch {
        follow: Some(card),
        ..Default::default()
    };
    leptos::task::spawn_local(async move {
        if let Err(e) = set_control(ControlScope::Board(board), token, patch).await {
            session
                .notice
                .set(Some(format!("Could not change “follow me”: {e}")));
        }
    });
}

/// The card at the top of this window, or the board's first card.
fn top_card_or_first(session: BoardSession) -> Option<String> {
    #[cfg(feature = "hydrate")]
    if let Some(card) = top_card() {
        return Some(card);
    }
    session
        .cards
        .with_untracked(|cs| cs.first().map(|c| c.id.clone()))
}

/// The first card whose bottom is below the top of the window (what the person sees
/// first).
#[cfg(feature = "hydrate")]
fn top_card() -> Option<String> {
    use wasm_bindgen::JsCast;
    let doc = web_sys::window()?.document()?;
    let cards = doc.query_selector_all("li.card[data-card]").ok()?;
    let mut best: Option<(f64, String)> = None;
    for i in 0..cards.length() {
        let Some(el) = cards
            .item(i)
            .and_then(|n| n.dyn_into::<web_sys::Element>().ok())
        else {
            continue;
        };
        let r = el.get_bounding_client_rect();
        if r.bottom() <= 0.0 {
            continue;
        }
        if best.as_ref().is_none_or(|(top, _)| r.top() < *top) {
            best = el.get_attribute("data-card").map(|id| (r.top(), id));
        }
    }
    best.map(|(_, id)| id)
}

/// Scroll so that a card is at the top of the window.
#[cfg(feature = "hydrate")]
fn bring_to_top(card: &str) {
    scroll_to(card, web_sys::ScrollLogicalPosition::Start);
}

#[cfg(feature = "hydrate")]
fn reduced_motion() -> bool {
    web_sys::window()
        .and_then(|w| {
            w.match_media("(prefers-reduced-motion: reduce)")
                .ok()
                .flatten()
        })
        .is_some_and(|m| m.matches())
}

/// Scroll a card (or theme) into the middle of the window.
#[cfg(feature = "hydrate")]
fn bring_into_view(card: &str) {
    scroll_to(card, web_sys::ScrollLogicalPosition::Center);
}

/// Scroll the card or theme with id `id` to `block`, smoothly unless the person prefers
/// reduced motion.
#[cfg(feature = "hydrate")]
fn scroll_to(id: &str, block: web_sys::ScrollLogicalPosition) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let id = id.replace(['"', '\\'], "");
    let selector = format!("li.card[data-card=\"{id}\"], section.theme[data-theme=\"{id}\"]");
    let Ok(Some(el)) = doc.query_selector(&selector) else {
        return;
    };
    let opts = web_sys::ScrollIntoViewOptions::new();
    opts.set_block(block);
    opts.set_behavior(if reduced_motion() {
        web_sys::ScrollBehavior::Instant
    } else {
        web_sys::ScrollBehavior::Smooth
    });
    el.scroll_into_view_with_scroll_into_view_options(&opts);
}
