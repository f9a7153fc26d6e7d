//! The home page: what cocreate is and how to join (links are private, so no list here).

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <Title text="cocreate"/>
        <h1>"cocreate"</h1>
        <p>"Co-create ideas together on shared boards, live."</p>
        <p>"To join a workshop, open the link your facilitator sent you."</p>
        <p class="muted">"Running the demo? The links are printed when the server starts and kept in "
            <code>"data/demo-links.txt"</code>"."</p>
    }
}
