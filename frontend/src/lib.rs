#![recursion_limit = "512"]
//! The browser entry point: hydrates the server-rendered page.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Hydrated asynchronously: a lazy route (the console and the other pages split from
    // the main wasm) is hydrated once its code has arrived; then the page is marked ready.
    wasm_bindgen_futures::spawn_local(async {
        let body = leptos::prelude::document()
            .body()
            .expect("a page has a body");
        leptos::mount::hydrate_from_async(body, app::App)
            .await
            .forget();
        app::offline::page_ready();
    });
    app::offline::keep_shell_offline();
}
