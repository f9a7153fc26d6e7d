//! In the browser only: the page marked ready once hydrated, and the service worker
//! (`public/sw.js`) that keeps the app's files and participants' board pages for reloads
//! without a network.

/// The page has hydrated, its lazily loaded code included: mark it (`data-ready` on
/// `<html>`), since until then its buttons are drawn but do nothing.
pub fn page_ready() {
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = root.set_attribute("data-ready", "");
    }
}

/// Keep the app shell for reloads without a network: register the service worker
/// (`public/sw.js`: the app's files, and participants' board pages as last fetched). A
/// browser without service workers (or a page not served over HTTPS or from localhost)
/// works as before, online only.
pub fn keep_shell_offline() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let navigator = window.navigator();
    let has_workers = js_sys::Reflect::has(&navigator, &"serviceWorker".into()).unwrap_or(false);
    if has_workers {
        // A failed registration only means no offline reloads; the page works on.
        let _ = navigator.service_worker().register("/sw.js");
    }
}

/// Where the service worker keeps board pages (`PAGES` in `public/sw.js`).
const KEPT_PAGES: &str = "cocreate-pages-v1";

/// The server refused this page's link: remove the copy of the page the service worker
/// kept, so that nothing of the board opens from this browser again.
pub fn forget_kept_page() {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    let Some(window) = web_sys::window() else {
        return;
    };
    let (Ok(href), Ok(caches)) = (window.location().href(), window.caches()) else {
        return;
    };
    leptos::task::spawn_local(async move {
        if let Ok(cache) = JsFuture::from(caches.open(KEPT_PAGES)).await {
            let cache: web_sys::Cache = cache.unchecked_into();
            let _ = JsFuture::from(cache.delete_with_str(&href)).await;
        }
    });
}
