//! Command-line flags and environment variables.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

/// cocreate server: live co-creation boards over websockets, on an embedded SQLite file.
#[derive(Debug, Clone, Parser)]
#[command(name = "cocreate", version, about)]
pub struct Config {
    /// Address to listen on (defaults to LEPTOS_SITE_ADDR, then 127.0.0.1:3000).
    #[arg(long, env = "COCREATE_BIND")]
    pub bind: Option<SocketAddr>,

    /// Directory for the SQLite file (created if missing).
    #[arg(long, env = "COCREATE_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,

    /// Where the data lives: a SQLite file (defaults to DATA_DIR/cocreate.db), or a
    /// PostgreSQL address (`postgres://user:password@host:port/db`) for scale-out.
    #[arg(long, env = "COCREATE_DATABASE")]
    pub database: Option<String>,

    /// Do not create the demo workshop in an empty database.
    #[arg(long, env = "COCREATE_NO_DEMO", default_value_t = false)]
    pub no_demo: bool,

    /// Write a consistent copy of the database to this file and exit. Safe while a
    /// server is running on the same database (an online backup).
    #[arg(long, value_name = "FILE")]
    pub backup_to: Option<PathBuf>,

    #[command(flatten)]
    pub cluster: ClusterArgs,

    #[command(flatten)]
    pub limits: LimitArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// What to do instead of serving.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum Command {
    /// Administer the database (with the same --data-dir or --database as the server).
    Admin {
        #[command(subcommand)]
        action: AdminAction,
    },
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum AdminAction {
    /// On a database with no organiser link yet, make one and print it: the first way in
    /// to a fresh install (run it before the server starts, e.g. with --no-demo).
    Init {
        /// What to call the link (shown in audit entries).
        #[arg(long, default_value = "first organiser")]
        label: String,
        /// The server's public address, to print the link with.
        #[arg(
            long,
            env = "COCREATE_PUBLIC_URL",
            default_value = "http://127.0.0.1:3000"
        )]
        public_url: String,
    },
}

/// Several nodes on one PostgreSQL database (see docs/SCALING.md).
#[derive(Debug, Clone, clap::Args)]
pub struct ClusterArgs {
    /// Run as one node of several: the Redis (or Valkey) server that carries events
    /// between the nodes (`redis://host:port`). Needs a PostgreSQL `--database`.
    #[arg(long, env = "COCREATE_CLUSTER")]
    pub cluster: Option<String>,
    /// This node's name (unique in the cluster); defaults to the host name and port.
    #[arg(long, env = "COCREATE_NODE")]
    pub node: Option<String>,
    /// Where the other nodes reach this one (`host:port`); defaults to --bind.
    #[arg(long, env = "COCREATE_ADVERTISE")]
    pub advertise: Option<String>,
    /// How long a node's lease on a board lasts without renewal, in milliseconds: after
    /// a node dies, its boards move to another node within this time.
    #[arg(long, env = "COCREATE_LEASE_MS", default_value_t = 10_000)]
    pub lease_ms: u64,
    /// A secret every node shares: requests one node relays to another carry it.
    #[arg(long, env = "COCREATE_CLUSTER_KEY")]
    pub cluster_key: Option<String>,
}

/// Limits, each configurable.
#[derive(Debug, Clone, clap::Args)]
pub struct LimitArgs {
    /// Largest websocket message in bytes; larger ones close the socket with 1009.
    #[arg(long, env = "COCREATE_MAX_MESSAGE_BYTES", default_value_t = 1 << 20)]
    pub max_message_bytes: usize,
    /// Sustained messages per second per connection; past the burst, close with 1008.
    #[arg(long, env = "COCREATE_RATE_PER_SEC", default_value_t = 200)]
    pub rate_per_sec: u32,
    /// Messages a connection may send at once before the rate applies.
    #[arg(long, env = "COCREATE_RATE_BURST", default_value_t = 1000)]
    pub rate_burst: u32,
    /// Largest awareness state (JSON bytes) per client.
    #[arg(long, env = "COCREATE_AWARENESS_MAX_BYTES", default_value_t = 4096)]
    pub awareness_max_bytes: usize,
    /// Most awareness clients per board.
    #[arg(long, env = "COCREATE_AWARENESS_MAX_CLIENTS", default_value_t = 500)]
    pub awareness_max_clients: usize,
    /// Seconds after which an awareness entry that was not refreshed is removed.
    #[arg(long, env = "COCREATE_AWARENESS_TIMEOUT_SECS", default_value_t = 30)]
    pub awareness_timeout_secs: u64,
    /// Seconds a board with no connections stays loaded.
    #[arg(long, env = "COCREATE_IDLE_UNLOAD_SECS", default_value_t = 60)]
    pub idle_unload_secs: u64,
    /// Most cards on one board; the newest cards of an update beyond it are removed.
    #[arg(long, env = "COCREATE_MAX_CARDS", default_value_t = 5000)]
    pub max_cards: usize,
    /// Longest card text or theme title in UTF-16 units; longer text is cut at the limit.
    #[arg(long, env = "COCREATE_MAX_TEXT", default_value_t = cocreate_core::model::schema::MAX_CARD_TEXT)]
    pub max_text: usize,
    /// Most bytes of updates waiting to be made durable; past it, writers are closed with
    /// 1013 (try again later) before anything is applied.
    #[arg(long, env = "COCREATE_MAX_PENDING_BYTES", default_value_t = 64 << 20)]
    pub max_pending_bytes: usize,
    /// Largest board document in bytes (its encoded state plus what was added since the
    /// last compaction); an update past it is refused, closing with 1008 and the reason.
    #[arg(long, env = "COCREATE_MAX_BOARD_BYTES", default_value_t = 16 << 20)]
    pub max_board_bytes: usize,
    /// Most open websockets one link may hold (a participant link is shared by a whole
    /// workshop); past it, HTTP 429 before upgrade.
    #[arg(long, env = "COCREATE_MAX_CONNS_PER_LINK", default_value_t = 200)]
    pub max_conns_per_link: usize,
    /// Most open websockets from one network address; past it, HTTP 429 before upgrade.
    #[arg(long, env = "COCREATE_MAX_CONNS_PER_ADDRESS", default_value_t = 300)]
    pub max_conns_per_address: usize,
    /// Origins (`https://host[:port]`, comma-separated) whose pages may open websockets
    /// besides the server's own (a browser's Origin must match the Host it asked, or be
    /// listed here; clients that send no Origin, such as scripts, are not browsers).
    #[arg(long, env = "COCREATE_ALLOWED_ORIGINS", value_delimiter = ',')]
    pub allowed_origins: Vec<String>,
}

impl Default for LimitArgs {
    fn default() -> Self {
        LimitArgs {
            max_message_bytes: 1 << 20,
            rate_per_sec: 200,
            rate_burst: 1000,
            awareness_max_bytes: 4096,
            awareness_max_clients: 500,
            awareness_timeout_secs: 30,
            idle_unload_secs: 60,
            max_cards: 5000,
            max_text: cocreate_core::model::schema::MAX_CARD_TEXT,
            max_pending_bytes: 64 << 20,
            max_board_bytes: 16 << 20,
            max_conns_per_link: 200,
            max_conns_per_address: 300,
            allowed_origins: Vec::new(),
        }
    }
}

/// Limits in the form the hub uses.
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_message_bytes: usize,
    pub rate_per_sec: u32,
    pub rate_burst: u32,
    pub awareness_max_bytes: usize,
    pub awareness_max_clients: usize,
    pub awareness_timeout: Duration,
    pub idle_unload: Duration,
    /// Frames buffered per board for slow connections before they are told to resync.
    pub fanout_buffer: usize,
    pub max_cards: usize,
    pub max_text: usize,
    pub max_pending_bytes: usize,
    pub max_board_bytes: usize,
    pub max_conns_per_link: usize,
    pub max_conns_per_address: usize,
    /// Other origins whose pages may open websockets (see `LimitArgs::allowed_origins`).
    pub allowed_origins: Vec<String>,
}

impl From<&LimitArgs> for Limits {
    fn from(a: &LimitArgs) -> Self {
        Limits {
            max_message_bytes: a.max_message_bytes,
            rate_per_sec: a.rate_per_sec,
            rate_burst: a.rate_burst,
            awareness_max_bytes: a.awareness_max_bytes,
            awareness_max_clients: a.awareness_max_clients,
            awareness_timeout: Duration::from_secs(a.awareness_timeout_secs),
            idle_unload: Duration::from_secs(a.idle_unload_secs),
            fanout_buffer: 4096,
            max_cards: a.max_cards,
            max_text: a.max_text,
            max_pending_bytes: a.max_pending_bytes,
            max_board_bytes: a.max_board_bytes,
            max_conns_per_link: a.max_conns_per_link,
            max_conns_per_address: a.max_conns_per_address,
            allowed_origins: a.allowed_origins.clone(),
        }
    }
}

impl Limits {
    /// The limits of one connection's inbound side.
    pub fn peer(&self) -> cocreate_core::sync::PeerLimits {
        cocreate_core::sync::PeerLimits {
            max_message_bytes: self.max_message_bytes,
            rate_per_sec: self.rate_per_sec,
            rate_burst: self.rate_burst,
        }
    }

    /// The content limits of board documents.
    pub fn content(&self) -> cocreate_core::sync::ContentLimits {
        cocreate_core::sync::ContentLimits {
            max_cards: self.max_cards,
            max_text: self.max_text,
            max_doc_bytes: self.max_board_bytes,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::from(&LimitArgs::default())
    }
}

impl Config {
    /// The database `--database` names, or the SQLite file in the data directory.
    pub fn database(&self) -> crate::store::Database {
        match &self.database {
            Some(d) => crate::store::Database::parse(d),
            None => crate::store::Database::Sqlite(self.data_dir.join("cocreate.db")),
        }
    }
}
