// Presenting findings back and the findings reports: a facilitator opens the board's
// presentation from its tools, moves through it by keyboard and buttons, switches to easy
// read (easy words, symbols), and downloads findings reports (a board's, the workshop's,
// one pillar's) from the pages that offer them. axe on the presentation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { useServerAndBrowser, openBoard, gotoPage, axeViolations } from './harness.mjs';

const env = useServerAndBrowser({ before, after });

test('present a board one theme a screen, plain and easy read', async () => {
  const f = await openBoard(env.browser, env.server, 'demo-leadership', 'facilitator');
  await f.getByRole('link', { name: 'Present the findings (one theme a screen)' }).click();
  await f.getByRole('heading', { level: 1, name: 'Strategic and enabling leadership' }).waitFor();
  await f.getByText('Learning Disabilities & Autism · Strategic and enabling leadership · 4 cards in 0 themes').waitFor();
  await f.waitForSelector('html[data-ready]');
  assert.deepEqual(await axeViolations(f), [], 'the presentation');

  // The arrow key moves on; the slide says where it is.
  await f.keyboard.press('ArrowRight');
  await f.getByRole('heading', { level: 1, name: 'Not in a theme' }).waitFor();
  await f.getByText(/^Purpose: What is the ultimate purpose/).waitFor();
  await f.getByText('People with a learning disability get care that fits their life').waitFor();
  assert.equal(await f.locator('section.slide').getAttribute('aria-label'), 'Slide 2 of 6');
  await f.getByRole('button', { name: 'Next →' }).click();
  await f.getByText('Consultant practitioners lead change across services').waitFor();
  await f.keyboard.press('End');
  await f.getByRole('heading', { level: 1, name: 'What do you think of these findings?' }).waitFor();
  assert.equal(await f.getByRole('button', { name: 'Next →' }).isDisabled(), true);

  // Easy read: the same place, in easy words, with the question's symbol.
  await f.keyboard.press('Home');
  await f.keyboard.press('ArrowRight');
  await f.getByLabel('Easy read').check();
  await f.getByRole('heading', { level: 1, name: 'Other ideas' }).waitFor();
  await f.getByText('Why are we doing this? What should it change?').waitFor();
  assert.equal(await f.locator('section.slide .kicker img.symbol').count(), 1);
  assert.deepEqual(await axeViolations(f), [], 'the easy-read presentation');
  await f.keyboard.press('End');
  await f.getByRole('heading', { level: 1, name: 'What do you think?' }).waitFor();
  await f.context().close();
});

test('findings reports download from the history page and the console', async () => {
  const { base, links } = env.server;
  const f = await openBoard(env.browser, env.server, 'demo-leadership', 'facilitator');
  await f.getByRole('link', { name: 'History, outline view and printing' }).click();
  await f.getByRole('heading', { name: /now/ }).waitFor();
  for (const [name, type] of [['Findings report (PDF)', 'application/pdf'], ['Findings report (Word)', 'wordprocessingml']]) {
    const href = await f.getByRole('link', { name }).getAttribute('href');
    const res = await f.request.get(`${base}${href}`);
    assert.equal(res.status(), 200, name);
    assert.match(res.headers()['content-type'], new RegExp(type));
  }
  const pdf = await f.request.get(`${base}${await f.getByRole('link', { name: 'Findings report (PDF)' }).getAttribute('href')}`);
  assert.equal((await pdf.body()).subarray(0, 5).toString(), '%PDF-');

  await gotoPage(f, `${base}/workshop/demo?token=${links.facilitator}`);
  const all = await f.getByRole('link', { name: 'Findings report of every board (PDF)' }).getAttribute('href');
  assert.equal((await f.request.get(`${base}${all}`)).status(), 200);
  // One pillar's findings, from the form: a real download.
  await f.getByLabel("One pillar's findings, for the partner it goes to").selectOption('Research and innovation');
  const [download] = await Promise.all([
    f.waitForEvent('download'),
    f.getByRole('button', { name: 'Word' }).click(),
  ]);
  assert.equal(download.suggestedFilename(), 'demo-research-and-innovation-findings.docx');
  await f.context().close();
});
