//! A board's history: its snapshots, each viewable read-only and exportable, and a
//! read-only outline of the live board (prompt -> theme -> card) that also prints well.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::{get_board, get_board_export, list_snapshots, restore_card};
use crate::pages::common::{board_href, use_token};
use cocreate_core::catalog::LinkRole;
use cocreate_core::catalog::SnapshotInfo;
use cocreate_core::model::export::BoardExport;
use cocreate_core::model::report::iso_utc;
use cocreate_core::model::Prompt;

/// The presentation of a board (live or at a snapshot).
pub fn present_href(board: &str, token: Option<&str>, at: Option<i64>) -> String {
    let mut q = vec![];
    if let Some(t) = token {
        q.push(format!("token={t}"));
    }
    if let Some(a) = at {
        q.push(format!("at={a}"));
    }
    format!("/board/{board}/present?{}", q.join("&"))
}

/// Links to every export format of a board (live or at a snapshot).
#[component]
pub fn ExportLinks(board: String, token: Option<String>, at: Option<i64>) -> impl IntoView {
    let href = move |ext: &str| {
        let mut q = vec![];
        if let Some(t) = &token {
            q.push(format!("token={t}"));
        }
        if let Some(a) = at {
            q.push(format!("at={a}"));
        }
        format!("/api/boards/{board}/export.{ext}?{}", q.join("&"))
    };
    view! {
        <ul class="exports" aria-label="Download">
            <li><a href=href("csv") download>"Spreadsheet (CSV)"</a></li>
            <li><a href=href("pdf") download>"Findings report (PDF)"</a></li>
            <li><a href=href("docx") download>"Findings report (Word)"</a></li>
            <li><a href=href("md") download>"Report (Markdown)"</a></li>
            <li><a href=href("svg") download>"Picture (SVG)"</a></li>
            <li><a href=href("json") download>"Data (JSON)"</a></li>
            <li><a href=href("ybin") download>"Lossless (yrs update)"</a></li>
        </ul>
    }
}

#[component]
pub fn HistoryPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let token = use_token();
    let board = move || params.read().get("id").unwrap_or_default();
    let at = Memo::new(move |_| query.read().get("at").and_then(|a| a.parse::<i64>().ok()));
    let snaps = Resource::new(
        move || (board(), token.get()),
        |(b, t)| list_snapshots(b, t),
    );
    let access = Resource::new(move || (board(), token.get()), |(b, t)| get_board(b, t));
    let facilitator = RwSignal::new(false);
    let shown = Resource::new(
        move || (board(), token.get(), at.get()),
        |(b, t, a)| get_board_export(b, t, a),
    );
    view! {
        <Title text="History · cocreate"/>
        <p class="no-print"><a href=move || board_href(&board(), token.get().as_deref())>"← Back to the live board"</a></p>
        <div class="history-layout">
            <nav class="snapshots no-print" aria-labelledby="snaps-h">
                <h2 id="snaps-h">"Snapshots"</h2>
                <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match snaps.await {
                            Err(e) => view! { <p role="alert">{e.to_string()}</p> }.into_any(),
                            Ok(list) => view! { <SnapshotList list board=board() token=token.get_untracked() current=at.get_untracked()/> }.into_any(),
                        }
                    })}
                </Suspense>
            </nav>
            <div class="outline-main">
                <Suspense fallback=|| view! { <p>"Loading board…"</p> }>
                    {move || Suspend::new(async move {
                        if let Ok(Some(a)) = access.await {
                            facilitator.set(a.role == LinkRole::Facilitator);
                        }
                        match shown.await {
                            Err(e) => view! { <p role="alert">"Could not load this board: " {e.to_string()}</p> }.into_any(),
                            Ok(export) => view! { <Outline export token=token.get_untracked() can_restore=facilitator.get_untracked()/> }.into_any(),
                        }
                    })}
                </Suspense>
            </div>
        </div>
    }
}

#[component]
fn SnapshotList(
    list: Vec<SnapshotInfo>,
    board: String,
    token: Option<String>,
    current: Option<i64>,
) -> impl IntoView {
    let link = move |at: Option<i64>| {
        let mut href = format!("/board/{board}/history?");
        if let Some(t) = &token {
            href.push_str(&format!("token={t}&"));
        }
        if let Some(a) = at {
            href.push_str(&format!("at={a}"));
        }
        href
    };
    view! {
        <ul>
            <li>
                <a href=link(None) aria-current=current.is_none().then_some("page")>"The board now"</a>
            </li>
            {list.into_iter().rev().map(|s| view! {
                <li>
                    <a href=link(Some(s.id)) aria-current=(current == Some(s.id)).then_some("page")>{s.name.clone()}</a>
                    <span class="muted">" · " <LocalTime ms=s.taken_ms as f64/></span>
                </li>
            }).collect_view()}
        </ul>
    }
}

/// A moment in the reader's own time zone. The server renders it in UTC (it does not
/// know the reader's zone); the browser replaces it with local time once the page runs.
#[component]
pub fn LocalTime(ms: f64) -> impl IntoView {
    let utc = iso_utc(ms);
    let machine = format!("{}Z", utc.replacen(' ', "T", 1));
    let text = RwSignal::new(format!("{utc} UTC"));
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms));
        text.set(String::from(
            d.to_locale_string("en-GB", &wasm_bindgen::JsValue::UNDEFINED),
        ));
    });
    view! { <time datetime=machine>{move || text.get()}</time> }
}

/// A theme (or `None`: no theme) and its cards as (card id, line of text).
type OutlineGroup = (Option<String>, Vec<(String, String)>);

/// The board as an outline: prompt -> theme -> card, read-only.
#[component]
pub fn Outline(
    export: BoardExport,
    token: Option<String>,
    #[prop(optional)] can_restore: bool,
) -> impl IntoView {
    let show_hidden = can_restore;
    let restored = RwSignal::new(String::new());
    let heading = match &export.context.snapshot {
        Some(s) => format!("{} · snapshot “{}”", export.meta.title, s.name),
        None => format!("{} · now", export.meta.title),
    };
    let board = export.context.board_id.clone();
    let at = export.context.snapshot.as_ref().map(|s| s.id);
    let theme_title = |id: &Option<String>| {
        id.as_ref()
            .and_then(|id| export.themes.iter().find(|t| &t.id == id))
            .map(|t| t.title.clone())
    };
    let sections = Prompt::ALL.map(|p| {
        let mut groups: Vec<OutlineGroup> = Vec::new();
        for c in export
            .cards
            .iter()
            .filter(|c| c.prompt == p.as_str() && (show_hidden || !c.hidden))
        {
            let theme = theme_title(&c.theme);
            let mut line = c.text.clone();
            if let Some(notes) = c.notes() {
                line.push_str(&format!(" ({notes})"));
            }
            let entry = (c.id.clone(), line);
            match groups.iter_mut().find(|(t, _)| *t == theme) {
                Some((_, lines)) => lines.push(entry),
                None => groups.push((theme, vec![entry])),
            }
        }
        // Themes first, cards without a theme last.
        groups.sort_by_key(|(t, _)| t.is_none());
        (p, groups)
    });
    let spread = export
        .cards
        .iter()
        .any(|c| c.source.is_some())
        .then(|| cocreate_core::model::synthesis::commonality(&export));
    view! {
        <h1>{heading}</h1>
        <p class="muted">{export.context.workshop_title.clone()} " · " {export.meta.area.clone()} " · " {export.meta.pillar.clone()}</p>
        <p role="status" aria-live="polite" class="no-print">{move || restored.get()}</p>
        <div class="no-print">
            <ExportLinks board=board.clone() token=token.clone() at/>
            <a class="button" href=present_href(&board, token.as_deref(), at)>"Present these findings (one theme a screen)"</a>
            <button class="print" onclick="window.print()">"Print or save as PDF"</button>
        </div>
        {sections.into_iter().map(|(p, groups)| {
            let words = export.prompt_text(p);
            view! {
            <section class="outline" aria-labelledby=format!("o-{}", p.as_str())>
                <h2 id=format!("o-{}", p.as_str())>{words.title} <span class="question">": " {words.question}</span></h2>
                {groups.is_empty().then(|| view! { <p class="muted">"No cards."</p> })}
                {groups.into_iter().map(|(theme, lines)| view! {
                    {theme.map(|t| view! { <h3 dir="auto">{t}</h3> })}
                    <ul>{lines.into_iter().map(|(id, l)| {
                        let restore = (can_restore && at.is_some()).then(|| {
                            let (b, t, id) = (board.clone(), token.clone(), id.clone());
                            view! {
                                <button class="restore" on:click=move |_| {
                                    let (b, t, id) = (b.clone(), t.clone(), id.clone());
                                    let snap = at.unwrap_or_default();
                                    leptos::task::spawn_local(async move {
                                        restored.set(match restore_card(b, t, snap, id).await {
                                            Ok(done) => done.message().into(),
                                            Err(e) => format!("Could not restore the card: {e}"),
                                        });
                                    });
                                }>"Restore" <span class="visually-hidden">" this card to the live board"</span></button>
                            }
                        });
                        view! { <li data-card=id.clone()><span dir="auto">{l}</span> " " {restore}</li> }
                    }).collect_view()}</ul>
                }).collect_view()}
            </section>
        }}).collect_view()}
        {spread.map(|c| view! { <CommonalityTable c/> })}
    }
}

/// Themes of a synthesis board by area: common to all, shared by some, specific to one.
#[component]
pub fn CommonalityTable(c: cocreate_core::model::synthesis::Commonality) -> impl IntoView {
    use cocreate_core::model::synthesis::Spread;
    let summary = format!(
        "{} common to all areas, {} shared by some, {} specific to one area.",
        c.count(|s| *s == Spread::Common),
        c.count(|s| *s == Spread::Shared),
        c.count(|s| matches!(s, Spread::Specific(_))),
    );
    let areas = c.areas.clone();
    view! {
        <section class="commonality" aria-labelledby="common-h">
            <h2 id="common-h">"Commonality across areas"</h2>
            <p>{summary}</p>
            <table>
                <caption class="visually-hidden">"Cards in each theme by clinical area"</caption>
                <thead><tr>
                    <th scope="col">"Theme"</th>
                    <th scope="col">"Prompt"</th>
                    {areas.iter().map(|a| view! { <th scope="col">{a.clone()}</th> }).collect_view()}
                    <th scope="col">"Spread"</th>
                </tr></thead>
                <tbody>
                    {c.themes.into_iter().map(|t| {
                        let class = match &t.spread {
                            Spread::Common => "spread common",
                            Spread::Shared => "spread shared",
                            Spread::Specific(_) => "spread specific",
                            Spread::Unknown | Spread::Unthemed => "spread",
                        };
                        let prompt = Prompt::parse(&t.prompt).map(|p| p.title()).unwrap_or("");
                        view! {
                            <tr>
                                <th scope="row">{t.title.clone()}</th>
                                <td>{prompt}</td>
                                {t.per_area.iter().map(|n| view! { <td class="num">{*n}</td> }).collect_view()}
                                <td class=class>{t.spread.label()}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}
