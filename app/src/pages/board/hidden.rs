//! The facilitator's list of hidden cards: held out of the board by the server (no other
//! client receives them), shown again or deleted for good from here.

use leptos::prelude::*;

use crate::api::{list_hidden_cards, moderate_card};
use crate::session::BoardSession;
use cocreate_core::catalog::Moderation;
use cocreate_core::model::CardView;

/// Hide, show or delete `card` for good; the list of hidden cards is read again after.
pub(super) fn moderate(session: BoardSession, card: String, action: Moderation) {
    let (board, token) = (session.board_id.get_value(), session.token.get_value());
    leptos::task::spawn_local(async move {
        match moderate_card(board, token, card, action).await {
            Ok(()) => session.moderated.update(|n| *n += 1),
            Err(e) => session
                .notice
                .set(Some(format!("Could not change the card: {e}"))),
        }
    });
}

#[component]
pub(super) fn HiddenCards(session: BoardSession) -> impl IntoView {
    let held = Resource::new(
        move || {
            (
                session.board_id.get_value(),
                session.token.get_value(),
                session.moderated.get(),
            )
        },
        |(b, t, _)| list_hidden_cards(b, t),
    );
    view! {
        <section class="hidden-cards" aria-labelledby="hidden-h">
            <h2 id="hidden-h">"Hidden cards"</h2>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match held.await {
                        Err(e) => view! { <p role="alert">{e.to_string()}</p> }.into_any(),
                        Ok(cards) if cards.is_empty() => view! {
                            <p class="muted">"None. A hidden card leaves the board for everyone else; it waits here."</p>
                        }.into_any(),
                        Ok(cards) => view! {
                            <ul>{cards.into_iter().map(|c| view! { <HeldCard session card=c/> }).collect_view()}</ul>
                        }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn HeldCard(session: BoardSession, card: CardView) -> impl IntoView {
    let act = {
        let id = card.id.clone();
        move |action: Moderation| moderate(session, id.clone(), action)
    };
    let show = act.clone();
    let prompt = card.prompt.map(|p| p.title()).unwrap_or("Card");
    view! {
        <li class="held-card" data-held=card.id.clone()>
            <p><span class="muted">{prompt}": "</span><span dir="auto">{card.text.clone()}</span></p>
            <button on:click=move |_| show(Moderation::Show)>"Show card"</button>
            " "
            <button class="danger" on:click=move |_| act(Moderation::Delete)>"Delete for good"</button>
        </li>
    }
}
