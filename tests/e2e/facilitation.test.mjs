// Facilitation in the browser: a participant joins with a name and role, is moved to
// another group by the facilitator and their page follows; hidden cards and private
// writing keep cards from participants; a workshop is created from the console.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { useServerAndBrowser, openBoard, joinBoard, countSettles, gotoPage, reloadPage } from './harness.mjs';

const env = useServerAndBrowser({ before, after });

async function openConsole() {
  const context = await env.browser.newContext();
  const c = await context.newPage();
  await gotoPage(c, `${env.server.base}/workshop/demo?token=${env.server.links.facilitator}`);
  await c.locator('table.console tbody tr').first().waitFor();
  return c;
}

test('a participant joins, is moved to another group, and their page follows', async () => {
  const p = await openBoard(env.browser, env.server, 'demo-learning', 'participant', { join: false });
  await p.getByRole('heading', { name: 'Welcome! Who are you?' }).waitFor();
  // The privacy notice comes first; without agreeing, nobody joins and nothing is written.
  await p.getByRole('heading', { name: 'How we use what you write' }).waitFor();
  await p.getByText(/shown on the board under a code \(a pseudonym\)/).waitFor();
  assert.ok(await p.getByRole('button', { name: 'Add a card to How' }).isDisabled(), 'no writing before joining');
  await p.getByLabel('Your name', { exact: true }).first().fill('Pat');
  await p.getByLabel('You are taking part as').selectOption('patient');
  await p.getByRole('button', { name: 'Join the board' }).click();
  await p.getByRole('alert').filter({ hasText: 'Please tick the box' }).waitFor();
  // In easy read, the notice is the easy-read version.
  await p.getByRole('button', { name: 'Easy read' }).click();
  await p.getByText('You do not have to take part. You can stop at any time.', { exact: false }).waitFor();
  await p.getByRole('button', { name: 'Easy read' }).click();
  await p.getByLabel('I have read this and I agree to take part').check();
  await p.getByRole('button', { name: 'Join the board' }).click();
  await p.getByRole('heading', { name: 'Welcome! Who are you?' }).waitFor({ state: 'detached' });
  await p.getByText('Pat (you) · Patient / citizen').waitFor();

  const c = await openConsole();
  const move = c.getByLabel('Move Pat to another group');
  await move.waitFor({ timeout: 10000 });
  await move.selectOption({ label: 'Research and innovation' });
  await p.waitForURL(/\/board\/demo-research\?token=/, { timeout: 10000 });
  await p.getByRole('heading', { name: 'Research and innovation', level: 1 }).waitFor();
  await p.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: 10000 });
  await p.getByText('Pat (you) · Patient / citizen').waitFor();
  await p.context().close();
  await c.context().close();
});

test('hidden cards and private writing keep cards from participants', async () => {
  const f = await openBoard(env.browser, env.server, 'demo-leadership', 'facilitator');
  const p = await openBoard(env.browser, env.server, 'demo-leadership', 'participant');
  const seed = 'li.card[data-card="seed-0"]';
  await p.locator(seed).waitFor();
  const text = await p.locator(`${seed} textarea`).inputValue();
  await f.locator(seed).getByRole('button', { name: 'Card actions' }).click();
  await f.locator(seed).getByRole('button', { name: 'Hide card' }).click();
  // The card leaves the board itself (no participant's client holds its text any more)
  // and waits in the facilitator's list of hidden cards.
  await p.locator(seed).waitFor({ state: 'detached', timeout: 10000 });
  await f.locator(seed).waitFor({ state: 'detached', timeout: 10000 });
  const held = f.locator('.hidden-cards li[data-held="seed-0"]');
  await held.getByText(text).waitFor({ timeout: 10000 });
  await held.getByRole('button', { name: 'Show card' }).click();
  await p.locator(seed).waitFor({ timeout: 10000 });
  await held.waitFor({ state: 'detached', timeout: 10000 });

  await f.getByRole('button', { name: 'Start private writing' }).click();
  await p.getByText('Private writing: you see only your own cards').waitFor({ timeout: 10000 });
  assert.equal(await p.locator(seed).count(), 0, "others' cards are out of sight");
  await p.getByRole('button', { name: 'Add a card to How' }).click();
  await p.locator('.column-how textarea.card-text').last().waitFor();
  await p.keyboard.type('My private idea');
  // The card lives in the participant's own draft: nobody else receives it, not even
  // the facilitator, until the reveal.
  const hasIdea = () => [...document.querySelectorAll('textarea.card-text')].some((e) => e.value === 'My private idea');
  await p.waitForTimeout(1000);
  assert.equal(await f.evaluate(hasIdea), false, 'the facilitator has no one\'s draft before the reveal');
  await f.getByRole('button', { name: 'Reveal all cards' }).click();
  await p.locator(seed).waitFor({ timeout: 10000 });
  await f.waitForFunction(hasIdea, null, { timeout: 10000 });
  await p.waitForFunction(hasIdea, null, { timeout: 10000 });
  await p.context().close();
  await f.context().close();
});

test('the organiser creates a workshop and its facilitator link opens its console', async () => {
  // A workshop's facilitators create no workshops: the organising team does.
  const own = await openConsole();
  assert.equal(await own.getByRole('heading', { name: 'New workshop', exact: true }).count(), 0);
  await own.context().close();
  const c = await (await env.browser.newContext()).newPage();
  await gotoPage(c, `${env.server.base}/organise?token=${env.server.links.organiser}`);
  await c.getByRole('link', { name: 'Demo workshop: Musculoskeletal (MSK)' }).waitFor({ timeout: 10000 });
  await c.getByLabel('Title', { exact: true }).fill('Cancer Care workshop');
  await c.getByLabel(/Clinical area/).fill('Cancer Care');
  await c.getByRole('button', { name: 'Create workshop' }).click();
  await c.getByText('Workshop “Cancer Care workshop” created.').waitFor();
  await c.getByRole('link', { name: 'Cancer Care workshop' }).waitFor();
  const facilitatorLink = await c.getByLabel("New workshop's facilitator link").inputValue();
  assert.match(facilitatorLink, /\/workshop\/cancer-care-workshop-[^?]+\?token=[0-9a-f]{48}$/);
  await c.getByRole('link', { name: 'Open it' }).click();
  await c.getByText('Cancer Care workshop · Cancer Care').waitFor();
  assert.equal(await countSettles(c.locator('table.console tbody tr'), 5), 5);

  // Rename a board; it shows under its new name.
  await c.getByLabel('New title for Consultancy').fill('Consultancy (oncology)');
  await c.getByLabel('New title for Consultancy').locator('xpath=..').getByRole('button', { name: 'Rename' }).click();
  await c.getByText('Board renamed.').waitFor();
  await c.getByRole('link', { name: 'Consultancy (oncology)' }).waitFor({ timeout: 10000 });

  // A participant link to one board only opens that board.
  await c.getByLabel('Link to').selectOption({ label: 'Only Research and innovation' });
  await c.getByRole('button', { name: 'New participant link' }).click();
  const link = await c.getByLabel(/participant \(board .*\) link/).inputValue();
  assert.match(link, /\/board\/.*research-and-innovation.*\?token=/);
  const p = await (await env.browser.newContext()).newPage();
  await p.goto(link);
  await p.getByRole('heading', { name: 'Research and innovation', level: 1 }).waitFor();
  await p.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: 10000 });
  await p.context().close();
  await c.context().close();
});

test('on an anonymous board participants see "A participant", facilitators see names', async () => {
  const f = await openBoard(env.browser, env.server, 'demo-consultancy', 'facilitator');
  const pat = await openBoard(env.browser, env.server, 'demo-consultancy', 'participant', { join: false });
  await joinBoard(pat, { name: 'Pat Example', role: 'patient' });
  await f.getByRole('button', { name: 'Anonymous' }).click();
  const other = await openBoard(env.browser, env.server, 'demo-consultancy', 'participant');
  const people = other.locator('.people');
  await people.getByText('A participant').first().waitFor({ timeout: 20000 });
  // Presence refreshes within the heartbeat; Pat's name never reaches the other participant.
  await other.waitForTimeout(1000);
  assert.equal(await people.getByText('Pat Example').count(), 0, 'no name for participants');
  await f.locator('.people').getByText('Pat Example · Patient / citizen').waitFor({ timeout: 20000 });
  await f.getByRole('button', { name: 'Anonymous' }).click();
  for (const page of [f, pat, other]) await page.context().close();
});

test('a new privacy notice is agreed again; a participant leaves and a facilitator erases another, and their cards go', async () => {
  const c = await openConsole();
  const people = c.locator('section[aria-labelledby="people-h"]');
  await people.getByText(/^Version \d+, set /).waitFor({ timeout: 10000 });
  await people.getByLabel('Privacy notice', { exact: true }).fill('We keep your cards for the review.\n\nWe also record the session.');
  await people.getByLabel('Easy-read version').fill('We keep your cards. We record the session.');
  await people.getByRole('button', { name: 'Save as a new version' }).click();
  await c.getByText(/Privacy notice saved as version \d+: everyone taking part is asked to agree again\./).waitFor();
  // A retention date ten days away: saved, described, and warned about.
  const soon = new Date(Date.now() + 10 * 86400000).toISOString().slice(0, 10);
  await people.getByLabel('Retention date').fill(soon);
  await people.getByLabel('On that date').selectOption('archive');
  await people.getByRole('button', { name: 'Save retention' }).click();
  await c.getByText('Retention date saved.').waitFor();
  await people.getByText(/the server will archive the workshop \(read-only\)\./).waitFor();
  await people.getByRole('alert').filter({ hasText: /The retention date is \d+ days away/ }).waitFor();

  // Questions for everyone who joins: one with choices, one free text.
  await people.getByLabel(/One question a line/).fill('Profession: Nurse, Doctor\nOrganisation type');
  await people.getByRole('button', { name: 'Save questions' }).click();
  await c.getByText('2 questions saved.').waitFor();

  // A participant reads the new notice before joining, and answers a question.
  const f = await openBoard(env.browser, env.server, 'demo-research', 'facilitator');
  const p = await openBoard(env.browser, env.server, 'demo-research', 'participant', { join: false });
  await p.getByText('We also record the session.').waitFor();
  await p.getByLabel('Profession').selectOption('Nurse');
  await joinBoard(p, { name: 'Lee Leaving', role: 'clinician' });
  await p.getByRole('button', { name: 'Add a card to How' }).click();
  await p.locator('.column-how textarea.card-text').last().waitFor();
  await p.keyboard.type('Words of someone who leaves');
  const has = (text) => [...document.querySelectorAll('textarea.card-text')].some((e) => e.value === text);
  await f.waitForFunction(has, 'Words of someone who leaves', { timeout: 10000 });
  // The console lists them with their consent.
  await reloadPage(c);
  const lee = people.locator('tr').filter({ hasText: 'Lee Leaving' });
  await lee.getByText(/^version \d+, /).waitFor({ timeout: 10000 });
  await lee.getByText('Profession: Nurse').waitFor();

  // They leave from the board page: their card leaves everyone's board.
  await p.getByRole('button', { name: 'Leave and remove my cards' }).click();
  await p.getByRole('button', { name: 'Yes, remove everything of mine' }).click();
  await p.getByRole('alert').filter({ hasText: 'You have left this workshop' }).waitFor({ timeout: 10000 });
  await f.waitForFunction((t) => ![...document.querySelectorAll('textarea.card-text')].some((e) => e.value === t), 'Words of someone who leaves', { timeout: 10000 });
  assert.ok(await p.getByRole('button', { name: 'Add a card to How' }).isDisabled(), 'no writing after leaving');

  // A facilitator erases another participant from the console.
  const q = await openBoard(env.browser, env.server, 'demo-research', 'participant', { join: false });
  await joinBoard(q, { name: 'Quinn Erased' });
  await q.getByRole('button', { name: 'Add a card to Values' }).click();
  await q.locator('.column-values textarea.card-text').last().waitFor();
  await q.keyboard.type('Words a facilitator erases');
  await f.waitForFunction(has, 'Words a facilitator erases', { timeout: 10000 });
  await reloadPage(c);
  await people.getByRole('button', { name: 'Erase Quinn Erased' }).click();
  await people.getByRole('button', { name: 'Yes, erase' }).click();
  await c.getByText(/^Erased: 1 cards/).waitFor({ timeout: 10000 });
  await f.waitForFunction((t) => ![...document.querySelectorAll('textarea.card-text')].some((e) => e.value === t), 'Words a facilitator erases', { timeout: 10000 });
  await people.locator('.erasures li').filter({ hasText: 'erased by a facilitator' }).waitFor();
  await people.locator('.erasures li').filter({ hasText: 'erased by the person' }).waitFor();
  assert.equal(await people.getByText('Quinn Erased').count(), 0, 'no name left in the console');
  for (const page of [c, f, p, q]) await page.context().close();
});

test('a facilitator labels a link, revokes it from the console, and the audit log shows both', async () => {
  const c = await openConsole();
  await c.getByLabel('Label (who or where it is for)').fill('Ward 3 tablet');
  await c.getByLabel('Expires').selectOption('7');
  await c.getByRole('button', { name: 'New participant link' }).click();
  const url = await c.getByLabel('participant (Ward 3 tablet) link').inputValue();
  const token = new URL(url).searchParams.get('token');
  const row = c.locator('table.live-links tr').filter({ hasText: 'Ward 3 tablet' });
  await row.waitFor({ timeout: 10000 });
  assert.match(await row.innerText(), /participant\s+whole workshop/);
  assert.equal(await c.locator('table.live-links tr').filter({ hasText: 'the link you are using' }).count(), 1);
  // The link opens a board until it is revoked.
  const open = await fetch(`${env.server.base}/api/boards/demo-research?token=${token}`);
  assert.equal(open.status, 200);
  await c.getByRole('button', { name: 'Revoke Ward 3 tablet' }).click();
  await c.getByText('Link “Ward 3 tablet” revoked: it opens nothing any more.').waitFor();
  await row.waitFor({ state: 'detached' });
  const closed = await fetch(`${env.server.base}/api/boards/demo-research?token=${token}`);
  assert.equal(closed.status, 401);
  // The audit log has both, by the console's own link.
  const audit = c.locator('section[aria-labelledby="audit-h"]');
  await audit.getByRole('button', { name: 'Refresh' }).click();
  await audit.locator('tr').filter({ hasText: 'revoke link' }).waitFor({ timeout: 10000 });
  await audit.locator('tr').filter({ hasText: 'issue link' }).filter({ hasText: 'Ward 3 tablet' }).first().waitFor();
  const csv = await (await fetch(`${env.server.base}${await audit.getByRole('link', { name: 'Download the audit log (CSV)' }).getAttribute('href')}`)).text();
  assert.match(csv, /revoke link/);
  await c.context().close();
});

test('the timer and the message clear: stopped or cleared from the board, and "Time is up" fades', async () => {
  const { base, links } = env.server;
  const board = 'demo-consultancy';
  const f = await openBoard(env.browser, env.server, board, 'facilitator');
  const p = await openBoard(env.browser, env.server, board, 'participant');
  const control = (patch) => f.request.post(`${base}/api/boards/${board}/control?token=${links.facilitator}`, { data: patch });
  assert.equal((await control({ message: 'Five minutes to go', timer_ends: Date.now() - 1000 })).status(), 204);
  await p.getByText('Message from the facilitator: Five minutes to go').waitFor();
  // Time is up: shown, and said once to screen readers.
  await p.locator('p.timer', { hasText: 'Time is up' }).waitFor();
  await p.locator('p.visually-hidden[role=status]', { hasText: 'Time is up' }).waitFor();
  // The facilitator clears both from the board page.
  await f.getByRole('button', { name: 'Clear message' }).click();
  await f.getByRole('button', { name: 'Stop timer' }).click();
  await p.waitForFunction(() => !document.querySelector('p.broadcast') && !document.querySelector('p.timer'));
  // A timer that ran out long ago is not shown at all.
  assert.equal((await control({ timer_ends: Date.now() - 3 * 60_000 })).status(), 204);
  await p.waitForTimeout(1500);
  assert.equal(await p.locator('p.timer').count(), 0);
  await f.context().close();
  await p.context().close();
});
