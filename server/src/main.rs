use clap::Parser;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,tower_http=warn")),
        )
        .init();
    let config = server::config::Config::parse();
    if let Err(e) = server::serve(config).await {
        tracing::error!(error = %e, "server failed");
        std::process::exit(1);
    }
}
