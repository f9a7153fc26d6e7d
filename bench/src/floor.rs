//! The kernel's floor for fan-out on this machine: the CPU one thread spends to put one
//! small websocket-sized frame (70 bytes) on one of N loopback TCP connections, with no
//! runtime, protocol or storage around it. Every server that sends each delivered update in
//! its own `write` pays at least this per delivery; only several frames per `write` (which
//! needs several frames queued for the same peer) go below it.
//!
//! On loopback the receiving side's TCP processing runs in the sender's context and is
//! counted here, as it is for the servers measured by `cocreate-load`.
//!
//! `cocreate-floor --peers 50 --writes 200000` prints one JSON line: µs of thread CPU per
//! frame when each frame has its own `write`, and when 4 or 16 frames share one.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use clap::Parser;

#[derive(Parser, Debug)]
struct Args {
    /// Receiving connections (the peers of one board).
    #[arg(long, default_value_t = 50)]
    peers: usize,
    /// Frames to send per measurement.
    #[arg(long, default_value_t = 200_000)]
    writes: usize,
    /// Pause between rounds (one round: one write to every peer), µs.
    #[arg(long, default_value_t = 1000)]
    pause_us: u64,
}

/// This thread's CPU seconds (user + system), from the scheduler's nanosecond account
/// (the first field of /proc/thread-self/schedstat).
fn thread_cpu_secs_precise() -> f64 {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    let ns: f64 = stat
        .split_whitespace()
        .next()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    ns / 1e9
}

/// µs of sender CPU per frame. Like a server fanning out one update, each round writes to
/// every peer once (`frames_per_write` frames in one `write`), then pauses so that the
/// peers have read everything and wait again.
fn measure(
    senders: &mut [TcpStream],
    frames: usize,
    frames_per_write: usize,
    pause: Duration,
) -> f64 {
    let frame = [0x82u8; 70];
    let buf: Vec<u8> = frame.repeat(frames_per_write);
    let rounds = (frames / (frames_per_write * senders.len())).max(1);
    let mut spent = 0.0;
    for _ in 0..rounds {
        let before = thread_cpu_secs_precise();
        for s in senders.iter_mut() {
            s.write_all(&buf).expect("write");
        }
        spent += thread_cpu_secs_precise() - before;
        std::thread::sleep(pause);
    }
    spent * 1e6 / (rounds * senders.len() * frames_per_write) as f64
}

fn main() {
    let args = Args::parse();
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let mut receivers = Vec::new();
    let mut senders = Vec::new();
    for _ in 0..args.peers {
        let r = TcpStream::connect(addr).expect("connect");
        let (s, _) = listener.accept().expect("accept");
        s.set_nodelay(true).expect("nodelay");
        receivers.push(r);
        senders.push(s);
    }
    // Each receiver blocks in `read` on its own thread, as a real client waits for the
    // network: a frame wakes it, and on loopback that wake-up is part of the send.
    let drains: Vec<_> = receivers
        .into_iter()
        .map(|mut r| {
            std::thread::spawn(move || {
                let mut buf = vec![0u8; 16 * 1024];
                while matches!(r.read(&mut buf), Ok(n) if n > 0) {}
            })
        })
        .collect();
    let pause = Duration::from_micros(args.pause_us);
    measure(&mut senders, args.writes / 10, 1, pause); // warm-up
    let one = measure(&mut senders, args.writes, 1, pause);
    let four = measure(&mut senders, args.writes, 4, pause);
    let sixteen = measure(&mut senders, args.writes, 16, pause);
    drop(senders);
    for d in drains {
        let _ = d.join();
    }
    let peers = args.peers;
    let frames = args.writes;
    println!(
        "{{\"peers\":{peers},\"frames\":{frames},\"cpu_us_per_frame_1_per_write\":{one:.2},\"cpu_us_per_frame_4_per_write\":{four:.2},\"cpu_us_per_frame_16_per_write\":{sixteen:.2}}}"
    );
}
