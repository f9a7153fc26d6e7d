//! Routed pages.
pub mod board;
pub mod common;
pub mod consult;
pub mod history;
pub mod home;
pub mod rounds;
pub mod workshop;
