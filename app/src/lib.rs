#![recursion_limit = "512"]
//! cocreate's pages: the Leptos components, routes, server functions and the browser's
//! board client. Everything the server shares with them (board model, wire format, sync
//! peer, catalogue types) lives in `cocreate_core`, re-exported here under the names the
//! pages use.
//!
//! # Layout
//! - [`session`]: the page's view of one live board (signals + actions); in the browser it
//!   drives [`client`], the y-websocket client with reconnect and resync.
//! - [`pages`]: home and board pages; [`api`]: server functions.

pub use cocreate_core::{catalog, consult, model, sync, wire};

pub mod api;
#[cfg(feature = "hydrate")]
pub mod client;
pub mod pages;
pub mod session;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

/// The HTML document around the app (server side).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/cocreate.css"/>
        <Title text="cocreate"/>
        <Router>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <header class="site-header">
                <a class="brand" href="/">"cocreate"</a>
            </header>
            <main id="main">
                <Routes fallback=|| view! { <p>"Page not found."</p> }>
                    <Route path=path!("") view=pages::home::HomePage/>
                    <Route path=path!("/board/:id") view=pages::board::BoardPage/>
                    <Route path=path!("/workshop/:id") view=pages::workshop::WorkshopPage/>
                    <Route path=path!("/board/:id/history") view=pages::history::HistoryPage/>
                    <Route path=path!("/consult/:id") view=pages::consult::RespondPage/>
                    <Route path=path!("/consult/:id/results") view=pages::consult::ResultsPage/>
                </Routes>
            </main>
        </Router>
    }
}
