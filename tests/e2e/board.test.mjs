// Two people co-edit one board in two headless Chromium sessions.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { useServerAndBrowser, openBoard, countSettles, gotoPage } from './harness.mjs';

const env = useServerAndBrowser({ before, after });

const BOARD = 'demo-consultancy';

/** Wait until some card field on the page has exactly `text`; returns its card id. */
async function cardWithText(page, text, timeout = 10000) {
  try {
    const handle = await page.waitForFunction(
      (t) => [...document.querySelectorAll('textarea.card-text')].find((el) => el.value === t)?.dataset.cardId,
      text,
      { timeout },
    );
    return await handle.jsonValue();
  } catch (e) {
    const seen = await page
      .evaluate(() => [...document.querySelectorAll('textarea.card-text')].map((el) => el.value))
      .catch(() => []);
    throw new Error(`no card reads ${JSON.stringify(text)}; cards: ${JSON.stringify(seen)}`, { cause: e });
  }
}

function field(page, id) {
  return page.locator(`textarea[data-card-id="${id}"]`);
}

test('two people see each other\'s cards and typing, live', async () => {
  const a = await openBoard(env.browser, env.server, BOARD);
  const b = await openBoard(env.browser, env.server, BOARD);

  // Both see each other in "Who is here".
  await a.getByRole('heading', { name: /Who is here \(2\)/ }).waitFor({ timeout: 10000 });
  await b.getByRole('heading', { name: /Who is here \(2\)/ }).waitFor({ timeout: 10000 });

  // A adds a card to Purpose and types into it.
  await a.getByRole('button', { name: 'Add a card to Purpose' }).click();
  await a.locator('.column-purpose textarea.card-text').first().waitFor();
  await a.keyboard.type('Shared purpose from A');
  const id = await cardWithText(b, 'Shared purpose from A');
  assert.equal(
    await b.locator(`.column-purpose textarea[data-card-id="${id}"]`).count(), 1,
    'the card is in the Purpose column for B too',
  );

  // B appends; A sees it.
  await field(b, id).click();
  await b.keyboard.press('End');
  await b.keyboard.type(' and B');
  await cardWithText(a, 'Shared purpose from A and B');

  // A's caret stays where A put it while B types elsewhere in the same card.
  await field(a, id).click();
  await field(a, id).evaluate((el) => el.setSelectionRange(0, 0));
  await b.keyboard.type(' agree');
  await cardWithText(a, 'Shared purpose from A and B agree');
  await a.keyboard.type('We ');
  await cardWithText(b, 'We Shared purpose from A and B agree');

  // Card text is text, never HTML.
  await a.getByRole('button', { name: 'Add a card to Values' }).click();
  await a.locator('.column-values textarea.card-text').last().waitFor();
  await a.keyboard.type('<img src=x onerror="window.__pwned=1"><b>bold</b>');
  await cardWithText(b, '<img src=x onerror="window.__pwned=1"><b>bold</b>');
  assert.equal(await b.evaluate(() => window.__pwned), undefined);
  assert.equal(await b.locator('.card b').count(), 0);

  // Only its author may delete a card: B cannot delete A's; A deletes it, and it
  // disappears for B. Every action of a card is in its one menu.
  const actions = (page) => page.locator(`li.card[data-card="${id}"]`).getByRole('button', { name: 'Card actions' });
  await actions(b).click();
  assert.ok(await b.locator(`li.card[data-card="${id}"]`).getByRole('button', { name: 'Delete card' }).isDisabled());
  await b.keyboard.press('Escape');
  await b.locator(`li.card[data-card="${id}"] .card-menu-list`).waitFor({ state: 'detached' });
  await actions(a).click();
  await a.locator(`li.card[data-card="${id}"]`).getByRole('button', { name: 'Delete card' }).click();
  await b.waitForFunction((cid) => !document.querySelector(`textarea[data-card-id="${cid}"]`), id, { timeout: 10000 });
  // Undo, in the column the card left, puts it back for everyone, as it was.
  await a.locator('.column-purpose .undo-delete').getByText('Card deleted.').waitFor();
  await a.locator('.column-purpose').getByRole('button', { name: 'Undo delete' }).click();
  await cardWithText(b, 'We Shared purpose from A and B agree');
  assert.equal(await a.locator('.undo-delete').count(), 0);

  await a.context().close();
  await b.context().close();
});

test('edits made while the server is down are kept and merge on reconnect', async () => {
  const a = await openBoard(env.browser, env.server, BOARD);
  const b = await openBoard(env.browser, env.server, BOARD);
  await a.getByRole('button', { name: 'Add a card to Enablers' }).click();
  await a.locator('.column-enablers textarea.card-text').last().waitFor();
  await a.keyboard.type('Time to learn');
  const id = await cardWithText(b, 'Time to learn');

  // kill -9 the server: both pages say they are offline.
  await env.server.kill();
  await a.getByRole('status').filter({ hasText: 'Offline' }).waitFor({ timeout: 10000 });
  await field(a, id).click();
  await a.keyboard.press('End');
  await a.keyboard.type(' and mentors');

  // Back up on the same port and data: A's offline edit reaches B.
  env.server = await env.server.restart();
  await a.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: 30000 });
  await cardWithText(b, 'Time to learn and mentors', 30000);

  // A fresh visitor gets the merged board from the server.
  const c = await openBoard(env.browser, env.server, BOARD);
  await cardWithText(c, 'Time to learn and mentors');
  for (const p of [a, b, c]) await p.context().close();
});

test('an unknown board says so, and a bad link says it does not work', async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await page.goto(`${env.server.base}/board/no-such-board?token=${env.server.links.participant}`);
  await page.getByRole('heading', { name: 'Board not found' }).waitFor();
  await page.goto(`${env.server.base}/board/${BOARD}?token=not-a-token`);
  await page.getByRole('heading', { name: 'This link does not work' }).waitFor();
  assert.equal(await page.locator('textarea.card-text').count(), 0, 'no cards shown');
  await context.close();
});

test('an observer is told they can watch, is not told off for changes they never made, and gives no name', async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await page.goto(`${env.server.base}/board/${BOARD}?token=${env.server.links.observer}`);
  await page.getByRole('status').filter({ hasText: 'Read-only' }).waitFor({ timeout: 20000 });
  // Past the first presence heartbeat (15 s) and liveness probes: still nothing refused,
  // still read-only.
  await page.waitForTimeout(17000);
  assert.equal(await page.getByRole('status').filter({ hasText: 'Read-only' }).count(), 1);
  assert.equal(await page.getByText('Your last change was not saved', { exact: false }).count(), 0);
  assert.equal(await page.getByText('all changes saved', { exact: false }).count(), 0);
  assert.equal(await page.getByLabel('Your name').count(), 0, 'no name or role fields');
  // Other people's cards reach it live, to read.
  const writer = await openBoard(env.browser, env.server, BOARD);
  await writer.getByRole('button', { name: 'Add a card to Values' }).click();
  await writer.locator('.column-values textarea.card-text').last().waitFor();
  await writer.keyboard.type('For the observer');
  await cardWithText(page, 'For the observer');
  assert.equal(await page.locator('textarea.card-text').last().getAttribute('readonly'), '');
  assert.equal(await page.getByText('Your last change was not saved', { exact: false }).count(), 0);
  await writer.context().close();
  await context.close();
});

/** Route a page's board websockets through a gate: while `gate.held`, frames in both
 * directions wait (as TCP holds them on a slow link) until `release(gate)`. */
async function throughGate(page, gate) {
  await page.routeWebSocket(/\/ws\/board\//, (ws) => {
    const server = ws.connectToServer();
    const pass = (to) => (m) => (gate.held ? gate.waiting.push(() => to.send(m)) : to.send(m));
    ws.onMessage(pass(server));
    server.onMessage(pass(ws));
  });
}

function release(gate) {
  gate.held = false;
  for (const send of gate.waiting.splice(0)) {
    try { send(); } catch { /* that connection was given up */ }
  }
}

test('a connection that goes quiet says so within seconds, and what was typed arrives when it returns', async () => {
  // A network that goes quiet closes nothing: frames wait (as TCP holds them) and the
  // page must notice by itself that nothing comes back.
  const gate = { held: false, waiting: [] };
  const a = await openBoard(env.browser, env.server, BOARD, 'participant', { prepare: (page) => throughGate(page, gate) });
  const b = await openBoard(env.browser, env.server, BOARD);
  await a.getByRole('button', { name: 'Add a card to Purpose' }).click();
  await a.locator('.column-purpose textarea.card-text').last().waitFor();
  await a.keyboard.type('Before the silence');
  const id = await cardWithText(b, 'Before the silence');

  gate.held = true;
  const went = Date.now();
  await a.getByRole('status').filter({ hasText: 'Offline' }).waitFor({ timeout: 20000 });
  const noticed = Date.now() - went;
  assert.ok(noticed < 20000, `offline said after ${noticed} ms`);
  assert.equal(await a.getByText('all changes saved', { exact: false }).count(), 0);
  await field(a, id).click();
  await a.keyboard.press('End');
  await a.keyboard.type(' and after');
  // Still offline while the network stays quiet (reconnecting is not connected).
  await a.waitForTimeout(3000);
  assert.equal(await a.getByRole('status').filter({ hasText: 'Offline' }).count(), 1);

  release(gate);
  await a.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: 30000 });
  await cardWithText(b, 'Before the silence and after', 20000);
  await a.context().close();
  await b.context().close();
});

test('two people typing at one caret at once each keep their own run of letters', async () => {
  const gate = { held: false, waiting: [] };
  const pages = [];
  for (const name of ['Ada', 'Ben']) {
    pages.push(await openBoard(env.browser, env.server, BOARD, 'participant', { name, prepare: (page) => throughGate(page, gate) }));
  }
  const [a, b] = pages;
  await a.getByRole('button', { name: 'Add a card to How' }).click();
  await a.locator('.column-how textarea.card-text').last().waitFor();
  await a.keyboard.type('Ideas:');
  const id = await cardWithText(b, 'Ideas:');
  for (const p of pages) {
    await field(p, id).click();
    await p.keyboard.press('End');
  }
  // Each round, both type one letter at the same spot before either hears of the other's.
  for (let round = 0; round < 4; round++) {
    gate.held = true;
    await a.keyboard.type('A');
    await b.keyboard.type('B');
    release(gate);
    await a.waitForFunction(
      ([sel, n]) => document.querySelector(sel).value.length === n,
      [`textarea[data-card-id="${id}"]`, 'Ideas:'.length + 2 * (round + 1)],
    );
    await b.waitForFunction(
      ([sel, n]) => document.querySelector(sel).value.length === n,
      [`textarea[data-card-id="${id}"]`, 'Ideas:'.length + 2 * (round + 1)],
    );
  }
  const [ta, tb] = [await field(a, id).inputValue(), await field(b, id).inputValue()];
  assert.equal(ta, tb, 'both see the same text');
  assert.ok(['Ideas:AAAABBBB', 'Ideas:BBBBAAAA'].includes(ta), `one run after the other, not ${JSON.stringify(ta)}`);
  for (const p of pages) await p.context().close();
});

test('a page open on a link that is revoked says so and takes no more typing', async () => {
  const f = env.server.links.facilitator;
  const made = await fetch(`${env.server.base}/api/workshops/demo/links?token=${f}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ role: 'participant', label: 'Kiosk 7' }),
  });
  assert.equal(made.status, 200);
  const { token } = await made.json();
  const a = await openBoard(env.browser, env.server, BOARD, 'participant', { token, name: 'Kiosk user' });
  await a.getByRole('button', { name: 'Add a card to How' }).click();
  const card = a.locator('.column-how textarea.card-text').last();
  await card.waitFor();
  await a.keyboard.type('Typed on the kiosk');

  const links = await (await fetch(`${env.server.base}/api/workshops/demo/links?token=${f}`)).json();
  const link = links.find((l) => l.label === 'Kiosk 7');
  const revoked = await fetch(`${env.server.base}/api/workshops/demo/links/${link.id}?token=${f}`, { method: 'DELETE' });
  assert.ok(revoked.ok, `revoke: ${revoked.status}`);

  await a.getByRole('status').filter({ hasText: 'This link no longer works' }).waitFor({ timeout: 15000 });
  assert.equal(await a.getByText('Offline', { exact: false }).count(), 0, 'not "offline, will be sent"');
  // The cards are read-only and nothing more can be added.
  assert.equal(await card.getAttribute('readonly'), '');
  await card.click();
  await a.keyboard.type(' more');
  assert.equal(await card.inputValue(), 'Typed on the kiosk');
  assert.ok(await a.getByRole('button', { name: 'Add a card to How' }).isDisabled());
  await a.context().close();
});

test('a column shows eight 80-character cards in one screen, and long cards and theme titles in full', async () => {
  const board = 'demo-research';
  const p = await openBoard(env.browser, env.server, board, 'participant', { viewport: { width: 1366, height: 900 } });
  const eighty = (i) => `Idea ${i}: clinicians and patients plan the next clinic visit together, by phone`.padEnd(80, '.').slice(0, 80);
  assert.equal(eighty(1).length, 80);
  const column = p.locator('.column-enablers');
  const before = await column.locator('li.card').count();
  for (let i = 1; i <= 8; i++) {
    await p.getByRole('button', { name: 'Add a card to Enablers' }).click();
    await column.locator('li.card').nth(before + i - 1).locator('textarea').waitFor();
    await p.keyboard.type(eighty(i));
  }
  const boxes = await column.locator('li.card').evaluateAll((els) => els.slice(-8).map((e) => e.getBoundingClientRect()));
  const span = boxes[7].bottom - boxes[0].top;
  assert.ok(span <= 900, `eight cards take ${span} px, more than one 900 px screen`);
  // The side panels are under the board, not beside it: the columns have the width.
  const width = await p.locator('.columns').evaluate((e) => e.getBoundingClientRect().width);
  assert.ok(width > 1366 * 0.9, `the columns take ${width} px of 1366`);

  // A 600-character card and a long theme title show in full, on screen and in print.
  const long = 'Shared care plans need words everyone understands, '.repeat(12).slice(0, 600);
  await p.getByRole('button', { name: 'Add a card to Purpose' }).click();
  await p.locator('.column-purpose textarea.card-text').last().waitFor();
  await p.keyboard.type(long);
  const f = await openBoard(env.browser, env.server, board, 'facilitator');
  await f.getByRole('button', { name: 'New theme in Purpose' }).click();
  const title = 'Working across change, organisations and professions when people move between services';
  await f.keyboard.type(title);
  await p.waitForFunction((t) => [...document.querySelectorAll('.column-purpose .theme-title')].some((e) => e.value === t), title, { timeout: 10000 });
  await f.context().close();
  const clipped = () => p.evaluate(() => [...document.querySelectorAll('textarea.card-text, .theme-title')]
    .filter((el) => el.scrollHeight > el.clientHeight + 1)
    .map((el) => el.value.slice(0, 30)));
  assert.deepEqual(await clipped(), [], 'no field hides part of its text');
  await p.emulateMedia({ media: 'print' });
  assert.deepEqual(await clipped(), [], 'nor on paper');
  await p.emulateMedia({ media: 'screen' });

  // On a phone the columns stack; the column links reach Values at once.
  await p.setViewportSize({ width: 390, height: 844 });
  await p.getByRole('navigation', { name: 'Columns of the board' }).getByRole('link', { name: 'Values' }).click();
  await p.waitForFunction(() => {
    const r = document.getElementById('col-values').getBoundingClientRect();
    return r.top >= 0 && r.bottom <= window.innerHeight;
  });
  await p.context().close();
});

test('joining needs a name or the choice to stay anonymous; nobody shows under a made-up name', async () => {
  const other = await openBoard(env.browser, env.server, BOARD);
  const p = await openBoard(env.browser, env.server, BOARD, 'participant', { join: false });
  // Before joining, others see someone joining, not a "Guest 1234".
  await other.locator('.presence').getByText('Someone joining').waitFor({ timeout: 20000 });
  assert.equal(await other.getByText(/Guest \d+/).count(), 0);
  await p.getByText(/^Privacy notice, version \d+$/).waitFor();
  await p.getByLabel('I have read this and I agree to take part').check();
  await p.getByRole('button', { name: 'Join the board' }).click();
  await p.getByText('Please type the name others should see, or choose to stay anonymous.').waitFor();
  assert.ok(await p.getByRole('button', { name: 'Add a card to How' }).isDisabled(), 'no writing before joining');
  await p.getByLabel('Stay anonymous', { exact: false }).check();
  await p.getByRole('button', { name: 'Join the board' }).click();
  await p.locator('form.join').waitFor({ state: 'detached' });
  await other.locator('.presence').getByText('A participant · Stakeholder').waitFor({ timeout: 20000 });
  await p.getByRole('button', { name: 'Add a card to How' }).click();
  await p.locator('.column-how textarea.card-text').last().waitFor();
  await p.keyboard.type('Said without a name');
  await cardWithText(other, 'Said without a name');
  await p.context().close();
  await other.context().close();
});

test('a facilitator locks the board while a participant types', async () => {
  const p = await openBoard(env.browser, env.server, BOARD, 'participant');
  const f = await openBoard(env.browser, env.server, BOARD, 'facilitator');
  await p.getByRole('button', { name: 'Add a card to How' }).click();
  await p.locator('.column-how textarea.card-text').last().waitFor();
  await p.keyboard.type('Peer support');
  const id = await cardWithText(f, 'Peer support');

  await f.getByRole('button', { name: 'Lock board', exact: true }).click();
  await p.getByText('The facilitator has locked this board').waitFor({ timeout: 10000 });
  assert.equal(await field(p, id).getAttribute('readonly'), '', 'the card cannot be edited');
  assert.ok(await p.getByRole('button', { name: 'Add a card to How' }).isDisabled());
  await field(p, id).click();
  await p.keyboard.type(' groups');
  assert.equal(await field(p, id).inputValue(), 'Peer support', 'typing does nothing while locked');
  // The facilitator still edits.
  await field(f, id).click();
  await f.keyboard.press('End');
  await f.keyboard.type('!');
  await cardWithText(p, 'Peer support!');

  await f.getByRole('button', { name: 'Unlock board' }).click();
  await p.getByText('The facilitator has locked this board').waitFor({ state: 'detached', timeout: 10000 });
  await field(p, id).click();
  await p.keyboard.press('End');
  await p.keyboard.type(' works');
  await cardWithText(f, 'Peer support! works');
  await p.context().close();
  await f.context().close();
});

test('the facilitator console shows every group and locks them all', async () => {
  const p = await openBoard(env.browser, env.server, 'demo-learning', 'participant');
  const context = await env.browser.newContext();
  const c = await context.newPage();
  await gotoPage(c, `${env.server.base}/workshop/demo?token=${env.server.links.facilitator}`);
  await c.getByRole('heading', { name: 'Facilitator console' }).waitFor();
  const rows = c.locator('table.console tbody tr');
  assert.equal(await countSettles(rows, 5), 5, 'one row per breakout group');
  await c.locator('tr[data-board="demo-learning"] td.online').filter({ hasText: /^1 ·/ }).waitFor({ timeout: 10000 });

  await c.getByRole('button', { name: 'Lock all boards', exact: true }).click();
  await p.getByText('The facilitator has locked this board').waitFor({ timeout: 10000 });
  await c.getByLabel('Message to everyone').fill('Back in the main room in 2 minutes');
  await c.getByRole('button', { name: 'Send to all' }).click();
  await p.getByText('Back in the main room in 2 minutes').waitFor({ timeout: 10000 });
  await c.getByRole('button', { name: 'Unlock all boards' }).click();
  await p.getByText('The facilitator has locked this board').waitFor({ state: 'detached', timeout: 10000 });

  // A participant link opens the group chooser, not the console.
  await gotoPage(c, `${env.server.base}/workshop/demo?token=${env.server.links.participant}`);
  await c.getByRole('heading', { name: 'Choose your breakout group' }).waitFor();
  assert.equal(await c.getByRole('heading', { name: 'Facilitator console' }).count(), 0);
  await p.context().close();
  await context.close();
});

test('the app\'s files are sent compressed, under hashed names that browsers keep', async () => {
  const html = await (await fetch(`${env.server.base}/board/${BOARD}?token=${env.server.links.participant}`)).text();
  const files = [...new Set(html.match(/\/pkg\/cocreate\.[A-Za-z0-9_-]+\.(wasm|js|css)/g))];
  assert.deepEqual(files.map((f) => f.split('.').pop()).sort(), ['css', 'js', 'wasm'], `hashed names in ${files}`);
  for (const file of files) {
    for (const [accept, encoding] of [['br, gzip', 'br'], ['gzip', 'gzip'], ['identity', null]]) {
      const res = await fetch(`${env.server.base}${file}`, { headers: { 'accept-encoding': accept } });
      assert.equal(res.status, 200, file);
      assert.equal(res.headers.get('content-encoding'), encoding, `${file} for ${accept}`);
      assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable', file);
      await res.arrayBuffer();
    }
  }
  // The wasm itself, compressed, is under a third of its size.
  const wasm = files.find((f) => f.endsWith('.wasm'));
  const plain = (await (await fetch(`${env.server.base}${wasm}`, { headers: { 'accept-encoding': 'identity' } })).arrayBuffer()).byteLength;
  const res = await fetch(`${env.server.base}${wasm}`, { headers: { 'accept-encoding': 'br' } });
  assert.ok(Number(res.headers.get('content-length')) < plain / 3, `${res.headers.get('content-length')} of ${plain}`);
  await res.arrayBuffer();
});

test('a board reloaded without a network opens from the kept app shell, with the edits made offline', async () => {
  const a = await openBoard(env.browser, env.server, BOARD, 'participant', { serviceWorkers: 'allow' });
  // The service worker starts and keeps this page and the app's files (first visit).
  await a.waitForFunction(async () => {
    const reg = await navigator.serviceWorker.ready;
    const kept = await caches.open('cocreate-pages-v1').then((c) => c.keys());
    const files = await caches.open('cocreate-shell-v1').then((c) => c.keys());
    return reg.active && kept.length > 0 && files.some((r) => r.url.endsWith('.wasm'));
  }, null, { timeout: 20000 });
  await a.getByRole('button', { name: 'Add a card to Values' }).click();
  await a.locator('.column-values textarea.card-text').last().waitFor();
  await a.keyboard.type('Kept in the browser');
  const id = await cardWithText(a, 'Kept in the browser');

  await a.context().setOffline(true);
  await a.getByRole('status').filter({ hasText: 'Offline' }).waitFor({ timeout: 20000 });
  await field(a, id).click();
  await a.keyboard.press('End');
  await a.keyboard.type(' while away');
  await a.waitForTimeout(1000); // the page keeps the board in local storage every 300 ms

  // Reload with no network: the kept page and files open the board, with the edit.
  await a.reload();
  await cardWithText(a, 'Kept in the browser while away', 20000);
  await a.getByRole('status').filter({ hasText: 'Offline' }).waitFor({ timeout: 20000 });

  // Back online, the edit reaches everyone.
  await a.context().setOffline(false);
  await a.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: 30000 });
  const b = await openBoard(env.browser, env.server, BOARD);
  await cardWithText(b, 'Kept in the browser while away', 20000);

  for (const p of [a, b]) await p.context().close();
});

test('a participant\'s board loads only the main wasm; the console\'s code comes with the console', async () => {
  const loaded = (page) => {
    const wasm = [];
    page.on('response', (r) => { if (r.url().endsWith('.wasm')) wasm.push(r.url().split('/').pop()); });
    return wasm;
  };
  const context = await env.browser.newContext({ serviceWorkers: 'block' });
  const p = await context.newPage();
  const onBoard = loaded(p);
  await p.goto(`${env.server.base}/board/${BOARD}?token=${env.server.links.participant}`);
  await p.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: 20000 });
  assert.deepEqual(onBoard.map((f) => f.split('.')[0]), ['cocreate'], `loaded: ${onBoard}`);
  const c = await context.newPage();
  const onConsole = loaded(c);
  await gotoPage(c, `${env.server.base}/workshop/demo?token=${env.server.links.facilitator}`);
  assert.ok(onConsole.some((f) => f.startsWith('split___workshop_route_view')), `loaded: ${onConsole}`);
  await c.getByRole('heading', { name: 'Facilitator console' }).waitFor();
  await context.close();
});
