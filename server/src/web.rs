//! What every HTTP route shares: the `?token=` parameter, file downloads, and the security
//! headers on every response.

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

/// A findings report to download as `{name}.docx` or `{name}.pdf`.
pub async fn report(
    format: crate::report::ReportFormat,
    name: &str,
    findings: cocreate_core::findings::Findings,
) -> Result<Response, crate::error::AppError> {
    let body = format.render(findings).await?;
    Ok(download(
        format.content_type(),
        &format!("{name}.{}", format.ext()),
        body,
    ))
}

/// What an audited report route loads: the workshop it belongs to (for the audit log),
/// what the audit log calls it, and its findings.
pub struct AuditedReport {
    pub workshop_id: String,
    pub what: &'static str,
    pub findings: cocreate_core::findings::Findings,
}

/// `GET .../{id}/report.{docx,pdf}?token=T`: `load` checks the token and loads what the
/// report is of; the download is recorded in the workshop's audit log and named
/// `{id}-findings`.
pub fn audited_report_route<L>(
    format: crate::report::ReportFormat,
    load: L,
) -> axum::routing::MethodRouter<crate::state::AppState>
where
    L: Fn(
            &crate::state::AppState,
            &str,
            Option<&str>,
        ) -> Result<AuditedReport, crate::error::AppError>
        + Clone
        + Send
        + Sync
        + 'static,
{
    use axum::extract::{Path, Query, State};
    axum::routing::get(
        move |State(state): State<crate::state::AppState>,
              Path(id): Path<String>,
              Query(q): Query<TokenParam>| async move {
            let token = q.token.as_deref();
            let loaded = load(&state, &id, token)?;
            state.dir.audit(
                &loaded.workshop_id,
                state.dir.actor(token),
                "export",
                &id,
                format!("{} ({})", loaded.what, format.ext()),
            );
            report(format, &format!("{id}-findings"), loaded.findings).await
        },
    )
}

/// The Content-Security-Policy of every response but pages. Links carry their token in the
/// URL, so nothing may be framed (clickjacking), change its base URL, embed plugins, post
/// forms elsewhere or load anything from another origin, and no script runs.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The Content-Security-Policy of a page: as [`CONTENT_SECURITY_POLICY`], and scripts from
/// this origin or carrying this response's nonce (the inline hydration script and
/// streamed resources carry it), and the app's WebAssembly. No other inline script runs.
pub fn page_csp(nonce: &str) -> String {
    CONTENT_SECURITY_POLICY.replace(
        "script-src 'none'",
        &format!("script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'"),
    )
}

/// Headers on every response: the CSP above, no referrer (a followed link must not carry
/// the page's token to another site), no content sniffing, no framing.
pub fn with_security_headers(router: axum::Router) -> axum::Router {
    use tower_http::set_header::SetResponseHeaderLayer as Set;
    let value = header::HeaderValue::from_static;
    router
        .layer(Set::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            value(CONTENT_SECURITY_POLICY),
        ))
        .layer(Set::if_not_present(
            header::REFERRER_POLICY,
            value("no-referrer"),
        ))
        .layer(Set::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            value("nosniff"),
        ))
        .layer(Set::if_not_present(header::X_FRAME_OPTIONS, value("DENY")))
}

/// The app's wasm, JavaScript and CSS (`/pkg`): sent brotli- or gzip-compressed as the
/// browser accepts (the release build writes `.br` and `.gz` beside each file), and, when
/// their names carry a content hash, kept by browsers for a year without asking again;
/// otherwise asked again (`no-cache`, answered 304 while unchanged).
pub fn assets(options: &leptos::config::LeptosOptions) -> axum::routing::MethodRouter {
    use tower_http::services::ServeDir;
    use tower_http::set_header::SetResponseHeaderLayer as Set;
    let dir = std::path::Path::new(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref());
    let cache = if options.hash_files {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    axum::routing::get_service(ServeDir::new(dir).precompressed_br().precompressed_gzip()).layer(
        Set::overriding(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static(cache),
        ),
    )
}

/// Whether a websocket request may come from the page it says it comes from: no `Origin`
/// (not a browser), an `Origin` whose host is the `Host` the request was sent to (the
/// server's own pages), or one of `allowed`. Another site's page that knows a link cannot
/// open the board in its visitor's browser.
pub fn origin_allowed(headers: &axum::http::HeaderMap, allowed: &[String]) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    if allowed.iter().any(|a| a.trim_end_matches('/') == origin) {
        return true;
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let origin_host = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"));
    matches!((origin_host, host), (Some(o), Some(h)) if o.eq_ignore_ascii_case(h))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderMap;

    fn headers(origin: Option<&str>, host: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, host.parse().unwrap());
        if let Some(o) = origin {
            h.insert(header::ORIGIN, o.parse().unwrap());
        }
        h
    }

    #[test]
    fn only_the_servers_own_pages_and_listed_origins_open_websockets() {
        let listed = vec!["https://cocreate.nhs.example".to_string()];
        assert!(origin_allowed(&headers(None, "127.0.0.1:3000"), &[]));
        assert!(origin_allowed(
            &headers(Some("http://127.0.0.1:3000"), "127.0.0.1:3000"),
            &[]
        ));
        assert!(!origin_allowed(
            &headers(Some("http://127.0.0.1:3001"), "127.0.0.1:3000"),
            &[]
        ));
        assert!(!origin_allowed(
            &headers(Some("https://evil.example"), "127.0.0.1:3000"),
            &listed
        ));
        assert!(!origin_allowed(
            &headers(Some("null"), "127.0.0.1:3000"),
            &listed
        ));
        assert!(origin_allowed(
            &headers(Some("https://cocreate.nhs.example"), "10.0.0.5:3000"),
            &listed
        ));
    }
}
