// Working the cards: themes, moving without dragging, dot voting, undo, and offline edits
// that survive a reload and merge on reconnect.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { useServerAndBrowser, openBoard, setPhase, axeViolations } from './harness.mjs';

const env = useServerAndBrowser({ before, after });

const BOARD = 'demo-leadership';
const card = (page, id) => page.locator(`li.card[data-card="${id}"]`);
async function moveCard(page, id, to) {
  await card(page, id).getByRole('button', { name: 'Card actions' }).click();
  await card(page, id).getByRole('button', { name: to }).click();
}

test('themes and moving cards by menu, seen live by others; undo my move', async () => {
  // Participants make and change themes while grouping (docs/PROTOCOL.md).
  await setPhase(env.server, BOARD, 'group');
  const a = await openBoard(env.browser, env.server, BOARD);
  const b = await openBoard(env.browser, env.server, BOARD);
  await a.getByRole('button', { name: 'New theme in Values' }).click();
  // The new theme's title is focused and selected: typing renames it.
  await a.keyboard.type('Inclusion');
  await b.locator('.column-values textarea.theme-title').first().waitFor();
  await b.waitForFunction(() => document.querySelector('.column-values textarea.theme-title')?.value === 'Inclusion', null, { timeout: 10000 });

  // Move a card into the theme with the menu (no dragging).
  await moveCard(a, 'seed-3', 'Into theme: Inclusion');
  await b.locator('.column-values .theme li.card[data-card="seed-3"]').waitFor({ timeout: 10000 });
  await b.locator('.column-values .theme .theme-count').filter({ hasText: '1 card' }).waitFor();

  // And to another column; then undo puts it back.
  await moveCard(a, 'seed-2', 'To Purpose');
  await b.locator('.column-purpose li.card[data-card="seed-2"]').waitFor({ timeout: 10000 });
  await a.getByRole('button', { name: 'Undo' }).click();
  await b.locator('.column-enablers li.card[data-card="seed-2"]').waitFor({ timeout: 10000 });
  await a.getByRole('button', { name: 'Redo' }).click();
  await b.locator('.column-purpose li.card[data-card="seed-2"]').waitFor({ timeout: 10000 });

  // Dissolving the theme keeps its card.
  await a.getByRole('button', { name: /Dissolve theme/ }).click();
  await b.locator('.column-values .theme').waitFor({ state: 'detached', timeout: 10000 });
  await card(b, 'seed-3').waitFor();
  await a.context().close();
  await b.context().close();
  await setPhase(env.server, BOARD, 'write');
});

test('dot voting within the limit on a secret ballot, tallies for everyone once revealed, sort by votes', async () => {
  const f = await openBoard(env.browser, env.server, BOARD, 'facilitator');
  const p = await openBoard(env.browser, env.server, BOARD);
  await f.getByLabel('Phase').selectOption('vote');
  await p.getByText('You have 3 of 3 votes left').waitFor({ timeout: 10000 });
  const vote = (id) => card(p, id).getByRole('button', { name: /Add my vote/ });
  await vote('seed-1').click();
  await vote('seed-1').click();
  await vote('seed-0').click();
  await p.getByText('You have 0 of 3 votes left').waitFor();
  assert.ok(await vote('seed-3').isDisabled(), 'no fourth vote');
  // The ballot is secret: no tally anywhere, not even for the facilitator.
  await p.waitForTimeout(500);
  assert.equal(await f.locator('.tally').count(), 0, 'no tallies before the reveal');
  assert.equal(await p.locator('.tally').count(), 0);
  await f.getByRole('button', { name: 'Reveal votes' }).click();
  await card(f, 'seed-1').locator('.tally').filter({ hasText: /^2 votes$/ }).waitFor({ timeout: 10000 });
  await card(p, 'seed-1').locator('.tally').filter({ hasText: /^2 votes$/ }).waitFor({ timeout: 10000 });
  await p.getByText('You have 0 of 3 votes left').waitFor();
  await card(p, 'seed-1').getByRole('button', { name: /Take back my vote/ }).click();
  await p.getByText('You have 1 of 3 votes left').waitFor();
  await card(f, 'seed-1').locator('.tally').filter({ hasText: /^1 vote$/ }).waitFor({ timeout: 10000 });
  await f.getByLabel('Sort by votes').check();
  await f.getByLabel('Phase').selectOption('write');
  await p.context().close();
  await f.context().close();
});

test('offline edits survive a reload and merge when the connection returns', async () => {
  const a = await openBoard(env.browser, env.server, 'demo-research');
  const b = await openBoard(env.browser, env.server, 'demo-research');
  await a.getByRole('button', { name: 'Add a card to Purpose' }).click();
  await a.locator('.column-purpose textarea.card-text').last().waitFor();
  await a.keyboard.type('Online first');
  await b.waitForFunction(() => [...document.querySelectorAll('textarea.card-text')].some((e) => e.value === 'Online first'), null, { timeout: 10000 });

  // A loses the connection: the server is killed and A's reconnects are refused.
  let cutOff = true;
  await a.routeWebSocket(/\/ws\/board\//, (ws) => (cutOff ? ws.close() : ws.connectToServer()));
  await env.server.kill();
  await a.getByRole('status').filter({ hasText: 'Offline' }).waitFor({ timeout: 10000 });
  await a.locator('.column-purpose textarea.card-text').last().click();
  await a.keyboard.press('End');
  await a.keyboard.type(' then offline');
  await a.waitForTimeout(500); // the browser keeps the board a moment after each change

  // The server comes back; A is still cut off, and reloads: its edit is still there.
  env.server = await env.server.restart();
  await a.reload();
  await a.waitForFunction(() => [...document.querySelectorAll('textarea.card-text')].some((e) => e.value === 'Online first then offline'), null, { timeout: 10000 });
  await b.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: 30000 });
  assert.equal(
    await b.evaluate(() => [...document.querySelectorAll('textarea.card-text')].some((e) => e.value.includes('then offline'))),
    false, 'B has not seen it yet',
  );

  // A's connection returns: the edit merges and reaches B.
  cutOff = false;
  await a.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: 30000 });
  await b.waitForFunction(() => [...document.querySelectorAll('textarea.card-text')].some((e) => e.value === 'Online first then offline'), null, { timeout: 20000 });
  await a.context().close();
  await b.context().close();
});

test('a board is kept in the browser only while the server may lack it, and not after its link is refused', async () => {
  const board = 'demo-consultancy';
  const key = `cocreate.board.${board}`;
  const kept = (page) => page.evaluate((k) => localStorage.getItem(k), key);
  const a = await openBoard(env.browser, env.server, board);
  await a.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: 10000 });
  await a.getByRole('button', { name: 'Add a card to Values' }).click();
  await a.locator('.column-values textarea.card-text').last().waitFor();
  await a.keyboard.type('Kept only while needed');
  await a.waitForTimeout(600);
  assert.equal(await kept(a), null, 'nothing is kept while the server has it all');

  // Offline: the board is kept, stamped with the time it was kept.
  await a.routeWebSocket(/\/ws\/board\//, (ws) => ws.close());
  await env.server.kill();
  await a.getByRole('status').filter({ hasText: 'Offline' }).waitFor({ timeout: 10000 });
  await a.locator('.column-values textarea.card-text').last().click();
  await a.keyboard.press('End');
  await a.keyboard.type(' offline');
  await a.waitForTimeout(600);
  const value = await kept(a);
  assert.ok(value, 'kept while offline');
  const saved = Number(value.split(':')[0]);
  assert.ok(Math.abs(Date.now() - saved) < 60_000, `stamped with when it was kept (${saved})`);

  // The server refuses the link now (as for a revoked link: its upgrades fail and the
  // link check answers 401): the page stops, says so, and keeps nothing.
  env.server = await env.server.restart();
  await a.route(/\/api\/boards\//, (r) => r.fulfill({ status: 401, body: '{"error":"invalid or missing token"}' }));
  await a.getByText('This link no longer opens the board', { exact: false }).waitFor({ timeout: 30000 });
  assert.equal(await kept(a), null, 'nothing kept after the link was refused');

  // A board kept longer ago than the limit is not loaded, and is removed.
  const b = await (await env.browser.newContext()).newPage();
  await b.goto(env.server.base);
  await b.evaluate(([k]) => localStorage.setItem(k, `${Date.now() - 13 * 3600 * 1000}:00`), [key]);
  await b.goto(`${env.server.base}/board/${board}?token=${env.server.links.participant}`);
  await b.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: 10000 });
  assert.equal(await kept(b), null, 'an old board is dropped, not loaded');
  // Leaving a synced board keeps nothing.
  await b.goto(env.server.base);
  assert.equal(await kept(b), null);
  await a.context().close();
  await b.context().close();
});

test('a facilitator accepts a suggested theme for similar cards', async () => {
  const f = await openBoard(env.browser, env.server, 'demo-learning', 'facilitator');
  for (const text of ['Protected time for learning', 'Protected learning time each week', 'Funding']) {
    await f.getByRole('button', { name: 'Add a card to Enablers' }).click();
    await f.locator('.column-enablers textarea.card-text').last().waitFor();
    await f.keyboard.type(text);
  }
  await f.getByRole('button', { name: 'Suggest themes' }).click();
  const suggestion = f.locator('.suggestion-list > li').first();
  await suggestion.waitFor();
  assert.match(await suggestion.textContent(), /Enablers: .*\(2 cards\)/);
  await suggestion.getByRole('button', { name: /^Accept/ }).click();
  await f.locator('.column-enablers .theme .theme-count').filter({ hasText: '2 cards' }).waitFor({ timeout: 10000 });
  const themed = await f.locator('.column-enablers .theme textarea.card-text').evaluateAll((els) => els.map((e) => e.value).sort());
  assert.deepEqual(themed, ['Protected learning time each week', 'Protected time for learning']);
  await f.context().close();
});

test('reactions to a card: given, changed and taken back, seen by others in words', async () => {
  const a = await openBoard(env.browser, env.server, 'demo-leadership', 'participant');
  const b = await openBoard(env.browser, env.server, 'demo-leadership', 'participant');
  const card = (p) => p.locator('li.card[data-card="seed-0"] .reactions');
  await card(a).getByRole('button', { name: 'Important', exact: true }).click();
  await card(b).getByRole('button', { name: 'Important: 1 person' }).waitFor({ timeout: 10000 });
  assert.equal(await card(a).getByRole('button', { name: 'Important: 1 person' }).getAttribute('aria-pressed'), 'true');
  assert.equal(await card(b).getByRole('button', { name: 'Important: 1 person' }).getAttribute('aria-pressed'), 'false');
  await card(b).getByRole('button', { name: 'Important: 1 person' }).click();
  await card(a).getByRole('button', { name: 'Important: 2 people' }).waitFor({ timeout: 10000 });
  // Changing one's mind moves the reaction; pressing it again takes it back.
  await card(a).getByRole('button', { name: 'I have a question', exact: true }).click();
  await card(b).getByRole('button', { name: 'I have a question: 1 person' }).waitFor({ timeout: 10000 });
  await card(b).getByRole('button', { name: 'Important: 1 person' }).waitFor();
  await card(a).getByRole('button', { name: 'I have a question: 1 person' }).click();
  await card(b).getByRole('button', { name: 'I have a question', exact: true }).waitFor({ timeout: 10000 });
  assert.deepEqual(await axeViolations(a), [], 'a board with reactions');
  // The exports count them.
  const csv = await (await fetch(`${env.server.base}/api/boards/demo-leadership/export.csv?token=${env.server.links.facilitator}`)).text();
  assert.match(csv, /important 1/);
  for (const p of [a, b]) await p.context().close();
});

test('a thread of comments under a card: written, seen by others with the writer\'s name, deleted, exported', async () => {
  const a = await openBoard(env.browser, env.server, 'demo-leadership', 'participant', { name: 'Asha' });
  const b = await openBoard(env.browser, env.server, 'demo-leadership', 'participant', { name: 'Ben' });
  const c = (p) => card(p, 'seed-1');
  await c(a).getByRole('button', { name: 'Comment on this card' }).click();
  const field = c(a).getByLabel('Your comment');
  await field.fill('<b>Does this</b> include carers?');
  await c(a).getByRole('button', { name: 'Send comment' }).click();
  assert.equal(await field.inputValue(), '', 'the box empties once the comment is on the board');
  await c(a).locator('.comment').filter({ hasText: 'You: <b>Does this</b> include carers?' }).waitFor();
  // The other person sees a count in words, opens the thread and replies.
  await c(b).getByRole('button', { name: 'Comments: 1' }).waitFor({ timeout: 10000 });
  await c(b).getByRole('button', { name: 'Comments: 1' }).click();
  const theirs = c(b).locator('.comment').first();
  await theirs.filter({ hasText: 'Asha (Stakeholder): <b>Does this</b> include carers?' }).waitFor({ timeout: 10000 });
  assert.equal(await c(b).locator('.comment b').count(), 0, 'comment text is text, never HTML');
  assert.equal(await theirs.getByRole('button', { name: 'Delete this comment' }).count(), 0, 'nobody deletes another\'s comment');
  await c(b).getByLabel('Your comment').fill('Yes, and families.');
  await c(b).getByLabel('Your comment').press('Enter');
  await c(b).getByRole('button', { name: 'Send comment' }).click();
  await c(a).getByRole('button', { name: 'Comments: 2' }).waitFor({ timeout: 10000 });
  await c(a).locator('.comment').nth(1).filter({ hasText: /^Ben \(Stakeholder\): Yes, and families\./ }).waitFor({ timeout: 10000 });
  assert.deepEqual(await axeViolations(a), [], 'a board with an open thread');
  // The exports carry the thread.
  const csv = await (await fetch(`${env.server.base}/api/boards/demo-leadership/export.csv?token=${env.server.links.facilitator}`)).text();
  assert.match(csv, /Asha \(Stakeholder\): <b>Does this<\/b> include carers\? \| Ben \(Stakeholder\): Yes, and families\./);
  // Deleting one's own.
  await c(a).locator('.comment').first().getByRole('button', { name: 'Delete this comment' }).click();
  await c(b).getByRole('button', { name: 'Comments: 1' }).waitFor({ timeout: 10000 });
  for (const p of [a, b]) await p.context().close();
});

test('a participant puts a picture beside their own card, seen by others with its word, and exported', async () => {
  const a = await openBoard(env.browser, env.server, BOARD);
  const b = await openBoard(env.browser, env.server, BOARD);
  await a.getByRole('button', { name: 'Add a card to Purpose' }).click();
  await a.locator('.column-purpose textarea.card-text').last().waitFor();
  await a.keyboard.type('Care that feels like home');
  const id = await a.locator('.column-purpose li.card').last().getAttribute('data-card');

  // From the card's menu: the pictures, each with its word; the first takes the focus.
  await card(a, id).getByRole('button', { name: 'Card actions' }).click();
  await card(a, id).getByRole('button', { name: 'Add a picture…' }).click();
  const pictures = card(a, id).getByRole('list', { name: 'Pictures for this card' });
  await pictures.waitFor();
  assert.deepEqual(
    (await pictures.getByRole('button').allInnerTexts()).map((t) => t.trim()),
    ['Light bulb', 'Heart', 'Star', 'Question mark', 'People', 'Home', 'Back'],
  );
  await a.waitForFunction(() => document.activeElement?.textContent?.trim() === 'Light bulb');
  await pictures.getByRole('button', { name: 'Home' }).click();

  // Everyone sees it, with its word; the picture is the app's own drawing.
  const seen = card(b, id).locator('.card-symbol');
  await seen.filter({ hasText: 'Home' }).waitFor({ timeout: 10000 });
  const img = seen.locator('img');
  assert.equal(await img.getAttribute('src'), '/symbols/home.svg');
  assert.equal(await img.getAttribute('alt'), '', 'its word is beside it, so the picture is not read twice');
  await b.waitForFunction((sel) => document.querySelector(sel)?.naturalWidth > 0, `li.card[data-card="${id}"] .card-symbol img`);

  // Only its author may change it: others' menus do not offer it.
  await card(b, id).getByRole('button', { name: 'Card actions' }).click();
  assert.equal(await card(b, id).getByRole('button', { name: /picture/ }).count(), 0);

  // The JSON export carries it; the Markdown says it in words.
  const base = `${env.server.base}/api/boards/${BOARD}`;
  const token = env.server.links.facilitator;
  const json = await (await fetch(`${base}/export.json?token=${token}`)).json();
  assert.equal(json.cards.find((c) => c.id === id)?.symbol, 'home');
  const md = await (await fetch(`${base}/export.md?token=${token}`)).text();
  assert.ok(md.includes('Care that feels like home _(symbol: Home'), md);

  // Taken away again by its author.
  await card(a, id).getByRole('button', { name: 'Card actions' }).click();
  await card(a, id).getByRole('button', { name: 'Change the picture…' }).click();
  await card(a, id).getByRole('button', { name: 'Take the picture away' }).click();
  await card(b, id).locator('.card-symbol').waitFor({ state: 'detached', timeout: 10000 });
  await a.context().close();
  await b.context().close();
});
