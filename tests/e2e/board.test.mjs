// Two people co-edit one board in two headless Chromium sessions.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, openBoard } from './harness.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close().catch(() => {});
  await server?.stop();
});

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
  const a = await openBoard(browser, server, BOARD);
  const b = await openBoard(browser, server, BOARD);

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

  // B deletes the first card; it disappears for A.
  await b.locator(`li.card[data-card="${id}"]`).getByRole('button', { name: 'Delete card' }).click();
  await a.waitForFunction((cid) => !document.querySelector(`textarea[data-card-id="${cid}"]`), id, { timeout: 10000 });

  await a.context().close();
  await b.context().close();
});

test('edits made while the server is down are kept and merge on reconnect', async () => {
  const a = await openBoard(browser, server, BOARD);
  const b = await openBoard(browser, server, BOARD);
  await a.getByRole('button', { name: 'Add a card to Enablers' }).click();
  await a.locator('.column-enablers textarea.card-text').last().waitFor();
  await a.keyboard.type('Time to learn');
  const id = await cardWithText(b, 'Time to learn');

  // kill -9 the server: both pages say they are offline.
  await server.kill();
  await a.getByRole('status').filter({ hasText: 'Offline' }).waitFor({ timeout: 10000 });
  await field(a, id).click();
  await a.keyboard.press('End');
  await a.keyboard.type(' and mentors');

  // Back up on the same port and data: A's offline edit reaches B.
  server = await server.restart();
  await a.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: 30000 });
  await cardWithText(b, 'Time to learn and mentors', 30000);

  // A fresh visitor gets the merged board from the server.
  const c = await openBoard(browser, server, BOARD);
  await cardWithText(c, 'Time to learn and mentors');
  for (const p of [a, b, c]) await p.context().close();
});

test('an unknown board says so', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${server.base}/board/no-such-board`);
  await page.getByRole('heading', { name: 'Board not found' }).waitFor();
  await context.close();
});
