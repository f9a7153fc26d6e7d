//! Routed pages.
pub mod board;
pub mod common;
pub mod consult;
pub mod history;
pub mod home;
pub mod rounds;
pub mod workshop;

/// A server function's error in words for people (without the framework's prefix).
pub fn in_words(e: &leptos::prelude::ServerFnError) -> String {
    e.to_string().replace("error running server function: ", "")
}
