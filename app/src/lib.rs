//! cocreate's shared crate: the typed board model (native and wasm), and the Leptos
//! components, routes and browser board client.
pub mod model;
