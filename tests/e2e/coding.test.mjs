// After the workshops: the lead analyst edits the codebook and adds an analyst from the
// analysis page; two analysts code the demo board's cards blind (neither sees the other's
// work); the lead closes coding, reads agreement and disagreements, and records the agreed
// codes, which the analysts then read. axe on each page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { useServerAndBrowser, axeViolations, gotoPage, reloadPage } from './harness.mjs';

const env = useServerAndBrowser({ before, after });

const PURPOSE = 'People with a learning disability get care that fits their life';
const HOW = 'Consultant practitioners lead change across services';

async function page(browser) {
  const ctx = await browser.newContext({ serviceWorkers: 'block' });
  const p = await ctx.newPage();
  p.on('pageerror', (e) => console.error('[page error]', e.message));
  return p;
}
const card = (p, text) => p.locator('li.coding-card').filter({ hasText: text });

test('blind coding by two analysts, comparison, agreement and the agreed codes', async () => {
  const { base, links } = env.server;
  assert.ok(links.analysts.Asha && links.analysts.Ben, 'the demo links name two analysts');

  // The lead finds the analysis from the workshop console.
  const lead = await page(env.browser);
  await gotoPage(lead, `${base}/workshop/demo?token=${links.facilitator}`);
  await lead.getByRole('link', { name: 'Codebook, coding and agreement' }).click();
  await lead.getByRole('heading', { name: /^Analysis: / }).waitFor();
  await lead.getByText('You lead this analysis.').waitFor();

  // A new code, nested under "Being heard".
  await lead.getByRole('button', { name: 'Add a code' }).click();
  const row = lead.locator('ol.codebook-edit > li').last();
  await row.getByLabel('Code name').fill('Kindness «and» respect');
  await row.getByLabel('What it means').fill('Being treated kindly.');
  await row.getByLabel('Under').selectOption({ label: 'Being heard' });
  await lead.getByRole('button', { name: 'Save codebook' }).click();
  await lead.getByText('Codebook saved.').waitFor();
  // A code without a name is refused, and nothing of it kept.
  await lead.getByRole('button', { name: 'Add a code' }).click();
  await lead.getByRole('button', { name: 'Save codebook' }).click();
  await lead.getByText(/The codebook was not saved: .*needs a name/).waitFor();
  await reloadPage(lead);
  assert.equal(await lead.locator('ol.codebook-edit > li').count(), 5);
  assert.equal(await lead.locator('ol.codebook-edit > li').last().getByLabel('Code name').inputValue(), 'Kindness «and» respect');

  // A codebook from another tool: a malformed file changes nothing; the exported one
  // comes back whole.
  const qdc = await (await lead.request.get(`${base}/api/workshops/demo/coding/codebook.qdc?token=${links.facilitator}`)).body();
  await lead.getByLabel(/Import a codebook/).setInputFiles({ name: 'broken.qdc', mimeType: 'application/xml', buffer: Buffer.from('<CodeBook><Codes><Code name="x"') });
  await lead.getByRole('button', { name: 'Import codebook' }).click();
  await lead.getByText(/The codebook was not imported: .*not well-formed/).waitFor();
  await lead.getByLabel(/Import a codebook/).setInputFiles({ name: 'codebook.qdc', mimeType: 'application/xml', buffer: qdc });
  await lead.getByRole('button', { name: 'Import codebook' }).click();
  await lead.getByText('Codebook imported: 5 codes.').waitFor();
  // The same codes (the same ids), now in the file's nested order: under "Being heard".
  await lead.locator('ol.codebook-edit > li').nth(2).getByLabel('Code name').waitFor();
  assert.equal(await lead.locator('ol.codebook-edit > li').nth(2).getAttribute('data-code'), 'c1');
  assert.equal(await lead.locator('ol.codebook-edit > li').nth(2).getByLabel('Code name').inputValue(), 'Kindness «and» respect');

  // A third analyst, whose link is shown once.
  await lead.getByLabel("Analyst's name").fill('Chris');
  await lead.getByRole('button', { name: 'Add analyst' }).click();
  const chrisLink = await lead.getByLabel(/Send Chris this link/).inputValue();
  assert.match(chrisLink, /\/workshop\/demo\/coding\?token=[0-9a-f]{48}$/);
  assert.deepEqual(await axeViolations(lead), [], 'the lead\'s analysis page');

  // Asha codes blind.
  const asha = await page(env.browser);
  await gotoPage(asha, `${base}/workshop/demo/coding?token=${links.analysts.Asha}`);
  await asha.getByText('You are coding as Asha.').waitFor();
  await asha.getByText('You have coded 0 of 4 cards.').waitFor();
  await card(asha, PURPOSE).getByLabel('Being heard').check();
  await card(asha, PURPOSE).getByText('Your codes: Being heard').waitFor();
  await card(asha, HOW).getByLabel('Learning together').check();
  await card(asha, HOW).getByText('Your codes: Learning together').waitFor();
  await asha.getByText('You have coded 2 of 4 cards.').waitFor();
  // Nothing names the other analysts while coding is blind.
  assert.equal(await asha.getByText(/\bBen\b/).count(), 0);
  assert.equal(await asha.getByRole('heading', { name: 'Agreement' }).count(), 0);
  assert.deepEqual(await axeViolations(asha), [], 'an analyst\'s page');

  // Ben codes the same cards, partly differently; his page shows nothing of Asha's.
  const ben = await page(env.browser);
  await gotoPage(ben, `${base}/workshop/demo/coding?token=${links.analysts.Ben}`);
  await ben.getByText('You are coding as Ben.').waitFor();
  assert.equal(await card(ben, PURPOSE).getByLabel('Being heard').isChecked(), false);
  await card(ben, PURPOSE).getByLabel('Being heard').check();
  await card(ben, PURPOSE).getByText('Your codes: Being heard').waitFor();
  await card(ben, PURPOSE).getByLabel('Time and continuity').check();
  await card(ben, PURPOSE).getByText('Your codes: Being heard, Time and continuity').waitFor();
  await card(ben, HOW).getByRole('button', { name: 'No code applies' }).click();
  await card(ben, HOW).getByText('Your codes: no code applies').waitFor();
  assert.equal(await ben.getByText(/\bAsha\b/).count(), 0);

  // Asha's coding is kept.
  await reloadPage(asha);
  assert.equal(await card(asha, PURPOSE).getByLabel('Being heard').isChecked(), true);
  assert.equal(await card(asha, HOW).getByLabel('Learning together').isChecked(), true);

  // The lead follows progress and agreement, then closes coding to compare.
  await reloadPage(lead);
  await lead.getByText('Asha · 2 of 4 cards coded').waitFor();
  await lead.getByText('Ben · 2 of 4 cards coded').waitFor();
  await lead.getByRole('table', { name: 'Agreement per code' }).waitFor();
  await lead.getByRole('heading', { name: 'Disagreements (2)' }).waitFor();
  await lead.getByRole('button', { name: 'Close coding and compare' }).click();
  await lead.getByText('Coding closed: the codings are compared.').waitFor();
  await lead.getByRole('button', { name: 'Open coding again' }).waitFor();

  // Everyone now reads each other's coding and the agreement; nobody codes any more.
  await reloadPage(asha);
  await asha.getByText(/Coding is closed and the codings are compared/).waitFor();
  await card(asha, PURPOSE).getByText('The analysts disagree on this card.').waitFor();
  await card(asha, PURPOSE).getByText('Ben: Being heard, Time and continuity').waitFor();
  assert.equal(await asha.locator('li.coding-card input[type=checkbox]').count(), 0);
  await asha.getByRole('table', { name: 'Agreement per code' }).waitFor();
  await asha.getByLabel('Only cards the analysts disagree on').check();
  assert.equal(await asha.locator('li.coding-card').count(), 2);

  // The lead records the agreed codes, starting from what both gave.
  await reloadPage(lead);
  const agreed = card(lead, PURPOSE).getByRole('group', { name: /^Agreed codes for/ });
  assert.equal(await agreed.getByLabel('Being heard').isChecked(), true);
  assert.equal(await agreed.getByLabel('Time and continuity').isChecked(), false);
  await agreed.getByLabel('Time and continuity').check();
  await agreed.getByRole('button', { name: 'Record agreed codes' }).click();
  await lead.getByText('Agreed codes recorded.').waitFor();
  await card(lead, PURPOSE).getByText('Agreed: Being heard, Time and continuity').waitFor();
  assert.deepEqual(await axeViolations(lead), [], 'the lead comparing');

  await reloadPage(asha);
  await card(asha, PURPOSE).getByText('Agreed: Being heard, Time and continuity').waitFor();

  // The lead revokes Chris's link: it opens nothing more.
  await lead.getByRole('button', { name: "Revoke Chris's link" }).click();
  await lead.getByText("Chris's link no longer opens anything. Their coding is kept.").waitFor();
  await lead.locator('li[data-analyst]').filter({ hasText: 'Chris' }).getByText('link revoked').waitFor();
  const chris = await page(env.browser);
  await chris.goto(chrisLink);
  await chris.getByRole('heading', { name: 'This link does not work' }).waitFor();

  // An analyst's link opens no board.
  const res = await asha.request.get(`${base}/api/boards/demo-leadership/export.json?token=${links.analysts.Asha}`);
  assert.equal(res.status(), 401);
});
