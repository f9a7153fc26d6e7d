// The facilitator console at a glance: the groups first, each row with its step, phase,
// timer, message and settings; the run-sheet starting the next step (phase, timer and
// message together) in every group at once or in one; every setting for all groups; a
// facilitator shown as the facilitator; the console on a phone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { useServerAndBrowser, openBoard, countSettles, axeViolations, gotoPage, reloadPage } from './harness.mjs';

const env = useServerAndBrowser({ before, after });

async function openConsole(viewport) {
  const context = await env.browser.newContext(viewport ? { viewport } : {});
  const c = await context.newPage();
  c.on('pageerror', (e) => console.error('[page error]', e.message));
  await gotoPage(c, `${env.server.base}/workshop/demo?token=${env.server.links.facilitator}`);
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
  await reloadPage(c);
  await sheet.locator('li.step-edit').first().waitFor();
  assert.equal(await sheet.locator('li.step-edit').count(), 5);
  assert.equal(await sheet.locator('li.step-edit').first().getByLabel('Minutes').inputValue(), '20');
  assert.equal(await sheet.locator('li.step-edit').first().getByLabel('Message').inputValue(), 'Welcome! Write one idea a card.');
  await sheet.locator('li.step-edit').nth(2).getByLabel('Title').fill('   ');
  await sheet.getByRole('button', { name: 'Save plan' }).click();
  await c.getByText(/Could not save the plan: .*step 3 needs a title/).waitFor({ timeout: 10000 });
  await reloadPage(c);
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
  await gotoPage(p, `${env.server.base}/workshop/demo?token=${env.server.links.participant}`);
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
  await gotoPage(p, `${env.server.base}/workshop/demo?token=${env.server.links.participant}`);
  await p.getByRole('button', { name: 'Find my group' }).click();
  await p.waitForURL(new RegExp(`/board/${board}\\?token=`), { timeout: 10000 });

  // Choosing again: the list comes back beside "Find my group".
  await sheet.getByLabel(/They choose a group/).check();
  await sheet.getByRole('button', { name: 'Save plan' }).click();
  await allocationIs('choose');
  await gotoPage(p, `${env.server.base}/workshop/demo?token=${env.server.links.participant}`);
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
  // Scrolled away, "Go to it" brings it back.
  await p.evaluate(() => window.scrollTo(0, 0));
  await bar.getByRole('button', { name: 'Go to it' }).click();
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

test('a plan is edited, kept under a name, used for a new workshop and copied for the next area', async () => {
  const c = await openConsole();
  const sheet = c.locator('section[aria-labelledby="runsheet-h"]');
  await sheet.locator('li.step-edit').first().waitFor();
  await sheet.locator('li.step-edit').first().getByLabel('Title').fill('Hello and write');
  await sheet.getByLabel(/Groups a new workshop from this plan starts with/).fill('Ward A\nWard B');
  await sheet.getByLabel('Votes each person has').fill('4');
  await sheet.getByLabel('Keep this plan for other workshops, named').fill('Two wards');
  await sheet.getByRole('button', { name: 'Save as a named plan' }).click();
  await c.getByText('Plan saved as “Two wards”: any new workshop can start from it.').waitFor({ timeout: 10000 });
  await c.context().close();

  // The organiser starts a workshop from it.
  const context = await env.browser.newContext();
  const o = await context.newPage();
  o.on('pageerror', (e) => console.error('[page error]', e.message));
  await gotoPage(o, `${env.server.base}/organise?token=${env.server.links.organiser}`);
  await o.getByLabel('Start from').locator('option', { hasText: 'Named plan: Two wards' }).waitFor({ state: 'attached', timeout: 10000 });
  await o.getByLabel('Title').fill('Cancer care, day 1');
  await o.getByLabel(/Clinical area/).fill('Cancer Care');
  await o.getByLabel('Start from').selectOption({ label: 'Named plan: Two wards' });
  await o.getByRole('button', { name: 'Create workshop' }).click();
  await o.getByText('Workshop “Cancer care, day 1” created.').waitFor({ timeout: 10000 });
  const link = await o.getByLabel('New workshop\'s facilitator link').inputValue();
  const w = await context.newPage();
  await gotoPage(w, link);
  await w.locator('table.console tbody tr').first().waitFor();
  for (const g of ['Ward A', 'Ward B']) await w.locator('table.console tbody').getByText(g).first().waitFor();
  assert.equal(await w.locator('table.console tbody tr').count(), 2, 'one row a group of the plan');
  const newSheet = w.locator('section[aria-labelledby="runsheet-h"]');
  assert.equal(await newSheet.locator('li.step-edit').first().getByLabel('Title').inputValue(), 'Hello and write');
  assert.equal(await newSheet.getByLabel('Votes each person has').inputValue(), '4');
  await w.getByRole('button', { name: 'Next step for all groups' }).click();
  await w.locator('table.console tbody tr').first().getByText(/Step 1 of \d+: Hello and write/).waitFor({ timeout: 10000 });
  assert.equal(await w.locator('table.console tbody tr').getByText(/Step 1 of \d+: Hello and write/).count(), 2);

  // Then copies it for the next area: the same groups, fresh links, nothing of its cards.
  await reloadPage(o);
  await o.getByLabel('Start from').locator('option', { hasText: 'A copy of “Cancer care, day 1”' }).waitFor({ state: 'attached', timeout: 10000 });
  await o.getByLabel('Title').fill('Cancer care, day 2');
  await o.getByLabel(/Clinical area/).fill('Cancer Care');
  const copyOption = await o.getByLabel('Start from').locator('option', { hasText: 'A copy of “Cancer care, day 1”' }).getAttribute('value');
  await o.getByLabel('Start from').selectOption(copyOption);
  await o.getByRole('button', { name: 'Create workshop' }).click();
  await o.getByText('Workshop “Cancer care, day 2” created.').waitFor({ timeout: 10000 });
  const copyLink = await o.getByLabel('New workshop\'s facilitator link').inputValue();
  assert.notEqual(copyLink, link, 'the copy has its own link');
  await gotoPage(w, copyLink);
  await w.locator('table.console tbody tr').first().waitFor();
  assert.equal(await w.locator('table.console tbody tr').count(), 2);
  await w.locator('table.console').getByText('Ward B').first().waitFor();
  assert.equal(await w.locator('table.console tbody tr').getByText(/Step 1 of/).count(), 0, 'the copy has not started');
  assert.deepEqual(await axeViolations(o), [], 'the organiser\'s page');
  await context.close();
});

test('follow me: a participant\'s phone keeps to what the facilitator scrolls to, until they stop following', async () => {
  const phone = { width: 375, height: 640 };
  const f = await openBoard(env.browser, env.server, 'demo-leadership', 'facilitator', { viewport: phone });
  const p = await openBoard(env.browser, env.server, 'demo-leadership', 'participant', {
    viewport: phone,
    prepare: (page) => page.emulateMedia({ reducedMotion: 'reduce' }),
  });
  const cards = p.locator('li.card');
  await cards.last().waitFor();
  const first = await cards.first().getAttribute('data-card');
  const last = await cards.last().getAttribute('data-card');
  const near = (page, card) => page.waitForFunction((id) => {
    const r = document.querySelector(`li.card[data-card="${id}"]`).getBoundingClientRect();
    return r.bottom > 0 && r.top < window.innerHeight / 2;
  }, card, { timeout: 10000 });
  await f.getByRole('button', { name: 'Ask everyone to follow me' }).click();
  const bar = p.locator('.follow-bar');
  await bar.getByText('Following the facilitator:').waitFor({ timeout: 10000 });
  // The facilitator scrolls to the last card: the phone follows.
  await f.locator(`li.card[data-card="${last}"]`).evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await near(p, last);
  // Stopped, the phone stays where its owner puts it.
  await bar.getByRole('button', { name: 'Stop following' }).click();
  await p.evaluate(() => window.scrollTo(0, 0));
  // (At the top: scrolled down, axe counts cards under the sticky column links as
  // obscured targets, following or not.)
  assert.deepEqual(await axeViolations(p), [], 'a board with the follow bar');
  await f.evaluate(() => window.scrollTo(0, document.body.scrollHeight / 2));
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(await p.evaluate(() => window.scrollY), 0, 'no longer following');
  // Following again, it goes back to the facilitator; released, the bar goes.
  await f.locator(`li.card[data-card="${first}"]`).evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await new Promise((r) => setTimeout(r, 1000));
  await p.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  await bar.getByRole('button', { name: 'Follow again' }).click();
  await near(p, first);
  await f.getByRole('button', { name: 'Release everyone' }).click();
  await bar.waitFor({ state: 'detached', timeout: 10000 });
  await f.context().close();
  await p.context().close();
});

test('a facilitator spotlights a theme and another person\'s phone brings it into view', async () => {
  const f = await openBoard(env.browser, env.server, 'demo-research', 'facilitator');
  const p = await openBoard(env.browser, env.server, 'demo-research', 'participant', {
    viewport: { width: 375, height: 640 },
    prepare: (page) => page.emulateMedia({ reducedMotion: 'reduce' }),
  });
  await f.getByRole('button', { name: 'New theme in Values' }).click();
  await f.keyboard.type('Access for all');
  const theme = p.locator('.column-values section.theme').first();
  await p.waitForFunction(() => document.querySelector('.column-values textarea.theme-title')?.value === 'Access for all', null, { timeout: 10000 });
  await p.evaluate(() => window.scrollTo(0, 0));
  await f.locator('.column-values section.theme').first().getByRole('button', { name: 'Spotlight this theme' }).click();
  await p.locator('.spotlight-bar').getByText('the facilitator is showing everyone the theme “Access for all”.').waitFor({ timeout: 10000 });
  await p.locator('.column-values section.theme.spotlit').waitFor();
  await p.waitForFunction(() => {
    const r = document.querySelector('.column-values section.theme').getBoundingClientRect();
    return r.top >= 0 && r.top <= window.innerHeight;
  }, null, { timeout: 5000 });
  assert.equal(await theme.getByRole('button', { name: 'Spotlight this theme' }).count(), 0, 'only facilitators spotlight');
  await f.locator('.spotlight-bar').getByRole('button', { name: 'End the spotlight' }).click();
  await p.locator('.spotlight-bar').waitFor({ state: 'detached', timeout: 10000 });
  await f.context().close();
  await p.context().close();
});

test('the plan\'s prompts are reworded in the console and an open board shows the new words at once', async () => {
  const p = await openBoard(env.browser, env.server, 'demo-leadership', 'participant');
  const column = p.locator('section.column-enablers');
  await column.getByRole('heading', { name: 'Enablers' }).waitFor();
  const c = await openConsole();
  const sheet = c.locator('section[aria-labelledby="runsheet-h"]');
  await sheet.getByText('Prompts: the four questions every board of this plan asks').click();
  await sheet.locator('#prompt-enablers-title').fill('Helpers');
  await sheet.locator('#prompt-enablers-question').fill('Who and what helps the service work well?');
  await sheet.locator('#prompt-enablers-easy').fill('Who helps you?');
  await sheet.locator('#prompt-enablers-symbol').selectOption('people');
  await sheet.getByRole('button', { name: 'Save plan' }).click();
  await c.getByText(/Plan saved\. \d+ boards show the new prompt wording\./).waitFor({ timeout: 10000 });

  // The participant's page, open all along: the heading, the question, the skip link.
  await column.getByRole('heading', { name: 'Helpers' }).waitFor({ timeout: 10000 });
  await column.getByText('Who and what helps the service work well?').waitFor();
  assert.equal(await p.locator('nav.column-nav a', { hasText: 'Helpers' }).count(), 1, 'the skip link to the column');
  await p.getByRole('button', { name: 'Easy read' }).click();
  await column.getByText('Who helps you?').waitFor();
  assert.equal(await column.locator('h2 img.icon').getAttribute('src'), '/symbols/people.svg');
  await column.getByRole('button', { name: /Add a card to Helpers/ }).waitFor();

  // A heading left empty is refused with the prompt named, and the board keeps its words.
  await sheet.locator('#prompt-enablers-title').fill('');
  await sheet.getByRole('button', { name: 'Save plan' }).click();
  await c.getByText(/Could not save the plan: .*the enablers prompt needs a title/).waitFor({ timeout: 10000 });
  await column.getByRole('heading', { name: 'Helpers' }).waitFor();

  // Put the built-in words back for the tests after this one.
  await sheet.locator('#prompt-enablers-title').fill('Enablers');
  await sheet.locator('#prompt-enablers-question').fill('What are the enablers?');
  await sheet.locator('#prompt-enablers-easy').fill('What will help?');
  await sheet.locator('#prompt-enablers-symbol').selectOption('handshake');
  await sheet.getByRole('button', { name: 'Save plan' }).click();
  await column.getByRole('heading', { name: 'Enablers' }).waitFor({ timeout: 10000 });
  assert.deepEqual(await axeViolations(c), [], 'the console with its prompts open');
  await c.context().close();
  await p.context().close();
});

test('several people are moved to one group at once, and each page follows', async () => {
  const a = await openBoard(env.browser, env.server, 'demo-learning', 'participant', { name: 'Ana Bulk' });
  const b = await openBoard(env.browser, env.server, 'demo-leadership', 'participant', { name: 'Bo Bulk' });
  const c = await openConsole();
  const section = c.locator('section[aria-labelledby="move-h"]');
  await section.getByLabel(/^Ana Bulk \(in /).waitFor({ timeout: 10000 });
  await section.getByLabel(/^Ana Bulk \(in /).check();
  await section.getByLabel(/^Bo Bulk \(in /).check();
  await section.getByLabel('Move them to').selectOption({ label: 'Research and innovation' });
  await section.getByRole('button', { name: 'Move 2 people' }).click();
  await c.getByText('Moved 2 people to Research and innovation.').waitFor({ timeout: 10000 });
  for (const p of [a, b]) {
    await p.waitForURL(/\/board\/demo-research\?token=/, { timeout: 10000 });
    await p.getByRole('heading', { name: 'Research and innovation', level: 1 }).waitFor();
  }
  // The console reads the groups again: both are in their new group. With no group
  // chosen, the facilitator is told what to do, and nobody moves.
  await section.getByLabel('Ana Bulk (in Research and innovation)').waitFor({ timeout: 10000 });
  await section.getByLabel('Bo Bulk (in Research and innovation)').check();
  await section.getByRole('button', { name: 'Move 1 person' }).click();
  await c.getByText('Choose the group to move them to.').waitFor();
  assert.deepEqual(await axeViolations(c), [], 'the console with its people to move');
  for (const p of [a, b, c]) await p.context().close();
});
