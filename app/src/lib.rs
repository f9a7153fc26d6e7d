#![recursion_limit = "512"]
//! cocreate's pages: the Leptos components, routes, server functions and the browser's
//! board client. Everything the server shares with them (board model, wire format, sync
//! peer, catalogue types) lives in `cocreate_core`.
//!
//! # Layout
//! - [`routes`]: the HTML shell and the router (the top of the crate).
//! - [`pages`]: home, board, workshop, rounds, consultation and history pages.
//! - [`session`]: the page's view of one live board (signals + actions); in the browser
//!   [`client`] (the y-websocket client with reconnect and resync) is attached to it.
//! - [`api`]: server functions.
//! - [`offline`] (browser): the service worker that keeps the app shell, and the mark
//!   that a page has hydrated.

pub mod api;
#[cfg(feature = "hydrate")]
pub mod client;
#[cfg(feature = "hydrate")]
pub mod offline;
pub mod pages;
pub mod prefs;
pub mod routes;
pub mod session;

pub use routes::{shell, App};
