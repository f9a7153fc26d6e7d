//! The home page: workshops and their breakout boards.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::list_workshops;

#[component]
pub fn HomePage() -> impl IntoView {
    let workshops = Resource::new(|| (), |_| list_workshops());
    view! {
        <Title text="Workshops · cocreate"/>
        <h1>"Workshops"</h1>
        <Suspense fallback=|| view! { <p>"Loading workshops…"</p> }>
            {move || Suspend::new(async move {
                match workshops.await {
                    Err(e) => view! { <p role="alert">"Could not load workshops: " {e.to_string()}</p> }.into_any(),
                    Ok(list) if list.is_empty() => view! { <p>"No workshops yet."</p> }.into_any(),
                    Ok(list) => view! {
                        <ul class="workshops">
                            {list.into_iter().map(|w| view! {
                                <li class="workshop">
                                    <h2>{w.title.clone()}</h2>
                                    <p class="muted">{w.area.clone()} {(!w.date.is_empty()).then(|| format!(" · {}", w.date))}</p>
                                    <h3 class="visually-hidden">"Breakout boards"</h3>
                                    <ul class="boards">
                                        {w.boards.into_iter().map(|b| view! {
                                            <li><a href=format!("/board/{}", b.id)>{b.title}</a></li>
                                        }).collect_view()}
                                    </ul>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}
