//! A PostgreSQL server of the tests' own: the Debian package's binaries (installed by
//! `scripts/setup.sh`), `initdb` into a temporary folder, its own loopback port. One per
//! test process, started on first use; it gets SIGQUIT when the process exits (however
//! it exits), and its folder is removed then (or, after a crash, by the next run).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The running server.
pub struct Postgres {
    pub port: u16,
    bin: PathBuf,
    dir: PathBuf,
    user: Option<(u32, u32)>,
    /// The postmaster's process id (it changes on restart).
    pid: std::sync::Mutex<u32>,
}

static SERVER: OnceLock<Result<Postgres, String>> = OnceLock::new();
static FOLDER: OnceLock<PathBuf> = OnceLock::new();

/// The test process's PostgreSQL server (started on first call). Panics with what to do
/// when PostgreSQL is not installed.
pub fn server() -> &'static Postgres {
    match SERVER.get_or_init(start) {
        Ok(pg) => pg,
        Err(e) => panic!("PostgreSQL for the tests: {e}"),
    }
}

/// The address of database `name` on the tests' server, created if it does not exist.
pub fn database(name: &str) -> String {
    let pg = server();
    let out = pg
        .command("createdb")
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &pg.port.to_string(),
            "-U",
            "cocreate",
            name,
        ])
        .output()
        .expect("run createdb");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() || err.contains("already exists"),
        "createdb {name}: {err}"
    );
    pg.url(name)
}

/// Run one SQL statement on the database at `url` (psql); its rows, `|`-separated.
pub fn sql(url: &str, statement: &str) -> String {
    let out = server()
        .command("psql")
        .args([url, "-Atc", statement])
        .output()
        .expect("run psql");
    assert!(
        out.status.success(),
        "psql: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A database name for a test folder: the same folder gives the same database (so a
/// test can reopen its store).
pub fn database_for(dir: &Path) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    dir.hash(&mut h);
    database(&format!("t{:016x}", h.finish()))
}

impl Postgres {
    pub fn url(&self, db: &str) -> String {
        format!("postgres://cocreate@127.0.0.1:{}/{db}", self.port)
    }

    fn command(&self, tool: &str) -> Command {
        Command::new(self.bin.join(tool))
    }

    /// Where the server writes its log.
    pub fn log_file(&self) -> PathBuf {
        self.dir.join("server.log")
    }
}

/// The newest installed PostgreSQL's `bin` folder (or `COCREATE_PG_BIN`).
pub fn bin_dir() -> Result<PathBuf, String> {
    if let Ok(dir) = std::env::var("COCREATE_PG_BIN") {
        return Ok(PathBuf::from(dir));
    }
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .map_err(|_| "not installed (no /usr/lib/postgresql): run scripts/setup.sh, or apt-get install postgresql".to_string())?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let v: u32 = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("postgres").exists().then_some((v, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, b)| b).ok_or_else(|| {
        "no server binaries under /usr/lib/postgresql: apt-get install postgresql".into()
    })
}

/// The user and group the server runs as: ourselves, or `postgres` when we are root
/// (PostgreSQL refuses to run as root).
fn run_as() -> Result<Option<(u32, u32)>, String> {
    if unsafe { libc::geteuid() } != 0 {
        return Ok(None);
    }
    let passwd = std::fs::read_to_string("/etc/passwd").map_err(|e| e.to_string())?;
    passwd
        .lines()
        .find_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            (f.first() == Some(&"postgres")).then(|| Some((f[2].parse().ok()?, f[3].parse().ok()?)))
        })
        .flatten()
        .map(Some)
        .ok_or_else(|| {
            "running as root and there is no `postgres` user to run the server as".into()
        })
}

/// Make `cmd` run as `user` (if set) and receive SIGQUIT when the thread that started it
/// ends (start it from a thread that lives as long as the process, or the test's).
pub fn die_with_us(cmd: &mut Command, user: Option<(u32, u32)>) {
    use std::os::unix::process::CommandExt;
    unsafe {
        cmd.pre_exec(move || {
            if let Some((uid, gid)) = user {
                if libc::setgid(gid) != 0 || libc::setuid(uid) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            // After the user change, which would clear it.
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGQUIT) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// Remove the folders of test servers whose process is gone.
fn sweep_stale() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix("cocreate-pg-"))
            .and_then(|p| p.parse::<i32>().ok())
        else {
            continue;
        };
        if unsafe { libc::kill(pid, 0) } != 0 {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

extern "C" fn remove_folder() {
    if let Some(dir) = FOLDER.get() {
        // The server got SIGQUIT as we exit; give it a moment to let go of its files.
        std::thread::sleep(Duration::from_millis(200));
        let _ = std::fs::remove_dir_all(dir);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn start() -> Result<Postgres, String> {
    sweep_stale();
    let bin = bin_dir()?;
    let user = run_as()?;
    let dir = std::env::temp_dir().join(format!("cocreate-pg-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let _ = FOLDER.set(dir.clone());
    unsafe { libc::atexit(remove_folder) };
    if let Some((uid, gid)) = user {
        std::os::unix::fs::chown(&dir, Some(uid), Some(gid)).map_err(|e| e.to_string())?;
    }
    let data = dir.join("data");
    let mut initdb = Command::new(bin.join("initdb"));
    initdb
        .args([
            "-D",
            data.to_str().unwrap(),
            "-U",
            "cocreate",
            "--auth=trust",
        ])
        .args(["-E", "UTF8", "--locale=C", "--no-sync"])
        .stdout(Stdio::null());
    die_with_us(&mut initdb, user);
    let out = initdb.output().map_err(|e| format!("initdb: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let port = free_port();
    let pg = Postgres {
        port,
        bin,
        dir,
        user,
        pid: std::sync::Mutex::new(0),
    };
    pg.launch()?;
    Ok(pg)
}

impl Postgres {
    /// Start the server on its folder and port, and wait until it takes connections.
    fn launch(&self) -> Result<(), String> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_file())
            .map_err(|e| e.to_string())?;
        if let Some((uid, gid)) = self.user {
            let _ = std::os::unix::fs::chown(self.log_file(), Some(uid), Some(gid));
        }
        let data = self.dir.join("data");
        let mut postgres = Command::new(self.bin.join("postgres"));
        postgres
            .args(["-D", data.to_str().unwrap(), "-p", &self.port.to_string()])
            .args(["-k", self.dir.to_str().unwrap()])
            .args([
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "max_connections=300",
            ])
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log);
        die_with_us(&mut postgres, self.user);
        // The thread that starts the server lives as long as the process: the server's
        // parent-death signal fires when that thread ends.
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("postgres-keeper".into())
            .spawn(move || {
                let started = postgres.spawn();
                let ok = started.is_ok();
                let _ = tx.send(started.map(|c| c.id()).map_err(|e| e.to_string()));
                if ok {
                    loop {
                        std::thread::park();
                    }
                }
            })
            .map_err(|e| e.to_string())?;
        let pid = rx.recv().map_err(|e| e.to_string())??;
        *self.pid.lock().unwrap() = pid;
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let ready = self
                .command("pg_isready")
                .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-q"])
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
            if ready {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "the server did not start within 30 s: {}",
                    std::fs::read_to_string(self.log_file()).unwrap_or_default()
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Stop the server (fast shutdown: every connection is cut) and wait until it has.
    pub fn stop(&self) {
        let pid = *self.pid.lock().unwrap() as i32;
        unsafe { libc::kill(pid, libc::SIGINT) };
        let deadline = Instant::now() + Duration::from_secs(30);
        while unsafe { libc::kill(pid, 0) } == 0 {
            // Reap it if it is our child (the keeper thread never waits for it).
            unsafe { libc::waitpid(pid, std::ptr::null_mut(), libc::WNOHANG) };
            assert!(Instant::now() < deadline, "postgres did not stop");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Start it again after [`Postgres::stop`].
    pub fn start_again(&self) {
        self.launch().expect("postgres starts again");
    }
}
