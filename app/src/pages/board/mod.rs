//! The board page: four prompt columns of cards, who is online, connection state.
//!
//! # Layout
//! - this module: the page (loading, connecting, the layout).
//! - [`controls`]: phase, lock, timer, message and the facilitator's controls.
//! - [`column`]: a prompt's column and its themes; [`card`]: one card, its votes and
//!   its move menu.
//! - [`people`]: you, who is here, joining, following a move to another group.
//! - [`tools`]: history, exports, snapshots, theme suggestions.
//! - [`hidden`]: the facilitator's list of hidden cards (show again, delete for good).

mod card;
mod column;
mod controls;
mod guided;
mod hidden;
mod people;
mod tools;

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::get_board;
use crate::pages::common::load_page;
use crate::prefs::{TextSize, SPEEDS};
use crate::session::BoardSession;
use cocreate_core::catalog::{BoardAccess, LinkRole};
use cocreate_core::model::Prompt;
use column::Column;
use controls::ControlBar;
use guided::Guided;
use hidden::HiddenCards;
use people::{FollowMoves, JoinPrompt, Presence, YouPanel};
use tools::{BoardTools, Suggestions};

#[component]
pub fn BoardPage() -> impl IntoView {
    load_page("board", "Loading board…", get_board, |access, token| {
        view! { <BoardView access token/> }.into_any()
    })
}

#[component]
fn BoardView(access: BoardAccess, token: Option<String>) -> impl IntoView {
    let session = BoardSession::new();
    session.role.set(access.role);
    session.token.set_value(token.clone());
    session.board_id.set_value(access.board.id.clone());
    session
        .workshop_id
        .set_value(access.board.workshop_id.clone());
    let summary = access.board;
    let id = summary.id.clone();
    let workshop = summary.workshop_id.clone();
    Effect::new(move |prev: Option<()>| {
        if prev.is_none() {
            #[cfg(feature = "hydrate")]
            crate::client::connect(session, id.clone(), &workshop);
            #[cfg(not(feature = "hydrate"))]
            let _ = (&id, &workshop);
        }
    });
    // Private writing and secret ballots: a participant's new cards and votes go to their
    // own draft, which only they and the server hold, until the facilitator reveals
    // everyone's.
    #[cfg(feature = "hydrate")]
    {
        let (id, workshop) = (summary.id.clone(), summary.workshop_id.clone());
        Effect::new(move |_| {
            let needed = session.needs_draft();
            if needed && !session.has_draft() {
                crate::client::start_draft(session, id.clone(), &workshop);
            } else if !needed && session.has_draft() {
                session.attach_draft(None);
            }
        });
    }
    // The roster (names and roles) is read when the page starts, when this person joins,
    // and when someone arrives or leaves.
    #[cfg(feature = "hydrate")]
    Effect::new(move |prev: Option<usize>| {
        let people = session.peers.with(Vec::len);
        if prev.is_none() {
            if session.role.get_untracked() == LinkRole::Participant {
                session.load_privacy_notice();
            }
            session.join();
        }
        if prev != Some(people) {
            session.refresh_roster();
        }
        people
    });
    let set_text_size = move |ev: leptos::ev::Event| {
        if let Some(t) = TextSize::parse(&event_target_value(&ev)) {
            session.text_size.set(t);
        }
    };
    let set_speech_rate = move |ev: leptos::ev::Event| {
        if let Ok(r) = event_target_value(&ev).parse::<f32>() {
            session.speech_rate.set(r);
        }
    };
    // This person's own settings, kept on the device, once the page runs.
    Effect::new(move |_| crate::prefs::keep(session));
    on_cleanup(move || session.stop());
    view! {
        <Title text=format!("{} · cocreate", summary.title)/>
        <div class="board-head">
            <div>
                <p class="muted">{summary.workshop_title.clone()} " · " {summary.area.clone()}</p>
                <h1>{summary.title.clone()}</h1>
            </div>
            <div class="board-head-side">
                <p role="status" aria-live="polite" class=move || session.status.get().class()>
                    {move || session.status.get().label()}
                </p>
                <Presence session/>
            </div>
        </div>
        <div class="visually-hidden" aria-live="polite" aria-atomic="true" data-testid="announcer">
            {move || session.announce.get()}
        </div>
        <div class="view-options" role="group" aria-label="How the board looks for you">
            <button type="button" aria-pressed=move || session.easy_read.get().to_string()
                on:click=move |_| session.easy_read.update(|e| *e = !*e)>"Easy read"</button>
            <button type="button" aria-pressed=move || session.guided.get().to_string()
                on:click=move |_| session.guided.update(|g| *g = !*g)>"One question at a time"</button>
            <label for="text-size">"Text size"</label>
            <select id="text-size" prop:value=move || session.text_size.get().as_str()
                on:change=set_text_size>
                {TextSize::ALL.map(|t| view! { <option value=t.as_str()>{t.label()}</option> }).collect_view()}
            </select>
            <button type="button" aria-pressed=move || session.high_contrast.get().to_string()
                on:click=move |_| session.high_contrast.update(|c| *c = !*c)>"High contrast"</button>
            <label for="speech-rate">"Reading speed"</label>
            <select id="speech-rate" prop:value=move || session.speech_rate.get().to_string()
                on:change=set_speech_rate>
                {SPEEDS.map(|(r, l)| view! { <option value=r.to_string()>{l}</option> }).collect_view()}
            </select>
        </div>
        <ControlBar session/>
        <Suggestions session/>
        <JoinPrompt session/>
        <FollowMoves session/>
        {move || session.notice.get().map(|n| view! {
            <p role="alert" class="notice">{n}
                <button class="link" on:click=move |_| session.notice.set(None)>"Dismiss"</button>
            </p>
        })}
        {move || if session.guided.get() {
            view! { <Guided session/> }.into_any()
        } else {
            view! {
                // On a phone the columns stack: a way to each without scrolling past the others.
                <nav class="column-nav" aria-label="Columns of the board">
                    <ul>
                        {Prompt::ALL.map(|p| view! { <li><a href=format!("#col-{}", p.as_str())>{move || session.prompt_text(p).title}</a></li> }).collect_view()}
                    </ul>
                </nav>
                // The columns take the whole width; who is here sits in the heading, and the
                // rest (you, hidden cards, saving and sharing) in panels under the board.
                <div class="columns">
                    {Prompt::ALL.map(|p| view! { <Column session prompt=p/> }).collect_view()}
                </div>
            }.into_any()
        }}
        <aside class="board-panels" aria-label="You, and saving this board">
            // An observer takes no part: no name or role to give.
            <Show when=move || session.role.get() != LinkRole::Observer>
                <YouPanel session/>
            </Show>
            <Show when=move || session.is_facilitator()>
                <HiddenCards session/>
            </Show>
            <BoardTools session/>
        </aside>
    }
}
