//! Load generator speaking the y-websocket protocol (with yrs, like any stock client).
//!
//! R boards x C clients. Every client edits at a steady rate: each edit writes the send
//! time (µs since the run started) under its own `bench-` key of the board's `meta` map
//! (a root type every board has; unknown keys there are kept), so every peer that
//! receives it measures the fan-out latency. Reports latency p50/p99,
//! delivered/expected updates, and, given the server's pid, server CPU seconds per
//! delivered update and RSS per connection (from /proc). Works against cocreate and the
//! stock Node y-websocket server alike (`--token` is ignored by the latter).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;
use futures::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message as Ws;
use yrs::encoding::read::Cursor;
use yrs::sync::{Message, MessageReader, SyncMessage};
use yrs::updates::decoder::{Decode, DecoderV1};
use yrs::updates::encoder::{Encode, Encoder, EncoderV1};
use yrs::{Any, Doc, Map, Out, ReadTxn, Transact, Update};

#[derive(Parser, Debug, Clone)]
struct Args {
    /// Websocket base URL; the board id is appended (`{url}/{board}`).
    #[arg(long, default_value = "ws://127.0.0.1:3000/ws/board")]
    url: String,
    /// Board ids, comma separated.
    #[arg(long, value_delimiter = ',')]
    boards: Vec<String>,
    /// Clients per board.
    #[arg(long, default_value_t = 10)]
    clients: usize,
    /// Edits per client per second.
    #[arg(long, default_value_t = 1.0)]
    rate: f64,
    /// Seconds of editing (after everyone joined).
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Access token (cocreate).
    #[arg(long, default_value = "")]
    token: String,
    /// Server process id, for CPU and memory figures.
    #[arg(long)]
    pid: Option<u32>,
    /// A label for the report line.
    #[arg(long, default_value = "server")]
    label: String,
}

fn encode(msg: Message) -> Vec<u8> {
    let mut enc = EncoderV1::new();
    msg.encode(&mut enc);
    enc.to_vec()
}

#[derive(Default)]
struct Stats {
    latencies_us: Mutex<Vec<u64>>,
    sent: AtomicU64,
}

fn proc_cpu_secs(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

fn proc_rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

async fn client(
    args: Args,
    board: String,
    me: usize,
    start: Instant,
    go: Arc<tokio::sync::Barrier>,
    stats: Arc<Stats>,
) {
    let sep = if args.token.is_empty() {
        String::new()
    } else {
        format!("?token={}", args.token)
    };
    let url = format!("{}/{}{}", args.url, board, sep);
    let (ws, _) = match tokio_tungstenite::connect_async(&url).await {
        Ok(x) => x,
        Err(e) => {
            eprintln!("client {me} on {board}: {e}");
            go.wait().await;
            return;
        }
    };
    let (mut tx, mut rx) = ws.split();
    let doc = Doc::new();
    let bench = doc.get_or_insert_map("meta");
    let key = format!("bench-c{me}");
    let sv = doc.transact().state_vector();
    let _ = tx
        .send(Ws::Binary(
            encode(Message::Sync(SyncMessage::SyncStep1(sv))).into(),
        ))
        .await;
    let mut seen: HashMap<String, f64> = HashMap::new();
    let handle = |frame: &[u8], seen: &mut HashMap<String, f64>, measure: bool| -> Vec<Vec<u8>> {
        let mut replies = Vec::new();
        let mut dec = DecoderV1::new(Cursor::new(frame));
        let msgs: Vec<Message> = MessageReader::new(&mut dec)
            .filter_map(Result::ok)
            .collect();
        let mut changed = false;
        for m in msgs {
            match m {
                Message::Sync(SyncMessage::SyncStep1(sv)) => {
                    let diff = doc.transact().encode_diff_v1(&sv);
                    replies.push(encode(Message::Sync(SyncMessage::SyncStep2(diff))));
                }
                Message::Sync(SyncMessage::SyncStep2(u))
                | Message::Sync(SyncMessage::Update(u)) => {
                    if let Ok(u) = Update::decode_v1(&u) {
                        let _ = doc.transact_mut().apply_update(u);
                        changed = true;
                    }
                }
                _ => {}
            }
        }
        if changed {
            let now = start.elapsed().as_micros() as f64;
            let txn = doc.transact();
            let mut lats = Vec::new();
            for (k, v) in bench.iter(&txn) {
                if k == key || !k.starts_with("bench-") {
                    continue;
                }
                if let Out::Any(Any::Number(n)) = v {
                    let t = n.as_f64().unwrap_or(0.0);
                    if seen.get(k) != Some(&t) {
                        seen.insert(k.to_string(), t);
                        if measure {
                            lats.push((now - t).max(0.0) as u64);
                        }
                    }
                }
            }
            if !lats.is_empty() {
                stats.latencies_us.lock().unwrap().extend(lats);
            }
        }
        replies
    };
    // Catch up before the run starts.
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        match tokio::time::timeout(Duration::from_millis(200), rx.next()).await {
            Ok(Some(Ok(Ws::Binary(b)))) => {
                for r in handle(&b, &mut seen, false) {
                    let _ = tx.send(Ws::Binary(r.into())).await;
                }
            }
            Ok(Some(Ok(_))) => {}
            _ => break,
        }
    }
    go.wait().await;
    let period = Duration::from_secs_f64(1.0 / args.rate);
    let mut tick = tokio::time::interval_at(
        tokio::time::Instant::now() + period.mul_f64((me % 97) as f64 / 97.0),
        period,
    );
    let end = Instant::now() + Duration::from_secs(args.seconds);
    let drain = end + Duration::from_secs(2);
    loop {
        tokio::select! {
            _ = tick.tick(), if Instant::now() < end => {
                let update = {
                    let sv = doc.transact().state_vector();
                    let mut txn = doc.transact_mut();
                    bench.insert(&mut txn, key.as_str(), start.elapsed().as_micros() as f64);
                    drop(txn);
                    doc.transact().encode_diff_v1(&sv)
                };
                stats.sent.fetch_add(1, Ordering::Relaxed);
                if tx.send(Ws::Binary(encode(Message::Sync(SyncMessage::Update(update))).into())).await.is_err() {
                    break;
                }
            }
            msg = rx.next() => match msg {
                Some(Ok(Ws::Binary(b))) => {
                    for r in handle(&b, &mut seen, true) {
                        let _ = tx.send(Ws::Binary(r.into())).await;
                    }
                }
                Some(Ok(_)) => {}
                _ => break,
            },
            _ = tokio::time::sleep_until(drain.into()) => break,
        }
    }
    let _ = tx.close().await;
}

fn pct(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i] as f64 / 1000.0
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    assert!(!args.boards.is_empty(), "--boards is required");
    let n = args.boards.len() * args.clients;
    let stats = Arc::new(Stats::default());
    let go = Arc::new(tokio::sync::Barrier::new(n + 1));
    let start = Instant::now();
    let rss_before = args.pid.and_then(proc_rss_kb);
    let mut tasks = Vec::new();
    for (b, board) in args.boards.iter().enumerate() {
        for c in 0..args.clients {
            let (args, board, go, stats) = (args.clone(), board.clone(), go.clone(), stats.clone());
            // Client ids only need to be unique per board.
            tasks.push(tokio::spawn(client(
                args,
                board,
                b * 10_000 + c,
                start,
                go,
                stats,
            )));
        }
    }
    go.wait().await;
    let rss_during = args.pid.and_then(proc_rss_kb);
    let cpu0 = args.pid.and_then(proc_cpu_secs);
    for t in tasks {
        let _ = t.await;
    }
    let cpu1 = args.pid.and_then(proc_cpu_secs);
    let mut lat = std::mem::take(&mut *stats.latencies_us.lock().unwrap());
    lat.sort_unstable();
    let sent = stats.sent.load(Ordering::Relaxed);
    let expected = sent * (args.clients as u64 - 1);
    let delivered = lat.len() as u64;
    let cpu = match (cpu0, cpu1) {
        (Some(a), Some(b)) => Some(b - a),
        _ => None,
    };
    let per_update_us = cpu.map(|c| c * 1e6 / delivered.max(1) as f64);
    let rss_per_conn = match (rss_before, rss_during) {
        (Some(a), Some(b)) => Some((b.saturating_sub(a)) as f64 / n as f64),
        _ => None,
    };
    let report = serde_json::json!({
        "label": args.label,
        "boards": args.boards.len(),
        "clients_per_board": args.clients,
        "connections": n,
        "edits_sent": sent,
        "expected_deliveries": expected,
        "delivered": delivered,
        "delivered_ratio": delivered as f64 / expected.max(1) as f64,
        "fanout_latency_ms_p50": pct(&lat, 0.50),
        "fanout_latency_ms_p99": pct(&lat, 0.99),
        "server_cpu_s": cpu,
        "server_cpu_us_per_delivered_update": per_update_us,
        "server_rss_kb_per_connection": rss_per_conn,
    });
    println!("{report}");
}
