//! The least a board page can be: Leptos hydrating, one yrs board synced over a
//! websocket with cocreate's wire format, its cards rendered as text fields that edit it.
use cocreate_core::model::board::Board;
use cocreate_core::model::{new_doc, CardView};
use futures::{SinkExt, StreamExt};
use gloo_net::websocket::{futures::WebSocket, Message};
use leptos::prelude::*;
use yrs::{updates::decoder::Decode, ReadTxn, StateVector, Transact, Update};

#[component]
fn App() -> impl IntoView {
    let doc = new_doc();
    let cards = RwSignal::new(Vec::<CardView>::new());
    let d = doc.clone();
    leptos::task::spawn_local(async move {
        let ws = WebSocket::open("/ws/board/x").unwrap();
        let (mut tx, mut rx) = ws.split();
        let sv = d.transact().state_vector();
        let _ = tx
            .send(Message::Bytes(cocreate_core::wire::sync_step1(sv)))
            .await;
        while let Some(Ok(Message::Bytes(b))) = rx.next().await {
            if let Ok(u) = Update::decode_v1(&b) {
                let _ = d.transact_mut().apply_update(u);
            }
            cards.set(Board::of(&d).cards(&d.transact()));
            let _ = tx
                .send(Message::Bytes(
                    d.transact()
                        .encode_state_as_update_v1(&StateVector::default()),
                ))
                .await;
        }
    });
    view! {
        <ul>
            <For each=move || cards.get() key=|c| c.id.clone() let:c>
                <li><textarea prop:value=c.text.clone() on:input={
                    let (doc, id) = (doc.clone(), c.id.clone());
                    move |ev| { let _ = Board::of(&doc).set_card_text(&mut doc.transact_mut(), &id, &event_target_value(&ev), None); }
                }></textarea></li>
            </For>
        </ul>
    }
}

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    leptos::mount::hydrate_body(App);
}
