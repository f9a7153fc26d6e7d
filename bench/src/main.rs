//! Load generator speaking the y-websocket protocol (with yrs, like any stock client).
//!
//! R boards x C clients. Every client edits at a steady rate: each edit writes the send
//! time (µs since the run started) under its own `bench-` key of the board's `meta` map
//! (a root type every board has; unknown keys there are kept), so every peer that
//! receives it measures the fan-out latency. Reports latency p50/p99,
//! delivered/expected updates, and, given the server's pid, server CPU seconds per
//! delivered update and RSS per connection (from /proc). Works against cocreate and the
//! stock Node y-websocket server alike (`--token` is ignored by the latter).
//!
//! With `--as-participant-in WORKSHOP` (and a participant's token) each client joins with
//! its own seat, adds one card of its own as its pseudonym, and each edit rewrites that
//! card's text with the send time instead: the path every participant's keystroke takes,
//! checked key by key by the server's rules.

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
use yrs::{Any, Doc, GetString, Map, Out, ReadTxn, Text, Transact, Update};

#[derive(Parser, Debug, Clone)]
struct Args {
    /// Websocket base URL; the board id is appended (`{url}/{board}`). Several, comma
    /// separated (the nodes of a cluster): each board's clients take them in turn.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "ws://127.0.0.1:3000/ws/board"
    )]
    url: Vec<String>,
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
    /// Server process ids (comma separated: every node of a cluster), for CPU and
    /// memory figures (summed).
    #[arg(long, value_delimiter = ',')]
    pid: Vec<u32>,
    /// A label for the report line.
    #[arg(long, default_value = "server")]
    label: String,
    /// With several URLs: `clients` spreads each board's clients over them (most are
    /// relayed to the board's owner); `boards` sends all of a board's clients to one of
    /// them (what a load balancer routing by board does).
    #[arg(long, default_value = "clients")]
    spread: String,
    /// Write as participants of this workshop (each client with its own seat, editing
    /// its own card's text) instead of under `meta` keys.
    #[arg(long)]
    as_participant_in: Option<String>,
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

/// The sum of `f` over every process, if it could be read for each.
fn sum<T: std::iter::Sum>(pids: &[u32], f: impl Fn(u32) -> Option<T>) -> Option<T> {
    if pids.is_empty() {
        return None;
    }
    pids.iter().map(|p| f(*p)).sum()
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

/// One HTTP/1.1 request to the server behind `args.url`; the answer's status and body.
async fn http(args: &Args, method: &str, path: &str, body: &str) -> std::io::Result<(u16, String)> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let first = &args.url[0];
    let rest = first.split("://").nth(1).unwrap_or(first);
    let host = rest.split('/').next().unwrap_or(rest);
    let mut stream = tokio::net::TcpStream::connect(host).await?;
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(req.as_bytes()).await?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await?;
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
    Ok((status, body))
}

/// Join `board`'s workshop as the holder of `seat`, agreeing to its privacy notice.
async fn agree(args: &Args, board: &str, seat: &str) -> Result<(), String> {
    let q = format!("token={}", args.token);
    let (status, notice) = http(args, "GET", &format!("/api/boards/{board}/notice?{q}"), "")
        .await
        .map_err(|e| e.to_string())?;
    let version = serde_json::from_str::<serde_json::Value>(&notice)
        .ok()
        .and_then(|n| n["version"].as_u64())
        .ok_or(format!("no notice ({status}): {notice}"))?;
    let join = serde_json::json!({
        "seat": seat, "name": "bench", "role": "stakeholder", "consent": version,
    });
    let (status, answer) = http(
        args,
        "POST",
        &format!("/api/boards/{board}/join?{q}"),
        &join.to_string(),
    )
    .await
    .map_err(|e| e.to_string())?;
    if status != 200 {
        return Err(format!("{status}: {answer}"));
    }
    Ok(())
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
    let seat = format!("bench-seat-{board}-{me:08}");
    // Each board's clients take the nodes in turn, or all go to one node per board
    // (`me` is board * 10 000 + client).
    let turn = if args.spread == "boards" {
        me / 10_000
    } else {
        me % 10_000
    };
    let base = &args.url[turn % args.url.len()];
    let mut url = format!("{base}/{board}{sep}");
    if args.as_participant_in.is_some() {
        url.push_str(&format!("&seat={seat}"));
        // A participant writes once they have agreed to the workshop's privacy notice.
        if let Err(e) = agree(&args, &board, &seat).await {
            eprintln!("client {me} on {board}: joining: {e}");
            go.wait().await;
            return;
        }
    }
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
    let cards = doc.get_or_insert_map("cards");
    let key = format!("bench-c{me}");
    let participant = args.as_participant_in.clone();
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
            let times: Vec<(String, f64)> = if participant.is_some() {
                cards
                    .iter(&txn)
                    .filter(|(k, _)| *k != key && k.starts_with("bench-"))
                    .filter_map(|(k, v)| match v {
                        Out::YMap(card) => match card.get(&txn, "text") {
                            Some(Out::YText(t)) => {
                                t.get_string(&txn).parse().ok().map(|t| (k.to_string(), t))
                            }
                            _ => None,
                        },
                        _ => None,
                    })
                    .collect()
            } else {
                bench
                    .iter(&txn)
                    .filter(|(k, _)| *k != key && k.starts_with("bench-"))
                    .filter_map(|(k, v)| match v {
                        Out::Any(Any::Number(n)) => {
                            Some((k.to_string(), n.as_f64().unwrap_or(0.0)))
                        }
                        _ => None,
                    })
                    .collect()
            };
            for (k, t) in times {
                if seen.get(&k) != Some(&t) {
                    seen.insert(k, t);
                    if measure {
                        lats.push((now - t).max(0.0) as u64);
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
    // A participant adds its own card first, as itself (not counted).
    let text = participant.as_ref().map(|workshop| {
        let sv = doc.transact().state_vector();
        let mut txn = doc.transact_mut();
        let card = cards.insert(&mut txn, key.as_str(), yrs::MapPrelim::default());
        card.insert(&mut txn, "prompt", "how");
        let text = card.insert(&mut txn, "text", yrs::TextPrelim::new(""));
        card.insert(
            &mut txn,
            "author",
            cocreate_core::identity::pseudonym(workshop, &seat),
        );
        card.insert(&mut txn, "created", 1.0);
        card.insert(&mut txn, "pos", format!("b{me:08}"));
        drop(txn);
        (text, doc.transact().encode_diff_v1(&sv))
    });
    let text = match text {
        Some((text, update)) => {
            let _ = tx
                .send(Ws::Binary(
                    encode(Message::Sync(SyncMessage::Update(update))).into(),
                ))
                .await;
            Some(text)
        }
        None => None,
    };
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
                    let now = start.elapsed().as_micros() as f64;
                    match &text {
                        Some(t) => {
                            let len = t.len(&txn);
                            t.remove_range(&mut txn, 0, len);
                            t.insert(&mut txn, 0, &now.to_string());
                        }
                        None => {
                            bench.insert(&mut txn, key.as_str(), now);
                        }
                    }
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
    let rss_before = sum(&args.pid, proc_rss_kb);
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
    let rss_during = sum(&args.pid, proc_rss_kb);
    let cpu0 = sum(&args.pid, proc_cpu_secs);
    for t in tasks {
        let _ = t.await;
    }
    let cpu1 = sum(&args.pid, proc_cpu_secs);
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
        "lost": expected.saturating_sub(delivered),
        "nodes": args.url.len(),
        "fanout_latency_ms_p50": pct(&lat, 0.50),
        "fanout_latency_ms_p99": pct(&lat, 0.99),
        "server_cpu_s": cpu,
        "server_cpu_us_per_delivered_update": per_update_us,
        "server_rss_kb_per_connection": rss_per_conn,
    });
    println!("{report}");
}
