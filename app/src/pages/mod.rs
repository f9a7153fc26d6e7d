//! Routed pages.
pub mod board;
pub mod history;
pub mod home;
pub mod workshop;
