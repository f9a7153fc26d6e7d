// Shared helpers for end-to-end tests: a real cocreate server on a loopback port with a
// fresh SQLite file, and Debian's headless Chromium driven by playwright-core.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = process.env.COCREATE_BIN || join(ROOT, 'target', 'release', 'cocreate');
export const SITE = process.env.COCREATE_SITE_ROOT || join(ROOT, 'target', 'site');

export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

async function waitForPort(port, ms = 20000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.on('connect', () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server did not open port ${port}`);
}

/** Start the release binary; returns { base, port, dataDir, stop, kill, restart }. */
export async function startServer({ port, dataDir } = {}) {
  port = port || (await freePort());
  dataDir = dataDir || mkdtempSync(join(tmpdir(), 'cocreate-e2e-'));
  const child = spawn(BIN, ['--bind', `127.0.0.1:${port}`, '--data-dir', dataDir], {
    env: { ...process.env, LEPTOS_SITE_ROOT: SITE, LEPTOS_OUTPUT_NAME: 'cocreate', RUST_LOG: process.env.E2E_LOG || 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  await waitForPort(port);
  // The demo's links, written once when the database was created.
  const links = { workshops: {}, analysts: {} };
  for (const line of readFileSync(join(dataDir, 'demo-links.txt'), 'utf8').split('\n')) {
    const m = line.match(/^(organiser|facilitator|participant|observer)[^:]*: .*token=([0-9a-f]+)/);
    if (m) links[m[1]] = m[2];
    // The other demo workshops' facilitator links, by workshop id.
    const w = line.match(/, facilitator console: .*\/workshop\/([^?]+)\?token=([0-9a-f]+)/);
    if (w) links.workshops[w[1]] = w[2];
    // The demo analysis's analysts' own links, by name.
    const a = line.match(/^analyst ([^:]+): .*token=([0-9a-f]+)/);
    if (a) links.analysts[a[1]] = a[2];
  }
  const server = {
    links,
    base: `http://127.0.0.1:${port}`,
    ws: `ws://127.0.0.1:${port}/ws/board`,
    port,
    dataDir,
    child,
    /** kill -9 */
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      await server.kill();
      rmSync(dataDir, { recursive: true, force: true });
    },
    /** Start again on the same port and data. */
    async restart() {
      await server.kill();
      return startServer({ port, dataDir });
    },
  };
  return server;
}

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** axe-core (WCAG 2.0-2.2 A and AA rules) on a page: its violations, in words. */
export async function axeViolations(page) {
  // Evaluated through the DevTools protocol: the page's CSP lets no inline script in, and
  // must not be weakened for a test.
  await page.evaluate(readFileSync(AXE, 'utf8'));
  const result = await page.evaluate(async () =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } }),
  );
  return result.violations.map((v) => `${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

let joined = 0;

/** Open a board page in a fresh browser context (own storage = another person), with the
 * demo's participant link unless another role (or a `token`) is given. A participant joins
 * (a name, and agreement to the workshop's privacy notice, without which the server takes
 * no change of theirs) unless `join: false`. `viewport` sizes the window; `prepare(page,
 * context)` runs before the page opens (routes, init scripts). */
export async function openBoard(browser, server, boardId, role = 'participant', {
  join = role === 'participant', name, token = server.links[role], viewport, prepare,
  serviceWorkers = 'block',
} = {}) {
  // The service worker (public/sw.js) is tested where it is asked for: elsewhere it is
  // kept out, so that a test's routes see every request the page makes.
  const context = await browser.newContext({ ...(viewport ? { viewport } : {}), serviceWorkers });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('[page error]', e.message));
  if (prepare) await prepare(page, context);
  await page.goto(`${server.base}/board/${boardId}?token=${token}`);
  await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: 20000 });
  if (join) await joinBoard(page, { name: name || `Participant ${++joined}` });
  return page;
}

/** Join the board as a participant: name, role, and agreement to the privacy notice. */
export async function joinBoard(page, { name, role = 'stakeholder' }) {
  await page.getByLabel('Your name', { exact: true }).first().fill(name);
  await page.getByLabel('You are taking part as').selectOption(role);
  await page.getByText(/^Privacy notice, version \d+$/).waitFor();
  await page.getByLabel('I have read this and I agree to take part').check();
  await page.getByRole('button', { name: 'Join the board' }).click();
  await page.locator('form.join').waitFor({ state: 'detached' });
}

/**
 * Open a page whose code is loaded when it is opened (the console, organising, history,
 * consultation: lazy routes) and wait until it works: its code has arrived and it has
 * hydrated (`data-ready` on `<html>`). Before that its buttons are drawn but do nothing.
 */
export async function gotoPage(page, url) {
  await page.goto(url);
  await page.locator('html[data-ready]').waitFor({ state: 'attached', timeout: 30000 });
}

/** Reload a page opened with [`gotoPage`] and wait until it works again. */
export async function reloadPage(page) {
  await page.reload();
  await page.locator('html[data-ready]').waitFor({ state: 'attached', timeout: 30000 });
}

/** Set a board's phase (write, group, vote, review) as its facilitator would. */
export async function setPhase(server, boardId, phase) {
  const res = await fetch(`${server.base}/api/boards/${boardId}/control?token=${server.links.facilitator}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ phase }),
  });
  if (res.status !== 204) throw new Error(`setting the phase: ${res.status} ${await res.text()}`);
}

/**
 * One server and one browser for a test file, started before its tests and stopped after.
 * Returns an object whose `server` and `browser` are set once started (tests that restart
 * the server assign `env.server`).
 */
export function useServerAndBrowser({ before, after }) {
  const env = { server: undefined, browser: undefined };
  before(async () => {
    env.server = await startServer();
    env.browser = await launchBrowser();
  });
  after(async () => {
    await env.browser?.close().catch(() => {});
    await env.server?.stop();
  });
  return env;
}

// Wait until `locator` matches exactly `n` elements (a page renders in steps: a heading
// can show before the rows under it), then return the count; fails after `timeout` ms
// with the last count seen.
export async function countSettles(locator, n, timeout = 10000) {
  const until = Date.now() + timeout;
  let seen = await locator.count();
  while (seen !== n && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 100));
    seen = await locator.count();
  }
  return seen;
}
