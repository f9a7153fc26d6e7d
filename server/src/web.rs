//! What every HTTP route shares: the `?token=` parameter and file downloads.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// `?token=` on every route that needs one.
#[derive(Debug, Deserialize)]
pub struct TokenParam {
    pub token: Option<String>,
}

/// A file to download: its type, its name, its bytes.
pub fn download(content_type: &str, filename: &str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        body,
    )
        .into_response()
}
