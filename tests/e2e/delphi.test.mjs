// A Delphi study from the console: the lead starts it, adds two respondents by code and
// opens round 1; each respondent rates on their own link; the lead closes the round, reads
// the results and opens round 2, which carries only the statement without consensus and
// shows each respondent the group's result and their own last rating. axe on each page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { useServerAndBrowser, axeViolations, gotoPage, reloadPage } from './harness.mjs';

const env = useServerAndBrowser({ before, after });

async function page(browser) {
  const ctx = await browser.newContext({ serviceWorkers: 'block' });
  const p = await ctx.newPage();
  p.on('pageerror', (e) => console.error('[page error]', e.message));
  return p;
}

test('two Delphi rounds: rate, results, carry forward, feedback', async () => {
  const { base, links } = env.server;
  const lead = await page(env.browser);
  await gotoPage(lead, `${base}/workshop/demo?token=${links.facilitator}`);
  await lead.getByText('Start a Delphi study').click();
  await lead.locator('#delphi-title').fill('Draft framework');
  await lead.getByLabel('Statements to rate, one a line').fill('Leaders are visible\nTime to learn is protected');
  await lead.getByRole('button', { name: 'Create study' }).click();
  await lead.getByText('Study “Draft framework” created with 2 statements.').waitFor();
  await lead.getByRole('link', { name: 'Draft framework' }).click();
  await lead.getByRole('heading', { name: 'Draft framework' }).waitFor();

  const respondents = [];
  for (const code of ['P01', 'P02']) {
    await lead.getByLabel('Respondent code (not a name)').fill(code);
    await lead.getByRole('button', { name: 'Add respondent' }).click();
    await lead.getByText(`${code} was added.`).waitFor();
    respondents.push(await lead.getByLabel(`Send ${code} this link`).inputValue());
  }
  // A code used twice is refused.
  await lead.getByLabel('Respondent code (not a name)').fill('p01');
  await lead.getByRole('button', { name: 'Add respondent' }).click();
  await lead.getByText(/Not added: .*respondent code p01 is used already/).waitFor();
  await lead.getByRole('button', { name: 'Open round 1' }).click();
  await lead.getByText('Round opened.').waitFor();
  assert.deepEqual(await axeViolations(lead), [], 'the lead\'s study page');

  // Each respondent rates on their own link.
  const ratings = [['9 Critical', '3'], ['8', '1 Not important']];
  for (const [i, link] of respondents.entries()) {
    const r = await page(env.browser);
    await gotoPage(r, link);
    await r.getByText(`You take part as P0${i + 1}.`).waitFor();
    const [first, second] = await r.locator('li.delphi-item').all();
    await first.getByLabel(ratings[i][0], { exact: true }).check();
    await second.getByLabel(ratings[i][1], { exact: true }).check();
    if (i === 0) await second.getByLabel('Comment (you do not have to)').fill('Only with «funding» & cover');
    await r.getByRole('button', { name: 'Save my ratings' }).click();
    await r.getByText('Saved 2 ratings. You can change them until the round closes.').waitFor();
    if (i === 0) assert.deepEqual(await axeViolations(r), [], 'a respondent\'s page');
    await r.context().close();
  }

  // Results of round 1: the first statement has consensus, the second not.
  await lead.getByRole('button', { name: 'Close this round' }).click();
  await lead.getByText('Round closed.').waitFor();
  const r1 = lead.getByRole('table', { name: 'Results of round 1' });
  await r1.waitFor();
  assert.match(await r1.locator('tr[data-item="i1"]').innerText(), /Yes/);
  assert.match(await r1.locator('tr[data-item="i2"]').innerText(), /No/);
  await lead.getByRole('button', { name: 'Open the next round' }).click();
  await lead.getByText('Round opened.').waitFor();
  const r2 = lead.getByRole('table', { name: 'Results of round 2' });
  await r2.waitFor();
  assert.equal(await r2.locator('tbody tr').count(), 1);

  // Round 2 shows P01 the group's result and their own last rating, for i2 only.
  const p1 = await page(env.browser);
  await gotoPage(p1, respondents[0]);
  await p1.getByRole('heading', { name: 'Round 2' }).waitFor();
  assert.equal(await p1.locator('li.delphi-item').count(), 1);
  await p1.getByText('Last round, the middle rating (median) was 2.0; half of the ratings were between').waitFor();
  await p1.getByText('You rated it 3.').waitFor();
  await p1.getByLabel('7', { exact: true }).check();
  await p1.getByRole('button', { name: 'Save my ratings' }).click();
  await p1.getByText('Saved 1 rating.', { exact: false }).waitFor();
  await reloadPage(p1);
  assert.equal(await p1.getByLabel('7', { exact: true }).isChecked(), true);

  // The lead revokes P02's link: it opens nothing more, their ratings stay.
  await reloadPage(lead);
  await lead.getByRole('button', { name: "Revoke P02's link" }).click();
  await lead.getByText("P02's link no longer opens anything. Their ratings are kept.").waitFor();
  const p2 = await page(env.browser);
  await p2.goto(respondents[1]);
  await p2.getByRole('heading', { name: 'This link does not work' }).waitFor();
  assert.match(await lead.getByRole('table', { name: 'Results of round 1' }).locator('tr[data-item="i1"]').innerText(), /\b2\b/);
});
