// A facilitator saves a snapshot from the board page, finds it in the history, views it
// as an outline and downloads it; later changes are not in it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { useServerAndBrowser, openBoard, gotoPage } from './harness.mjs';

const env = useServerAndBrowser({ before, after });

test('snapshot, history, outline view and downloads', async () => {
  const f = await openBoard(env.browser, env.server, 'demo-expert-practice', 'facilitator');
  await f.getByRole('button', { name: 'Add a card to Values' }).click();
  await f.locator('.column-values textarea.card-text').last().waitFor();
  await f.keyboard.type('Kindness, always');
  // Let the edit reach the server before the snapshot.
  await f.waitForTimeout(300);
  await f.getByLabel('Snapshot name').fill('After round one');
  await f.getByRole('button', { name: 'Save snapshot' }).click();
  await f.getByText('Snapshot “After round one” saved.').waitFor();

  // A later change is on the live board only.
  await f.getByRole('button', { name: 'Add a card to Purpose' }).click();
  await f.locator('.column-purpose textarea.card-text').last().waitFor();
  await f.keyboard.type('Added later');
  await f.waitForTimeout(300);

  await f.getByRole('link', { name: 'History, outline view and printing' }).click();
  await f.getByRole('heading', { name: /now/ }).waitFor();
  await f.getByText('Added later').waitFor();
  // Snapshot times are in the reader's own time (the server's UTC replaced in the page).
  await f.waitForFunction(() => {
    const t = document.querySelector('li time[datetime]');
    return t && /Z$/.test(t.getAttribute('datetime')) && !t.textContent.includes('UTC') && /\d{2}\/\d{2}\/\d{4}/.test(t.textContent);
  });
  await f.getByRole('link', { name: 'After round one' }).click();
  await f.getByRole('heading', { name: /snapshot “After round one”/ }).waitFor();
  await f.getByText('Kindness, always').waitFor();
  assert.equal(await f.getByText('Added later').count(), 0, 'the snapshot is as it was');

  // Restore on a card that is on the live board as it was says so and changes nothing.
  const kind = f.locator('li', { hasText: 'Kindness, always' });
  await kind.getByRole('button', { name: /Restore/ }).click();
  await f.getByText('This card is on the live board already, as it was then: nothing changed.').waitFor();

  const csvHref = await f.getByRole('link', { name: 'Spreadsheet (CSV)' }).getAttribute('href');
  const csv = await f.request.get(`${env.server.base}${csvHref}`);
  assert.equal(csv.status(), 200);
  const text = await csv.text();
  assert.match(text, /Kindness, always/);
  assert.doesNotMatch(text, /Added later/);
  await f.context().close();
});

test('a facilitator imports an exported board from the console', async () => {
  const context = await env.browser.newContext();
  const c = await context.newPage();
  const exp = await c.request.get(`${env.server.base}/api/boards/demo-leadership/export.json?token=${env.server.links.facilitator}`);
  assert.equal(exp.status(), 200);
  const json = await exp.body();
  await gotoPage(c, `${env.server.base}/workshop/demo?token=${env.server.links.facilitator}`);
  await c.locator('table.console tbody tr').first().waitFor();
  const before = await c.locator('table.console tbody tr').count();
  await c.getByLabel('Import a board (JSON or .ybin export)').setInputFiles({
    name: 'leadership.json', mimeType: 'application/json', buffer: json,
  });
  await c.getByRole('button', { name: 'Import', exact: true }).click();
  await c.getByText('Imported “Strategic and enabling leadership” as a new board.').waitFor();
  await c.waitForFunction((n) => document.querySelectorAll('table.console tbody tr').length === n + 1, before, { timeout: 10000 });

  // A file that is not an export is refused with a reason.
  await c.getByLabel('Import a board (JSON or .ybin export)').setInputFiles({
    name: 'notes.json', mimeType: 'application/json', buffer: Buffer.from('{"hello": 1}'),
  });
  await c.getByRole('button', { name: 'Import', exact: true }).click();
  await c.getByText(/Could not import notes.json: not a cocreate board export/).waitFor();
  await context.close();
});

test('the SVG picture looks like the board: its column colours, theme groups, card edges, roles and votes', async () => {
  const board = 'demo-learning';
  const f = await openBoard(env.browser, env.server, board, 'facilitator');
  await f.getByRole('button', { name: 'New theme in Values' }).click();
  await f.keyboard.type('Being heard');
  await f.waitForFunction(() => [...document.querySelectorAll('.column-values textarea.theme-title')].some((t) => t.value === 'Being heard'));
  // A participant's card: its role comes from the roster they joined.
  const p = await openBoard(env.browser, env.server, board);
  await p.getByRole('button', { name: 'Add a card to Values' }).click();
  const field = p.locator('.column-values textarea.card-text').last();
  await field.waitFor();
  await p.keyboard.type('Easy words on every letter');
  const id = await field.getAttribute('data-card-id');
  await f.locator(`li.card[data-card="${id}"]`).waitFor();
  await p.context().close();
  await f.locator(`li.card[data-card="${id}"]`).getByRole('button', { name: 'Card actions' }).click();
  await f.locator(`li.card[data-card="${id}"]`).getByRole('button', { name: 'Into theme: Being heard' }).click();
  await f.locator(`.column-values .theme li.card[data-card="${id}"]`).waitFor();
  await f.waitForTimeout(300);

  const svg = await (await f.request.get(`${env.server.base}/api/boards/${board}/export.svg?token=${env.server.links.facilitator}`)).text();
  const seen = await f.evaluate((source) => {
    const hex = (css) => {
      const [r, g, b] = css.match(/\d+/g).map(Number);
      return `#${[r, g, b].map((n) => n.toString(16).padStart(2, '0')).join('')}`;
    };
    const doc = new DOMParser().parseFromString(source, 'image/svg+xml');
    const page = ['purpose', 'how', 'enablers', 'values'].map((p) => {
      const column = document.querySelector(`.column-${p}`);
      const card = column.querySelector('li.card');
      return { fill: hex(getComputedStyle(column).backgroundColor), edge: card && hex(getComputedStyle(card).borderLeftColor) };
    });
    const picture = [...doc.querySelectorAll('g.column')].map((g) => ({
      fill: g.querySelector(':scope > rect').getAttribute('fill'),
      edges: [...g.querySelectorAll('g.card > rect[fill]')].map((r) => r.getAttribute('fill')),
    }));
    const themes = [...doc.querySelectorAll('g.theme')].map((g) => [...g.querySelectorAll('text')].map((t) => t.textContent));
    return { page, picture, themes, scripts: doc.querySelectorAll('script, a, foreignObject').length };
  }, svg);
  assert.equal(seen.picture.length, 4);
  seen.page.forEach((col, i) => {
    assert.equal(seen.picture[i].fill, col.fill, `column ${i} colour`);
    if (col.edge) assert.ok(seen.picture[i].edges.every((e) => e === col.edge), `column ${i} card edges ${seen.picture[i].edges} vs ${col.edge}`);
  });
  const group = seen.themes.find((texts) => texts[0] === 'Being heard');
  assert.ok(group, `a theme group titled "Being heard" in ${JSON.stringify(seen.themes)}`);
  assert.ok(group.includes('Easy words on every letter'), 'its card inside it');
  assert.ok(group.includes('Stakeholder'), `the card carries its role in words: ${group}`);
  assert.equal(seen.scripts, 0);
  await f.context().close();
});

test('long words, emoji, right-to-left text and pasted HTML show as text and wrap, on a phone too', async () => {
  const board = 'demo-expert-practice';
  const p = await openBoard(env.browser, env.server, board, 'participant', { viewport: { width: 375, height: 812 } });
  const texts = [
    'Pneumonoultramicroscopicsilicovolcanoconiosis'.repeat(6),
    'نحتاج إلى وقت للتعلم معًا',
    'Care 💙🧑🏽‍⚕️👩🏿‍🦽 together',
    '<b>bold</b><script>window.__pwned=1</script><img src=x onerror="window.__pwned=1">',
  ];
  for (const t of texts) {
    await p.getByRole('button', { name: 'Add a card to Values' }).click();
    await p.locator('.column-values textarea.card-text').last().waitFor();
    await p.keyboard.insertText(t);
  }
  await p.waitForTimeout(400);
  const wide = () => p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(await wide() <= 0, `the board scrolls sideways by ${await wide()} px`);
  const values = await p.locator('.column-values textarea.card-text').evaluateAll((els) => els.map((e) => [e.value, e.getAttribute('dir')]));
  for (const t of texts) assert.ok(values.some(([v, d]) => v === t && d === 'auto'), `${t} kept as typed`);
  // The outline of the board, and its exports, keep them as text too.
  await p.getByRole('link', { name: 'History, outline view and printing' }).click();
  await p.getByRole('heading', { name: /now/ }).waitFor();
  for (const t of texts) await p.locator('.outline li').filter({ hasText: t }).first().waitFor();
  assert.ok(await wide() <= 0, `the outline scrolls sideways by ${await wide()} px`);
  assert.equal(await p.evaluate(() => window.__pwned), undefined);
  assert.equal(await p.locator('.outline b, .outline img').count(), 0);
  for (const format of ['md', 'csv', 'svg', 'json']) {
    const body = await (await p.request.get(`${env.server.base}/api/boards/${board}/export.${format}?token=${env.server.links.facilitator}`)).text();
    assert.ok(body.includes('نحتاج إلى وقت للتعلم معًا') && body.includes('💙'), `${format} keeps the right-to-left text and emoji`);
    if (format !== 'json' && format !== 'csv') assert.ok(!body.includes('<script>'), `${format} has no raw HTML`);
  }
  await p.context().close();
});
