// First load of a participant's board: what it transfers, and how long until the person
// can type, on an open network and under Chromium's slow-3G throttling (400 kbit/s down
// and up, 400 ms round trip); then a second visit, which the browser serves from its
// cache. Run after the release build: node bench/first_load.mjs
import { startServer, launchBrowser } from '../tests/e2e/harness.mjs';

const server = await startServer();
const browser = await launchBrowser();
const url = `${server.base}/board/demo-consultancy?token=${server.links.participant}`;

async function load(context, throttle) {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  if (throttle) {
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false, latency: 400, downloadThroughput: 400_000 / 8, uploadThroughput: 400_000 / 8,
    });
  }
  const sizes = new Map();
  cdp.on('Network.responseReceived', (e) => sizes.set(e.requestId, { url: e.response.url, bytes: 0 }));
  cdp.on('Network.loadingFinished', (e) => { if (sizes.has(e.requestId)) sizes.get(e.requestId).bytes = e.encodedDataLength; });
  const started = Date.now();
  await page.goto(url);
  // Ready to type: the page has hydrated and joined its board (the status says so).
  await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: 120000 });
  const ready = Date.now() - started;
  const all = [...sizes.values()];
  const total = all.reduce((n, r) => n + r.bytes, 0);
  const wasms = all.filter((r) => r.url.endsWith('.wasm'));
  const wasm = wasms.reduce((n, r) => n + r.bytes, 0);
  await page.close();
  return {
    ready_ms: ready,
    transferred_kb: Math.round(total / 1024),
    wasm_kb: Math.round(wasm / 1024),
    // With `--split`, a participant's board loads the main module and no page's piece.
    wasm_files: wasms.map((r) => r.url.split('/').pop().split('.')[0]),
  };
}

const open = await browser.newContext();
console.log('first visit, open network ', await load(open, false));
console.log('second visit, same browser', await load(open, false));
await open.close();
const slow = await browser.newContext();
console.log('first visit, slow 3G      ', await load(slow, true));
console.log('second visit, slow 3G     ', await load(slow, true));
await slow.close();
await browser.close();
await server.stop();
