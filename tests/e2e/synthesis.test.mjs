// After the workshops: a facilitator builds a synthesis board from three areas' boards (one
// at a snapshot), themes it, reads the commonality across areas, publishes it as a draft;
// a professional body's respondent answers (and cannot see results); the facilitator
// reads tallies and comments, and records the agreement round's decision. axe on each page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { useServerAndBrowser, axeViolations, countSettles, gotoPage, reloadPage } from './harness.mjs';

const env = useServerAndBrowser({ before, after });

const THEME = /^Theme \d+ \(Enablers\): Protected time$/;
const card = (page, id) => page.locator(`li.card[data-card="${id}"]`);
async function moveCard(page, id, to) {
  await card(page, id).getByRole('button', { name: 'Card actions' }).click();
  await card(page, id).getByRole('button', { name: to }).click();
}

test('synthesis board with provenance, commonality, consultation and agreement', async () => {
  const { base, links } = env.server;
  const S = links.workshops['demo-synthesis'];
  const cancer = links.workshops['demo-cancer'];
  assert.ok(S && cancer, 'the demo links name the synthesis and cancer workshops');

  // The cancer board is taken at a snapshot.
  const ctx = await env.browser.newContext();
  const f = await ctx.newPage();
  f.on('pageerror', (e) => console.error('[page error]', e.message));
  const snap = await f.request.post(`${base}/api/boards/demo-cancer-leadership/snapshots?token=${cancer}`, {
    data: { name: 'Before synthesis' },
  });
  assert.equal(snap.status(), 201);
  const snapId = (await snap.json()).id;

  // The organising team builds the synthesis board from the console (reading other
  // workshops' boards is theirs, not a workshop facilitator's).
  await gotoPage(f, `${base}/workshop/demo-synthesis?token=${links.organiser}`);
  await f.getByRole('heading', { name: 'Synthesis and consultation' }).waitFor();
  await f.getByText('Build a synthesis board from other boards').click();
  // One button ticks the pillar's board in every area.
  await f.getByLabel('Pillar', { exact: true }).selectOption('Strategic and enabling leadership');
  await f.getByRole('button', { name: "Choose this pillar's board in every area" }).click();
  assert.equal(await countSettles(f.locator('li[data-source] input[type=checkbox]:checked'), 3), 3);
  for (const id of ['demo-leadership', 'demo-cancer-leadership', 'demo-msk-leadership']) {
    assert.equal(await f.locator(`li[data-source="${id}"] input[type=checkbox]`).isChecked(), true, id);
  }
  await f.getByLabel('Version of Demo workshop: Cancer Care · Strategic and enabling leadership')
    .selectOption(String(snapId));
  assert.deepEqual(await axeViolations(f), [], 'console with the synthesis form');
  await f.getByRole('button', { name: 'Create synthesis board' }).click();
  await f.getByText('Synthesis board “Synthesis: Strategic and enabling leadership” created.').waitFor();
  await f.getByRole('link', { name: 'Synthesis: Strategic and enabling leadership' }).click();
  await f.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: 20000 });

  // Every copied card says where it came from.
  await card(f, 'demo-msk-leadership~seed-1').getByText('From Musculoskeletal (MSK) · Strategic and enabling leadership').waitFor();
  await card(f, `demo-cancer-leadership@${snapId}~seed-2`).getByText(/From Cancer Care · .* · snapshot “Before synthesis”/).waitFor();
  assert.equal(
    await card(f, 'demo-leadership~seed-3').locator('textarea').inputValue(),
    'Nothing about us without us',
  );

  // Theme the three areas' "protected time" cards together.
  await f.getByRole('button', { name: 'New theme in Enablers' }).click();
  await f.keyboard.type('Protected time');
  await f.waitForFunction(() => [...document.querySelectorAll('.column-enablers textarea.theme-title')].some((i) => i.value === 'Protected time'));
  for (const id of ['demo-leadership~seed-2', `demo-cancer-leadership@${snapId}~seed-2`, 'demo-msk-leadership~seed-1']) {
    await moveCard(f, id, 'Into theme: Protected time');
    await f.locator(`.column-enablers .theme li.card[data-card="${id}"]`).waitFor({ timeout: 10000 });
  }
  const boardUrl = f.url();
  await f.waitForTimeout(400);

  // The outline shows the commonality across areas (linked from the synthesis board).
  await f.getByRole('link', { name: 'What is common across areas' }).click();
  await f.getByRole('heading', { name: 'Commonality across areas' }).waitFor();
  const row = f.locator('.commonality tr').filter({ hasText: 'Protected time' });
  await row.getByText('Common to all areas').waitFor();
  assert.deepEqual(await row.locator('td.num').allInnerTexts(), ['1', '1', '1']);
  // Cards not yet in a theme are no finding, however many areas they come from.
  const unthemed = f.locator('.commonality tr').filter({ hasText: 'Purpose: not yet in a theme' });
  await unthemed.getByText('Not yet in a theme', { exact: true }).waitFor();
  assert.equal(await unthemed.getByText('Common to all areas').count(), 0);
  assert.match(await f.locator('.commonality > p').first().innerText(), /^1 common to all areas/);
  assert.deepEqual(await axeViolations(f), [], 'outline with commonality');
  const csvHref = await f.getByRole('link', { name: 'Spreadsheet (CSV)' }).getAttribute('href');
  const csv = await (await f.request.get(`${base}${csvHref}`)).text();
  assert.match(csv, /Protected time to learn from peers,0,Clinician,[^,]*,[^,]+,demo-msk-leadership~seed-1,Demo workshop: Musculoskeletal \(MSK\),Musculoskeletal \(MSK\),Strategic and enabling leadership/);
  assert.match(csv, /,Before synthesis,,\r\n/);
  const boardId = new URL(boardUrl).pathname.split('/').pop();

  // More sources later: the live cancer board's cards onto the existing synthesis board.
  await gotoPage(f, `${base}/workshop/demo-synthesis?token=${links.organiser}`);
  await f.getByText('Build a synthesis board from other boards').click();
  await f.locator('li[data-source="demo-cancer-leadership"] input[type=checkbox]').check();
  await f.getByLabel('Copy the cards onto').selectOption(boardId);
  await f.getByRole('button', { name: 'Create synthesis board' }).click();
  await f.getByText('3 cards added.').waitFor();
  const after = await (await f.request.get(`${base}/api/boards/${boardId}/export.json?token=${S}`)).json();
  assert.equal(after.cards.filter((c) => c.source?.board === 'demo-cancer-leadership' && c.source.snapshot === undefined).length, 3);

  // Publish the synthesis board as a draft for consultation.
  await gotoPage(f, `${base}/workshop/demo-synthesis?token=${S}`);
  await f.getByText('Publish a draft for consultation or agreement').click();
  await f.locator('#pub-board').selectOption(boardId);
  await f.locator('#pub-title').fill('Draft development framework');
  await f.getByRole('button', { name: 'Publish draft' }).click();
  await f.getByText(/Draft “Draft development framework” published with \d+ items\./).waitFor();
  const link = await f.getByLabel("Respondents' link").inputValue();
  assert.match(link, /\/consult\/[^?]+\?token=[0-9a-f]+$/);

  // A respondent from a professional body answers.
  const rctx = await env.browser.newContext();
  const r = await rctx.newPage();
  r.on('pageerror', (e) => console.error('[page error]', e.message));
  await gotoPage(r, link);
  await r.getByRole('heading', { name: 'Draft development framework' }).waitFor();
  await r.waitForLoadState('networkidle');
  assert.deepEqual(await axeViolations(r), [], 'respondent page');
  await r.getByLabel('Your name').fill('Dr Ada');
  await r.getByLabel('Professional body or group (optional)').fill('College of <Practitioners>');
  const item = r.locator('fieldset.item').filter({ has: r.locator('legend', { hasText: THEME }) });
  await item.getByText('Protected time to learn from peers').waitFor();
  await item.getByLabel('Agree', { exact: true }).check();
  await item.getByLabel('Comment (optional)').fill('Yes: <b>protected</b> time matters');
  await r.getByRole('button', { name: 'Send my answers' }).click();
  await r.getByText('Thank you: your answers are recorded.', { exact: false }).waitFor();
  // The discussion under the item: a reply, shown as text with who wrote it.
  const n = (await item.locator('legend').innerText()).match(/^Theme (\d+)/)[1];
  const talk = r.locator('section.discussion').filter({ has: r.getByRole('heading', { name: `Discussion of item ${n}: no replies yet` }) });
  await talk.getByLabel(`Reply to the discussion of item ${n}`).fill('<i>Ring-fenced</i> time, please');
  await talk.getByRole('button', { name: `Post reply to item ${n}` }).click();
  await r.getByText(`Your reply under item ${n} is posted.`).waitFor();
  const talked = r.locator('section.discussion').filter({ has: r.getByRole('heading', { name: `Discussion of item ${n}: 1 reply` }) });
  await talked.getByText('<i>Ring-fenced</i> time, please').waitFor();
  await talked.getByText('Dr Ada, College of <Practitioners>').waitFor();
  assert.equal(await r.locator('section.discussion i').count(), 0, 'replies are text, never HTML');
  assert.deepEqual(await axeViolations(r), [], 'respondent page with a discussion');
  // Coming back, the answers are there to revise.
  await reloadPage(r);
  await r.getByText('Your earlier answers are filled in', { exact: false }).waitFor();
  assert.equal(await r.locator('fieldset.item').filter({ has: r.locator('legend', { hasText: THEME }) }).getByLabel('Agree', { exact: true }).isChecked(), true);
  // The respondents' link shows no results and opens no board.
  const consultId = new URL(link).pathname.split('/').pop();
  const rtoken = new URL(link).searchParams.get('token');
  await gotoPage(r, `${base}/consult/${consultId}/results?token=${rtoken}`);
  await r.getByRole('heading', { name: 'This link does not work' }).waitFor();
  await r.goto(`${base}/board/${boardId}?token=${rtoken}`);
  await r.getByRole('heading', { name: 'This link does not work' }).waitFor();
  await rctx.close();

  // The facilitator reads the results from the console.
  await gotoPage(f, `${base}/workshop/demo-synthesis?token=${S}`);
  await f.getByRole('link', { name: 'Draft development framework' }).click();
  await f.getByRole('heading', { name: 'Results: Draft development framework' }).waitFor();
  const res = f.locator('section.item-result').filter({ has: f.locator('h2', { hasText: THEME }) });
  await res.getByText('Agree 1 · Disagree 0 · Not sure 0').waitFor();
  await res.getByText('Yes: <b>protected</b> time matters').waitFor();
  await res.locator('ul.comments').getByText('Dr Ada, College of <Practitioners>').waitFor();
  assert.equal(await f.locator('section.item-result b').count(), 0, 'comments are text, never HTML');
  assert.deepEqual(await axeViolations(f), [], 'results page');
  // The facilitator answers in the discussion, and hides the respondent's reply.
  await res.getByText('<i>Ring-fenced</i> time, please').waitFor();
  const box = res.getByLabel(/Reply to the discussion of item \d+/);
  await box.fill('Thank you: noted for the next draft.');
  await res.getByRole('button', { name: /Post reply to item \d+/ }).click();
  await res.getByRole('heading', { name: /Discussion of item \d+: 2 replies/ }).waitFor();
  await res.getByText('Thank you: noted for the next draft.').waitFor();
  await res.getByRole('button', { name: /Hide this reply to item \d+/ }).first().click();
  await f.getByText('Reply hidden from respondents.').waitFor();
  await res.getByText('hidden from respondents', { exact: false }).first().waitFor();
  const seen = await (await f.request.get(`${base}/api/consultations/${consultId}/replies?token=${rtoken}`)).json();
  assert.deepEqual(seen.map((x) => x.text), ['Thank you: noted for the next draft.'], 'respondents no longer see the hidden reply');
  const dcsvHref = await f.getByRole('link', { name: 'Discussion (CSV)' }).getAttribute('href');
  const dcsv = await (await f.request.get(`${base}${dcsvHref}`)).text();
  assert.match(dcsv, /Dr Ada,College of <Practitioners>,,"<i>Ring-fenced<\/i> time, please",yes,/);
  assert.match(dcsv, /Facilitator,,yes,Thank you: noted for the next draft\.,,/);
  const rcsvHref = await f.getByRole('link', { name: 'All responses (CSV)' }).getAttribute('href');
  const rcsv = await (await f.request.get(`${base}${rcsvHref}`)).text();
  assert.match(rcsv, /Dr Ada,College of <Practitioners>,agree,Yes: <b>protected<\/b> time matters/);

  // The agreement round, on a snapshot of the synthesis board: decisions per item.
  const s2 = await f.request.post(`${base}/api/boards/${boardId}/snapshots?token=${S}`, { data: { name: 'For agreement' } });
  assert.equal(s2.status(), 201);
  const agreedSnap = (await s2.json()).id;
  await gotoPage(f, `${base}/workshop/demo-synthesis?token=${S}`);
  await f.getByText('Publish a draft for consultation or agreement').click();
  await f.locator('#pub-board').selectOption(boardId);
  await f.locator('#pub-at option', { hasText: 'For agreement' }).waitFor({ state: 'attached' });
  await f.locator('#pub-at').selectOption(String(agreedSnap));
  await f.getByLabel('Round').selectOption('agreement');
  await f.locator('#pub-title').fill('Engagement group agreement');
  await f.getByRole('button', { name: 'Publish draft' }).click();
  await f.getByText(/Draft “Engagement group agreement” published/).waitFor();
  await f.getByRole('link', { name: 'Engagement group agreement' }).click();
  const a = f.locator('section.item-result').filter({ has: f.locator('h2', { hasText: THEME }) });
  // Undecided until someone chooses: recording without a choice records nothing.
  await a.getByText('Decision: undecided').waitFor();
  assert.equal(await a.getByLabel('Decision').inputValue(), '');
  await a.getByRole('button', { name: /Record decision/ }).click();
  await f.getByText('Choose a decision first.').waitFor();
  await a.getByLabel('Decision').selectOption('amended');
  await a.getByLabel('Note').fill('Name peer learning explicitly');
  await a.getByRole('button', { name: /Record decision/ }).click();
  await a.getByText('Decision: Agreed with changes — Name peer learning explicitly').waitFor();
  // And back to the console from the results.
  await f.getByRole('link', { name: 'Back to the workshop console' }).click();
  await f.waitForURL(/\/workshop\/demo-synthesis\?token=/);
  const rounds = await (await f.request.get(`${base}/api/workshops/demo-synthesis/consultations?token=${S}`)).json();
  assert.equal(rounds.find((r) => r.consultation.title === 'Engagement group agreement').consultation.snapshot, agreedSnap);
  await ctx.close();
});
