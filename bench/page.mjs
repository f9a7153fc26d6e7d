// The board page under load in a real browser (docs/PERFORMANCE.md, "The page under
// load"): a board of CARDS cards, TYPISTS stock Yjs clients each typing into a card of
// their own at RATE keystrokes a second, and a person in headless Chromium typing into
// theirs. Measured in the page for SECONDS after a warm-up: frame times (requestAnimation
// Frame), long tasks (PerformanceObserver), and how long the person's own keystroke takes
// to reach a frame.
//   node bench/page.mjs [CARDS] [TYPISTS] [SECONDS] [RATE]
// Needs the release build (cargo leptos build --release --precompress --split). Prints one
// JSON line. Numbers, not pass/fail: not part of the test command.
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import WebSocket from 'ws';
import { createHash, randomBytes } from 'node:crypto';
import { startServer, launchBrowser, openBoard } from '../tests/e2e/harness.mjs';

const CARDS = Number(process.argv[2] || 1000);
const TYPISTS = Number(process.argv[3] || 50);
const SECONDS = Number(process.argv[4] || 20);
const RATE = Number(process.argv[5] || 5);
const BOARD = 'demo-research';
const PROMPTS = ['purpose', 'how', 'enablers', 'values'];
const WORDS = 'people who use the service shape it with the people who run it ';

function pseudonym(workshop, seat) {
  const h = createHash('sha256').update(`cocreate pseudonym v1\0${workshop}\0${seat}`).digest();
  return `p-${h.subarray(0, 10).toString('hex')}`;
}

process.setMaxListeners(0); // each stock client adds an exit listener
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(cond, what, ms = 60000) {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`bench: timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** A participant's stock Yjs client on BOARD (agreed to the notice), synced. */
async function participant(server, name) {
  const seat = randomBytes(16).toString('hex');
  const q = `token=${server.links.participant}`;
  const notice = await (await fetch(`${server.base}/api/boards/${BOARD}/notice?${q}`)).json();
  const res = await fetch(`${server.base}/api/boards/${BOARD}/join?${q}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ seat, name, role: 'stakeholder', consent: notice.version }),
  });
  if (res.status !== 200) throw new Error(`bench: join failed: ${await res.text()}`);
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(server.ws, BOARD, doc, {
    WebSocketPolyfill: WebSocket,
    disableBc: true,
    params: { token: server.links.participant, seat },
  });
  await until(() => provider.synced, `${name} to sync`);
  return { doc, provider, me: pseudonym('demo', seat) };
}

function addCard(doc, me, id, prompt, text, pos) {
  const card = new Y.Map();
  doc.getMap('cards').set(id, card);
  card.set('prompt', prompt);
  card.set('text', new Y.Text(text));
  card.set('author', me);
  card.set('created', Date.now());
  card.set('pos', pos);
}

const pct = (xs, p) => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] * 10) / 10;
};

const server = await startServer();
const browser = await launchBrowser();
const clients = [];
try {
  // The board: CARDS cards in the four columns, written in batches.
  const seeder = await participant(server, 'Seeder');
  clients.push(seeder);
  const others = CARDS - TYPISTS - 1;
  for (let i = 0; i < others; i += 100) {
    seeder.doc.transact(() => {
      for (let j = i; j < Math.min(others, i + 100); j++) {
        addCard(seeder.doc, seeder.me, `seed-card-${j}`, PROMPTS[j % 4],
          WORDS.slice(0, 20 + (j % 40)), `a${String(j).padStart(5, '0')}`);
      }
    });
    await sleep(50);
  }
  // The typists, each with a card of their own.
  const typists = [];
  for (let i = 0; i < TYPISTS; i++) {
    const t = await participant(server, `Typist ${i}`);
    clients.push(t);
    t.doc.transact(() => addCard(t.doc, t.me, `typist-${i}`, PROMPTS[i % 4], '', `b${i}`));
    typists.push(t);
  }

  const page = await openBoard(browser, server, BOARD, 'participant', {
    viewport: { width: 1280, height: 900 },
  });
  await page.locator(`textarea[data-card-id="seed-card-${others - 1}"]`).waitFor({ timeout: 60000 });
  await page.locator(`textarea[data-card-id="typist-${TYPISTS - 1}"]`).waitFor({ timeout: 60000 });
  await page.getByRole('button', { name: 'Add a card to How' }).click();
  await page.locator('.column-how textarea.card-text:focus').waitFor();
  const myId = await page.evaluate(() => document.activeElement.dataset.cardId);
  const mine = page.locator(`textarea[data-card-id="${myId}"]`);

  // Remote typing: each typist a keystroke every 1/RATE s, starting at staggered times;
  // past 120 letters a card loses its first word (its length stays bounded).
  let sent = 0;
  const timers = typists.map((t, i) => {
    const text = t.doc.getMap('cards').get(`typist-${i}`).get('text');
    let k = i;
    const tick = () => {
      if (text.length > 120) text.delete(0, 10);
      text.insert(text.length, WORDS[k++ % WORDS.length]);
      sent++;
    };
    let timer;
    const start = setTimeout(() => { timer = setInterval(tick, 1000 / RATE); }, (i * 1000) / RATE / TYPISTS);
    return () => { clearTimeout(start); clearInterval(timer); };
  });

  // The page's own instruments.
  await page.evaluate(() => {
    const m = { frames: [], longTasks: [], echo: [], on: false, last: 0, key: null };
    window.__bench = m;
    new PerformanceObserver((list) => {
      if (m.on) for (const e of list.getEntries()) m.longTasks.push(e.duration);
    }).observe({ type: 'longtask', buffered: false });
    const frame = (t) => {
      if (m.on && m.last) m.frames.push(t - m.last);
      m.last = t;
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
    // A keystroke's echo: from the key's event time to the start of the next frame after
    // its input event (the frame that draws it).
    document.addEventListener('keydown', (e) => { m.key = e.timeStamp; }, true);
    document.addEventListener('input', () => {
      const k = m.key;
      if (k === null || !m.on) return;
      m.key = null;
      requestAnimationFrame(() => m.echo.push(performance.now() - k));
    }, true);
  });
  await sleep(3000); // warm-up
  // BENCH_TRACE=file: a 5 s Chromium trace (for chrome://tracing or Perfetto) first.
  if (process.env.BENCH_TRACE) {
    await browser.startTracing(page, { path: process.env.BENCH_TRACE, categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8.execute', 'blink'] });
    await sleep(5000);
    await browser.stopTracing();
  }
  await page.evaluate(() => { window.__bench.on = true; });
  const sent0 = sent;
  const t0 = Date.now();
  // The person types into their card at about 5 keystrokes a second, as people do.
  while (Date.now() - t0 < SECONDS * 1000) {
    await page.keyboard.type('we ', { delay: 200 });
    if ((await mine.inputValue()).length > 100) {
      await page.keyboard.press('Control+A');
      await page.keyboard.press('Backspace');
    }
  }
  const result = await page.evaluate(() => { window.__bench.on = false; return window.__bench; });
  const elapsed = (Date.now() - t0) / 1000;
  timers.forEach((stop) => stop());
  const frames = result.frames;
  console.log(JSON.stringify({
    cards: CARDS,
    typists: TYPISTS,
    remote_updates_per_s: Math.round((sent - sent0) / elapsed),
    seconds: Math.round(elapsed),
    fps: Math.round((frames.length / elapsed) * 10) / 10,
    frame_ms_p50: pct(frames, 50),
    frame_ms_p95: pct(frames, 95),
    frame_ms_max: pct(frames, 100),
    long_tasks: result.longTasks.length,
    long_task_ms_max: pct(result.longTasks, 100),
    echo_ms_p50: pct(result.echo, 50),
    echo_ms_p95: pct(result.echo, 95),
    keystrokes: result.echo.length,
  }));
  await page.context().close();
} finally {
  for (const c of clients) { c.provider.destroy(); c.doc.destroy(); }
  await browser.close().catch(() => {});
  await server.stop();
}
