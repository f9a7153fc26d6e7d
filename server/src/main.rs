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
    if let Some(server::config::Command::Admin {
        action: server::config::AdminAction::Init { label, public_url },
    }) = &config.command
    {
        match server::admin_init(&config, label, public_url) {
            Ok(link) => {
                // The one place this token is shown: printed, never logged.
                println!("organiser link (keep it private; it opens every workshop): {link}");
                return;
            }
            Err(e) => {
                eprintln!("cocreate admin init: {e}");
                std::process::exit(1);
            }
        }
    }
    if let Some(dest) = &config.backup_to {
        match server::backup(&config.database(), dest) {
            Ok(()) => {
                tracing::info!(file = %dest.display(), "backup written");
                return;
            }
            Err(e) => {
                tracing::error!(error = %e, "backup failed");
                std::process::exit(1);
            }
        }
    }
    if let Err(e) = server::serve(config).await {
        tracing::error!(error = %e, "server failed");
        std::process::exit(1);
    }
}
