//! The least a y-websocket server can do under `cocreate-load`: a bound, not a server.
//!
//! One thread, one epoll loop (mio), non-blocking sockets, TCP_NODELAY. It completes the
//! websocket handshake, answers each client's sync step 1 with an empty step 2, and relays
//! every update and awareness message to the other connections on the same path: the
//! server frame is built once per message and written to each peer with one `write`. It
//! keeps no document, stores nothing, checks nothing and answers no late joiner, so no
//! real server can spend less CPU per delivered update under the same load. bench/run.sh
//! runs it beside cocreate and the Node server: Node's CPU per delivery divided by this
//! relay's is the best ratio any server could reach on this machine.
//!
//! `cocreate-relay --bind 127.0.0.1:PORT`

use std::collections::HashMap;
use std::io::{ErrorKind, Read, Write};

use clap::Parser;
use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token};
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;

#[derive(Parser, Debug)]
struct Args {
    #[arg(long, default_value = "127.0.0.1:3999")]
    bind: std::net::SocketAddr,
}

const LISTENER: Token = Token(usize::MAX);

struct Conn {
    sock: TcpStream,
    /// Bytes read and not yet parsed.
    inbuf: Vec<u8>,
    /// Bytes the socket did not take yet.
    outbuf: Vec<u8>,
    /// The room (request path) once the handshake is done.
    room: Option<String>,
}

/// A server (unmasked) binary frame around `payload`.
fn frame(payload: &[u8]) -> Vec<u8> {
    let mut f = Vec::with_capacity(payload.len() + 10);
    f.push(0x82);
    match payload.len() {
        n if n < 126 => f.push(n as u8),
        n if n <= u16::MAX as usize => {
            f.push(126);
            f.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            f.push(127);
            f.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    f.extend_from_slice(payload);
    f
}

/// Write what the socket takes now; keep the rest for when it is writable.
fn send(poll: &Poll, token: Token, conn: &mut Conn, bytes: &[u8]) {
    if !conn.outbuf.is_empty() {
        conn.outbuf.extend_from_slice(bytes);
        return;
    }
    let mut done = 0;
    while done < bytes.len() {
        match conn.sock.write(&bytes[done..]) {
            Ok(n) => done += n,
            Err(e) if e.kind() == ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(_) => return,
        }
    }
    if done < bytes.len() {
        conn.outbuf.extend_from_slice(&bytes[done..]);
        let _ = poll.registry().reregister(
            &mut conn.sock,
            token,
            Interest::READABLE | Interest::WRITABLE,
        );
    }
}

/// A completed handshake: bytes of the request, the room (path), the 101 response.
struct Upgrade {
    used: usize,
    room: String,
    response: Vec<u8>,
}

/// The handshake, once the whole request is in (`Err`: not a websocket request).
fn handshake(buf: &[u8]) -> Option<Result<Upgrade, ()>> {
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let text = std::str::from_utf8(&buf[..end]).ok();
    let parsed = text.and_then(|text| {
        let path = text.lines().next()?.split_whitespace().nth(1)?;
        let room = path.split('?').next()?.to_string();
        let key = text.lines().find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.trim()
                .eq_ignore_ascii_case("sec-websocket-key")
                .then(|| value.trim().to_string())
        })?;
        let response = format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {}\r\n\r\n",
            derive_accept_key(key.as_bytes())
        );
        Some(Upgrade {
            used: end,
            room,
            response: response.into_bytes(),
        })
    });
    Some(parsed.ok_or(()))
}

/// One whole client frame at the start of `buf`: (bytes used, opcode, unmasked payload).
fn client_frame(buf: &[u8]) -> Option<(usize, u8, Vec<u8>)> {
    let (b0, b1) = (*buf.first()?, *buf.get(1)?);
    let (len, mut at) = match b1 & 0x7f {
        126 => (
            u16::from_be_bytes(buf.get(2..4)?.try_into().ok()?) as usize,
            4,
        ),
        127 => (
            u64::from_be_bytes(buf.get(2..10)?.try_into().ok()?) as usize,
            10,
        ),
        n => (n as usize, 2),
    };
    let mask: [u8; 4] = if b1 & 0x80 != 0 {
        let m = buf.get(at..at + 4)?.try_into().ok()?;
        at += 4;
        m
    } else {
        [0; 4]
    };
    let mut payload = buf.get(at..at.checked_add(len)?)?.to_vec();
    for (i, b) in payload.iter_mut().enumerate() {
        *b ^= mask[i % 4];
    }
    Some((at + len, b0 & 0x0f, payload))
}

fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let mut poll = Poll::new()?;
    let mut listener = TcpListener::bind(args.bind)?;
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)?;
    let mut conns: HashMap<usize, Conn> = HashMap::new();
    let mut rooms: HashMap<String, Vec<usize>> = HashMap::new();
    let mut next = 0usize;
    let mut events = Events::with_capacity(1024);
    let mut chunk = vec![0u8; 64 * 1024];
    // An empty update (no blocks, no deletions) as sync step 2.
    let step2 = frame(&[0, 1, 2, 0, 0]);
    loop {
        poll.poll(&mut events, None)?;
        for event in events.iter() {
            if event.token() == LISTENER {
                while let Ok((mut sock, _)) = listener.accept() {
                    let _ = sock.set_nodelay(true);
                    let id = next;
                    next += 1;
                    poll.registry()
                        .register(&mut sock, Token(id), Interest::READABLE)?;
                    let conn = Conn {
                        sock,
                        inbuf: Vec::new(),
                        outbuf: Vec::new(),
                        room: None,
                    };
                    conns.insert(id, conn);
                }
                continue;
            }
            let id = event.token().0;
            let mut closed = false;
            if event.is_writable() {
                if let Some(conn) = conns.get_mut(&id) {
                    let pending = std::mem::take(&mut conn.outbuf);
                    send(&poll, event.token(), conn, &pending);
                    if conn.outbuf.is_empty() {
                        poll.registry().reregister(
                            &mut conn.sock,
                            event.token(),
                            Interest::READABLE,
                        )?;
                    }
                }
            }
            if event.is_readable() {
                let mut messages = Vec::new();
                if let Some(conn) = conns.get_mut(&id) {
                    loop {
                        match conn.sock.read(&mut chunk) {
                            Ok(0) => {
                                closed = true;
                                break;
                            }
                            Ok(n) => conn.inbuf.extend_from_slice(&chunk[..n]),
                            Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                            Err(_) => {
                                closed = true;
                                break;
                            }
                        }
                    }
                    if conn.room.is_none() {
                        match handshake(&conn.inbuf) {
                            Some(Ok(Upgrade {
                                used,
                                room,
                                response,
                            })) => {
                                conn.inbuf.drain(..used);
                                send(&poll, event.token(), conn, &response);
                                rooms.entry(room.clone()).or_default().push(id);
                                conn.room = Some(room);
                            }
                            Some(Err(())) => closed = true,
                            None => {}
                        }
                    }
                    let mut used = 0;
                    while conn.room.is_some() && !closed {
                        let Some((n, opcode, payload)) = client_frame(&conn.inbuf[used..]) else {
                            break;
                        };
                        used += n;
                        match opcode {
                            2 => messages.push(payload),
                            8 => closed = true,
                            9 => {
                                let mut pong = frame(&payload);
                                pong[0] = 0x8a;
                                send(&poll, event.token(), conn, &pong);
                            }
                            _ => {}
                        }
                    }
                    conn.inbuf.drain(..used);
                }
                for payload in messages {
                    match payload.as_slice() {
                        // Sync step 1: we have nothing, so an empty step 2.
                        [0, 0, ..] => {
                            if let Some(conn) = conns.get_mut(&id) {
                                send(&poll, event.token(), conn, &step2);
                            }
                        }
                        // An update or awareness: to everyone else in the room.
                        [0, 2, ..] | [1, ..] => {
                            let out = frame(&payload);
                            let room = conns.get(&id).and_then(|c| c.room.clone());
                            let peers = room.as_ref().and_then(|r| rooms.get(r));
                            for &peer in peers.into_iter().flatten() {
                                if peer == id {
                                    continue;
                                }
                                if let Some(conn) = conns.get_mut(&peer) {
                                    send(&poll, Token(peer), conn, &out);
                                }
                            }
                        }
                        _ => {}
                    }
                }
            }
            if closed {
                if let Some(mut conn) = conns.remove(&id) {
                    let _ = poll.registry().deregister(&mut conn.sock);
                    if let Some(room) = conn.room.and_then(|r| rooms.get_mut(&r)) {
                        room.retain(|&c| c != id);
                    }
                }
            }
        }
    }
}
