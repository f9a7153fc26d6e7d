// The facilitator console at a glance: the groups first, each row with its step, phase,
// timer, message and settings; the run-sheet starting the next step (phase, timer and
// message together) in every group at once or in one; every setting for all groups; a
// facilitator shown as the facilitator; the console on a phone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { useServerAndBrowser, openBoard, countSettles, axeViolations } from './harness.mjs';

const env = useServerAndBrowser({ before, after });

async function openConsole(viewport) {
  const context = await env.browser.newContext(viewport ? { viewport } : {});
  const c = await context.newPage();
  c.on('pageerror', (e) => console.error('[page error]', e.message));
  await c.goto(`${env.server.base}/workshop/demo?token=${env.server.links.facilitator}`);
  await c.locator('table.console tbody tr').first().waitFor();
  return c;
}

// Wait until the workshop's saved plan places people (`balanced`) or lets them choose.
async function allocationIs(mode) {
  const until = Date.now() + 10000;
  for (;;) {
    const res = await fetch(`${env.server.base}/api/workshops/demo?token=${env.server.links.facilitator}`);
    if ((await res.json()).plan.allocation === mode) return;
    if (Date.now() > until) throw new Error(`the plan's allocation never became ${mode}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const row = (c, board) => c.locator(`tr[data-board="${board}"]`);
const GROUPS = ['demo-learning', 'demo-research', 'demo-leadership'];

test('the run-sheet starts the next step in three groups at once, and in one group alone', async () => {
  const pages = [];
  for (const board of GROUPS) pages.push(await openBoard(env.browser, env.server, board, 'participant'));
  const c = await openConsole();
  // The groups come first: the first section after the title is the table of groups.
  const headings = await c.locator('h2').allTextContents();
  assert.equal(headings[0], 'Breakout groups', `section order: ${headings}`);
  assert.equal(await countSettles(c.locator('table.console tbody tr'), 5), 5);
  await row(c, 'demo-learning').getByText('Not started').waitFor();

  await c.getByRole('button', { name: 'Next step for all groups' }).click();
  await c.getByText('All groups: 5 groups moved to their next step.').waitFor({ timeout: 10000 });
  for (const p of pages) {
    await p.getByText('Write your ideas: one idea a card, under the question it answers.').waitFor({ timeout: 10000 });
    await p.locator('.control-bar .timer').waitFor({ timeout: 10000 });
    assert.match(await p.locator('.control-bar .timer').innerText(), /Time left: 1[45]:\d\d/, 'a 15-minute timer');
  }
  for (const board of GROUPS) await row(c, board).getByText('Step 1 of 4: Write ideas').waitFor({ timeout: 10000 });

  await c.getByRole('button', { name: 'Next step for all groups' }).click();
  for (const p of pages) {
    await p.getByText('Now: Grouping into themes').waitFor({ timeout: 10000 });
    await p.getByText('Read everyone\'s cards and put the ones that belong together into themes.').waitFor({ timeout: 10000 });
  }

  // One group alone moves on to the vote; the others stay where they are.
  await row(c, 'demo-research').getByRole('button', { name: 'Next step for Research and innovation' }).click();
  await pages[1].getByText('Now: Voting').waitFor({ timeout: 10000 });
  await row(c, 'demo-research').getByText('Step 3 of 4: Vote').waitFor({ timeout: 10000 });
  await row(c, 'demo-learning').getByText('Step 2 of 4: Group into themes').waitFor();
  assert.equal(await pages[0].getByText('Now: Grouping into themes').count(), 1, 'the other groups did not move');

  // The audit log records the step with where each group went.
  const audit = await (await fetch(`${env.server.base}/api/workshops/demo/audit?token=${env.server.links.facilitator}`)).json();
  assert.ok(audit.some((e) => e.action === 'advance run-sheet' && /Research and innovation: Step 3 of 4: Vote/.test(e.detail)), JSON.stringify(audit.slice(-3)));
  for (const p of pages) await p.context().close();
  await c.context().close();
});

test('every setting changes for all groups at once from the console', async () => {
  const pages = [];
  for (const board of GROUPS) pages.push(await openBoard(env.browser, env.server, board, 'participant'));
  const c = await openConsole();
  await c.locator('#all-phase').selectOption('review');
  await c.getByRole('button', { name: 'Set phase for all' }).click();
  for (const p of pages) await p.getByText('Now: Reviewing').waitFor({ timeout: 10000 });
  await c.getByRole('button', { name: 'Make all groups anonymous' }).click();
  for (const p of pages) await p.getByText('Anonymous: nobody\'s role is shown on cards.').waitFor({ timeout: 10000 });
  await c.getByRole('button', { name: 'Start private writing for all' }).click();
  for (const p of pages) await p.getByText('Private writing: you see only your own cards').waitFor({ timeout: 10000 });
  for (const board of GROUPS) {
    await row(c, board).locator('.settings').getByText('Private writing').waitFor({ timeout: 10000 });
    await row(c, board).locator('.settings').getByText('Anonymous').waitFor();
  }
  await c.locator('#all-votes').fill('7');
  await c.getByRole('button', { name: 'Set votes for all' }).click();
  for (const board of GROUPS) await row(c, board).getByText('7 votes each').waitFor({ timeout: 10000 });
  // Everything back as it was, for the other tests.
  await c.getByRole('button', { name: 'Reveal all cards everywhere' }).click();
  await c.getByRole('button', { name: 'Show names in all groups' }).click();
  for (const p of pages) await p.getByText('Private writing: you see only your own cards').waitFor({ state: 'detached', timeout: 10000 });

  // One group's lock, on its own row.
  await row(c, 'demo-learning').getByRole('button', { name: 'Lock Learning, developing and improving across the system' }).click();
  await pages[0].getByText('The facilitator has locked this board').waitFor({ timeout: 10000 });
  assert.equal(await pages[1].getByText('The facilitator has locked this board').count(), 0);
  await row(c, 'demo-learning').getByRole('button', { name: /^Unlock/ }).click();
  await pages[0].getByText('The facilitator has locked this board').waitFor({ state: 'detached', timeout: 10000 });
  for (const p of pages) await p.context().close();
  await c.context().close();
});

test('a facilitator on a board is shown as the facilitator, to participants and in the console', async () => {
  const f = await openBoard(env.browser, env.server, 'demo-consultancy', 'facilitator');
  const p = await openBoard(env.browser, env.server, 'demo-consultancy', 'participant');
  await f.getByText('You (the facilitator)').waitFor();
  await p.locator('.presence li.person').filter({ hasText: 'The facilitator' }).waitFor({ timeout: 10000 });
  assert.equal(await p.locator('.presence').getByText(/Guest|Someone joining · Stakeholder/).count(), 0);
  const c = await openConsole();
  await row(c, 'demo-consultancy').locator('.people-here').getByText('The facilitator').waitFor({ timeout: 10000 });
  assert.equal(await c.getByLabel('Move The facilitator to another group').count(), 0, 'facilitators are not moved');
  await f.context().close();
  await p.context().close();
  await c.context().close();
});

test('the run-sheet is edited and saved, and a bad step is refused with its number', async () => {
  const c = await openConsole();
  const sheet = c.locator('section[aria-labelledby="runsheet-h"]');
  await sheet.locator('li.step-edit').first().waitFor();
  assert.equal(await sheet.locator('li.step-edit').count(), 4);
  const first = sheet.locator('li.step-edit').first();
  await first.getByLabel('Title').fill('Welcome and write');
  await first.getByLabel('Minutes').fill('20');
  await first.getByLabel('Message').fill('Welcome! Write one idea a card.');
  await sheet.getByRole('button', { name: 'Add a step' }).click();
  await sheet.locator('li.step-edit').nth(4).getByLabel('Title').fill('Break');
  await sheet.getByRole('button', { name: 'Save plan' }).click();
  await c.getByText('Plan saved.').waitFor({ timeout: 10000 });
  await c.reload();
  await sheet.locator('li.step-edit').first().waitFor();
  assert.equal(await sheet.locator('li.step-edit').count(), 5);
  assert.equal(await sheet.locator('li.step-edit').first().getByLabel('Minutes').inputValue(), '20');
  assert.equal(await sheet.locator('li.step-edit').first().getByLabel('Message').inputValue(), 'Welcome! Write one idea a card.');
  await sheet.locator('li.step-edit').nth(2).getByLabel('Title').fill('   ');
  await sheet.getByRole('button', { name: 'Save plan' }).click();
  await c.getByText(/Could not save the plan: .*step 3 needs a title/).waitFor({ timeout: 10000 });
  await c.reload();
  await sheet.locator('li.step-edit').first().waitFor();
  assert.equal(await sheet.locator('li.step-edit').nth(2).getByLabel('Title').inputValue(), 'Vote', 'nothing of the bad save was kept');
  await c.context().close();
});

test('with balanced allocation a participant is placed in a group from the workshop link', async () => {
  const c = await openConsole();
  const sheet = c.locator('section[aria-labelledby="runsheet-h"]');
  await sheet.getByLabel(/They are placed, balanced by role/).check();
  await sheet.getByRole('button', { name: 'Save plan' }).click();
  await allocationIs('balanced');

  const context = await env.browser.newContext();
  const p = await context.newPage();
  p.on('pageerror', (e) => console.error('[page error]', e.message));
  await p.goto(`${env.server.base}/workshop/demo?token=${env.server.links.participant}`);
  await p.getByRole('heading', { name: 'Find my group' }).waitFor();
  assert.equal(await p.getByRole('heading', { name: /choose your breakout group/i }).count(), 0, 'no list to choose from');
  assert.deepEqual(await axeViolations(p), [], 'the page that places people');
  await p.getByLabel('You are taking part as').selectOption('patient');
  await p.getByRole('button', { name: 'Find my group' }).click();
  await p.waitForURL(/\/board\/demo-[a-z-]+\?token=/, { timeout: 10000 });
  const board = p.url().match(/\/board\/([^?]+)/)[1];
  await p.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: 20000 });
  // The board's join form starts from the role they gave.
  assert.equal(await p.getByLabel('You are taking part as').inputValue(), 'patient');
  // Back on the workshop link, the same group again.
  await p.goto(`${env.server.base}/workshop/demo?token=${env.server.links.participant}`);
  await p.getByRole('button', { name: 'Find my group' }).click();
  await p.waitForURL(new RegExp(`/board/${board}\\?token=`), { timeout: 10000 });

  // Choosing again: the list comes back beside "Find my group".
  await sheet.getByLabel(/They choose a group/).check();
  await sheet.getByRole('button', { name: 'Save plan' }).click();
  await allocationIs('choose');
  await p.goto(`${env.server.base}/workshop/demo?token=${env.server.links.participant}`);
  await p.getByRole('heading', { name: 'Or choose your breakout group' }).waitFor();
  await context.close();
  await c.context().close();
});

test('a facilitator spotlights a card and another person\'s phone brings it into view and marks it', async () => {
  const f = await openBoard(env.browser, env.server, 'demo-leadership', 'facilitator');
  const p = await openBoard(env.browser, env.server, 'demo-leadership', 'participant', {
    viewport: { width: 375, height: 640 },
    prepare: (page) => page.emulateMedia({ reducedMotion: 'reduce' }),
  });
  const cards = p.locator('li.card');
  await cards.last().waitFor();
  const id = await cards.last().getAttribute('data-card');
  const text = await p.locator(`li.card[data-card="${id}"] textarea`).inputValue();
  const inView = () => p.locator(`li.card[data-card="${id}"]`).evaluate((el) => {
    const r = el.getBoundingClientRect();
    return r.top >= 0 && r.bottom <= window.innerHeight;
  });
  await p.evaluate(() => window.scrollTo(0, 0));
  assert.equal(await inView(), false, 'the card starts out of sight on the phone');

  await f.locator(`li.card[data-card="${id}"]`).getByRole('button', { name: 'Card actions' }).click();
  await f.getByRole('button', { name: 'Spotlight this card for everyone' }).click();
  const bar = p.locator('.spotlight-bar');
  await bar.getByText(`the facilitator is showing everyone the card “${text}”.`).waitFor({ timeout: 10000 });
  await p.locator(`li.card.spotlit[data-card="${id}"]`).waitFor();
  await p.waitForFunction((card) => {
    const r = document.querySelector(`li.card[data-card="${card}"]`).getBoundingClientRect();
    return r.top >= 0 && r.bottom <= window.innerHeight;
  }, id, { timeout: 5000 });
  // Scrolled away, "Go to the card" brings it back.
  await p.evaluate(() => window.scrollTo(0, 0));
  await bar.getByRole('button', { name: 'Go to the card' }).click();
  await p.waitForFunction((card) => {
    const r = document.querySelector(`li.card[data-card="${card}"]`).getBoundingClientRect();
    return r.top >= 0 && r.bottom <= window.innerHeight;
  }, id, { timeout: 5000 });
  assert.equal(await p.getByRole('button', { name: 'End the spotlight' }).count(), 0, 'only facilitators end it');
  // (At the top of the page: scrolled down, axe counts cards passing under the sticky
  // column links as obscured targets, spotlight or not.)
  await p.evaluate(() => window.scrollTo(0, 0));
  assert.deepEqual(await axeViolations(p), [], 'the board with a spotlight');

  await f.locator('.spotlight-bar').getByRole('button', { name: 'End the spotlight' }).click();
  await bar.waitFor({ state: 'detached', timeout: 10000 });
  assert.equal(await p.locator('li.card.spotlit').count(), 0);
  await f.context().close();
  await p.context().close();
});

test('the console reflows on a phone and at 200 % zoom, and passes axe', async () => {
  for (const viewport of [{ width: 375, height: 740 }, { width: 640, height: 400 }]) {
    const c = await openConsole(viewport);
    await countSettles(c.locator('table.console tbody tr'), 5);
    const wide = await c.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(wide <= 0, `${viewport.width} px: the console is ${wide} px wider than the window`);
    // Each group reads as labelled lines.
    await row(c, 'demo-learning').getByRole('button', { name: /Next step for/ }).waitFor();
    assert.deepEqual(await axeViolations(c), [], `axe at ${viewport.width} px`);
    await c.context().close();
  }
});
