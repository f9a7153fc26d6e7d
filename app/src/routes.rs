//! The HTML shell around the app (server side) and the router of its pages.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{lazy_route, path, Lazy, LazyRoute};

/// The HTML document around the app (server side).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <AutoReload options=options.clone()/>
                <link rel="stylesheet" href=stylesheet_href(&options)/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Where a release build made with hashed file names (`hash-files`) leaves their hashes:
/// `hash.txt` beside the server binary, as cargo-leptos writes it.
pub fn hash_file(options: &LeptosOptions) -> Option<std::path::PathBuf> {
    Some(
        std::env::current_exe()
            .ok()?
            .parent()?
            .join(options.hash_file.as_ref()),
    )
}

/// The stylesheet's address, `/pkg/cocreate.HASH.css` with hashed file names. Read once:
/// the file does not change while the server runs.
fn stylesheet_href(options: &LeptosOptions) -> String {
    static HREF: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HREF.get_or_init(|| {
        let (name, pkg) = (&options.output_name, &options.site_pkg_dir);
        let hash = options
            .hash_files
            .then(|| std::fs::read_to_string(hash_file(options)?).ok())
            .flatten()
            .and_then(|text| {
                text.lines()
                    .find_map(|l| l.trim().strip_prefix("css:").map(|h| h.trim().to_string()))
            });
        match hash {
            Some(h) => format!("/{pkg}/{name}.{h}.css"),
            None => format!("/{pkg}/{name}.css"),
        }
    })
    .clone()
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title text="cocreate"/>
        <Router>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <header class="site-header">
                <a class="brand" href="/">"cocreate"</a>
            </header>
            <main id="main">
                <Routes fallback=|| view! {
                    <h1>"Page not found"</h1>
                    <p>"There is no page at this address. Open the link your facilitator gave you."</p>
                }>
                    <Route path=path!("") view=crate::pages::home::HomePage/>
                    <Route path=path!("/board/:id") view=crate::pages::board::BoardPage/>
                    <Route path=path!("/workshop/:id") view={Lazy::<WorkshopRoute>::new()}/>
                    <Route path=path!("/workshop/:id/coding") view={Lazy::<CodingRoute>::new()}/>
                    <Route path=path!("/organise") view={Lazy::<OrganiseRoute>::new()}/>
                    <Route path=path!("/board/:id/history") view={Lazy::<HistoryRoute>::new()}/>
                    <Route path=path!("/board/:id/present") view={Lazy::<PresentRoute>::new()}/>
                    <Route path=path!("/consult/:id") view={Lazy::<RespondRoute>::new()}/>
                    <Route path=path!("/consult/:id/results") view={Lazy::<ResultsRoute>::new()}/>
                    <Route path=path!("/delphi/:id") view={Lazy::<DelphiRespondRoute>::new()}/>
                    <Route path=path!("/delphi/:id/results") view={Lazy::<DelphiResultsRoute>::new()}/>
                </Routes>
            </main>
        </Router>
    }
}

/// A page whose code is loaded only when it is opened (a separate piece of the wasm, with
/// `cargo leptos build --split`): a participant's board does not load the console,
/// organising, history or consultation pages. Each page fetches its own data.
macro_rules! lazy_page {
    ($route:ident, $page:path) => {
        struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(this: Self) -> AnyView {
                let _ = this;
                view! { <$page/> }.into_any()
            }
        }
    };
}

lazy_page!(WorkshopRoute, crate::pages::workshop::WorkshopPage);
lazy_page!(CodingRoute, crate::pages::coding::CodingPage);
lazy_page!(OrganiseRoute, crate::pages::organise::OrganisePage);
lazy_page!(HistoryRoute, crate::pages::history::HistoryPage);
lazy_page!(PresentRoute, crate::pages::present::PresentPage);
lazy_page!(RespondRoute, crate::pages::consult::RespondPage);
lazy_page!(ResultsRoute, crate::pages::consult::ResultsPage);
lazy_page!(DelphiRespondRoute, crate::pages::delphi::DelphiRespondPage);
lazy_page!(DelphiResultsRoute, crate::pages::delphi::DelphiResultsPage);
