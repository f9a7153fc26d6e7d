//! Routed pages.
pub mod board;
pub mod home;
pub mod workshop;
