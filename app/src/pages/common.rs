//! What several pages share: the link's token, links that carry it, the page's origin,
//! and the pages shown for links that do not work.

use std::future::Future;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::api::ApiError;

/// The link's token, from `?token=`.
pub fn use_token() -> Memo<Option<String>> {
    let query = use_query_map();
    Memo::new(move |_| query.read().get("token"))
}

/// A page for what the route's `:id` opens with the link's token: `fetch` loads it (a
/// server function), `loading` shows meanwhile, `show` renders it; "not found" when there
/// is none, the link's problem in words when the server refuses the token.
pub fn load_page<T, Fut>(
    what: &'static str,
    loading: &'static str,
    fetch: fn(String, Option<String>) -> Fut,
    show: fn(T, Option<String>) -> AnyView,
) -> impl IntoView
where
    T: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
    Fut: Future<Output = Result<Option<T>, ApiError>> + Send + 'static,
{
    let params = use_params_map();
    let token = use_token();
    let id = move || params.read().get("id").unwrap_or_default();
    let loaded = Resource::new(move || (id(), token.get()), move |(id, t)| fetch(id, t));
    view! {
        <Suspense fallback=move || view! { <p>{loading}</p> }>
            {move || Suspend::new(async move {
                match loaded.await {
                    Ok(Some(found)) => show(found, token.get_untracked()),
                    Ok(None) => view! { <NotFound what/> }.into_any(),
                    Err(error) => view! { <LinkProblem error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// A board link that carries the token.
pub fn board_href(board: &str, token: Option<&str>) -> String {
    match token {
        Some(t) => format!("/board/{board}?token={t}"),
        None => format!("/board/{board}"),
    }
}

/// This page's origin (`https://host:port`), for links people copy; empty on the server.
pub fn origin() -> String {
    #[cfg(feature = "hydrate")]
    {
        web_sys::window()
            .and_then(|w| w.location().origin().ok())
            .unwrap_or_default()
    }
    #[cfg(not(feature = "hydrate"))]
    String::new()
}

/// A link to something that does not exist.
#[component]
pub fn NotFound(what: &'static str) -> impl IntoView {
    let title = format!("{}{} not found", what[..1].to_uppercase(), &what[1..]);
    view! {
        <Title text=format!("{title} · cocreate")/>
        <h1>{title}</h1>
        <p>{format!("This link does not point to a {what}. Ask your facilitator for a new link.")}</p>
        <p><a href="/">"Back to the start page"</a></p>
    }
}

/// A link the server refused (bad, revoked, or for something else), in words.
#[component]
pub fn LinkProblem(error: ApiError) -> impl IntoView {
    view! {
        <Title text="Link not valid · cocreate"/>
        <h1>"This link does not work"</h1>
        <p role="alert">{error.to_string()}</p>
        <p>"Ask your facilitator for a new link."</p>
    }
}

/// A symbol's picture (drawn for cocreate, `public/symbols`). Always shown beside words
/// that say the same, so it is decoration to a screen reader (empty `alt`).
#[component]
pub fn SymbolImage(
    symbol: cocreate_core::model::schema::Symbol,
    #[prop(default = "symbol")] class: &'static str,
) -> impl IntoView {
    view! { <img class=class src=symbol.src() alt="" width="48" height="48"/> }
}

/// POST a file as the request body; the server's JSON answer, or its error in words.
#[cfg(feature = "hydrate")]
pub async fn post_file(url: &str, file: &web_sys::File) -> Result<serde_json::Value, String> {
    use wasm_bindgen::JsCast;
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_body(file);
    let window = web_sys::window().ok_or("no window")?;
    let resp = wasm_bindgen_futures::JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await
        .map_err(|_| "the server could not be reached".to_string())?;
    let resp: web_sys::Response = resp.dyn_into().map_err(|_| "bad response")?;
    let text = wasm_bindgen_futures::JsFuture::from(resp.text().map_err(|_| "bad response")?)
        .await
        .ok()
        .and_then(|t| t.as_string())
        .unwrap_or_default();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    if resp.ok() {
        Ok(json)
    } else {
        Err(json["error"]
            .as_str()
            .unwrap_or("the server refused it")
            .to_string())
    }
}
