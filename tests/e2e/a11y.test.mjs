// axe-core (WCAG 2.0-2.2 A and AA rules) in headless Chromium on every page, in the states
// people see: participant and facilitator board, console, group chooser, history, errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { useServerAndBrowser, openBoard, joinBoard, setPhase, axeViolations, gotoPage } from './harness.mjs';

const env = useServerAndBrowser({ before, after });
const violations = axeViolations;

async function page(path) {
  const context = await env.browser.newContext();
  const p = await context.newPage();
  await p.goto(`${env.server.base}${path}`);
  return p;
}

test('every page has no axe violations', async () => {
  const { links } = env.server;
  const checks = [];

  const home = await page('/');
  await home.getByRole('heading', { name: 'cocreate' }).waitFor();
  checks.push(['home', await violations(home)]);

  // An unknown address has a level-one heading and says what to do.
  const missing = await page('/no-such-page');
  await missing.getByRole('heading', { level: 1, name: 'Page not found' }).waitFor();
  checks.push(['not found', await violations(missing)]);

  // A revoked or mistyped link says so in words, not "token".
  const badLink = await page('/workshop/demo?token=0000');
  await badLink.getByRole('heading', { name: 'This link does not work' }).waitFor();
  assert.doesNotMatch(await badLink.locator('body').innerText(), /token/i);

  const console_ = await page(`/workshop/demo?token=${links.facilitator}`);
  await console_.locator('table.console tbody tr').first().waitFor();
  checks.push(['console', await violations(console_)]);

  const chooser = await page(`/workshop/demo?token=${links.participant}`);
  await chooser.getByRole('heading', { name: 'Choose your breakout group' }).waitFor();
  checks.push(['group chooser', await violations(chooser)]);

  const p = await openBoard(env.browser, env.server, 'demo-leadership', 'participant', { join: false });
  await p.getByText(/^Privacy notice, version \d+$/).waitFor();
  checks.push(['board (participant, joining)', await violations(p)]);
  const f = await openBoard(env.browser, env.server, 'demo-leadership', 'facilitator');
  await f.getByRole('button', { name: 'New theme in Values' }).click();
  await f.getByLabel('Phase').selectOption('vote');
  await p.getByText('You have 3 of 3 votes left').waitFor({ timeout: 10000 });
  checks.push(['board (facilitator, theme, voting)', await violations(f)]);
  checks.push(['board (participant, voting)', await violations(p)]);
  await f.getByRole('button', { name: 'Lock board', exact: true }).click();
  await p.getByText('The facilitator has locked this board').waitFor({ timeout: 10000 });
  checks.push(['board (participant, locked)', await violations(p)]);

  const history = await page(`/board/demo-leadership/history?token=${links.observer}`);
  await history.getByRole('heading', { name: /now/ }).waitFor();
  checks.push(['history', await violations(history)]);

  const bad = await page('/board/demo-leadership?token=nope');
  await bad.getByRole('heading', { name: 'This link does not work' }).waitFor();
  checks.push(['bad link', await violations(bad)]);

  const failures = checks.filter(([, v]) => v.length > 0);
  assert.deepEqual(failures, [], JSON.stringify(failures, null, 2));
});

/** Press Tab until the focused element matches `pred` (evaluated in the page). */
async function tabTo(page, pred, arg, max = 300) {
  for (let i = 0; i < max; i++) {
    if (await page.evaluate(pred, arg)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached the element (${pred})`);
}
const focusedIs = ({ tag, text, id }) => {
  const el = document.activeElement;
  if (!el) return false;
  if (id && el.id !== id) return false;
  if (tag && el.tagName !== tag) return false;
  if (text && !(el.textContent || '').replace(/\s+/g, ' ').includes(text)) return false;
  return true;
};

test('the whole participant flow works with the keyboard alone', async () => {
  const f = await openBoard(env.browser, env.server, 'demo-consultancy', 'facilitator');
  const p = await openBoard(env.browser, env.server, 'demo-consultancy', 'participant', { join: false });

  // Join: name, role, and agreement to the privacy notice.
  await tabTo(p, focusedIs, { id: 'join-name' });
  await p.keyboard.type('Kim');
  await tabTo(p, focusedIs, { id: 'join-role' });
  await p.keyboard.press('ArrowDown'); // Stakeholder -> Educator
  await tabTo(p, focusedIs, { id: 'join-agree' });
  await p.keyboard.press('Space');
  await tabTo(p, focusedIs, { tag: 'BUTTON', text: 'Join the board' });
  await p.keyboard.press('Enter');
  await p.getByText('Kim (you) · Educator').waitFor();

  // Add a card and type into it.
  await tabTo(p, focusedIs, { tag: 'BUTTON', text: 'Add a card to How' });
  await p.keyboard.press('Enter');
  await p.keyboard.type('Step-free venues');
  const id = await p.evaluate(() => document.activeElement.dataset.cardId);
  assert.ok(id, 'the new card has the focus');

  // The facilitator makes a theme and moves the group on to grouping.
  await f.getByRole('button', { name: 'New theme in How' }).click();
  await f.keyboard.type('Access');
  await f.getByLabel('Phase').selectOption('group');

  // Move the card into the theme: open the card's actions, pick the theme.
  await tabTo(p, (cid) => document.activeElement?.closest(`li.card[data-card="${cid}"]`) && document.activeElement.classList.contains('card-menu-toggle'), id);
  await p.keyboard.press('Enter');
  await tabTo(p, focusedIs, { tag: 'BUTTON', text: 'Into theme: Access' });
  await p.keyboard.press('Enter');
  await f.locator(`.column-how .theme li.card[data-card="${id}"]`).waitFor({ timeout: 10000 });

  // Then voting: vote for the card.
  await f.getByLabel('Phase').selectOption('vote');
  await p.getByText('You have 3 of 3 votes left').waitFor({ timeout: 10000 });
  await tabTo(p, (cid) => document.activeElement?.closest(`li.card[data-card="${cid}"]`) && document.activeElement.classList.contains('vote'), id);
  await p.keyboard.press('Space');
  await p.getByText('You have 2 of 3 votes left').waitFor();
  // The facilitator sees how many have voted (never what for) before revealing.
  await f.getByText('1 person has voted').waitFor({ timeout: 15000 });
  // The tally shows once the facilitator reveals the votes.
  await f.getByRole('button', { name: 'Reveal votes' }).click();
  await f.locator(`li.card[data-card="${id}"] .tally`).filter({ hasText: /^1 vote$/ }).waitFor({ timeout: 10000 });
  await p.context().close();
  await f.context().close();
});

test('easy read, polite announcements of others\' changes, and a personal timer', async () => {
  const f = await openBoard(env.browser, env.server, 'demo-expert-practice', 'facilitator');
  const p = await openBoard(env.browser, env.server, 'demo-expert-practice', 'participant', { join: false });

  await p.getByRole('button', { name: 'Easy read' }).click();
  await p.getByText('What matters to you?').waitFor();
  assert.equal(await p.getByRole('button', { name: 'Easy read' }).getAttribute('aria-pressed'), 'true');

  // Someone else adds a card: a polite live region says so, once, without moving focus.
  await p.locator('#join-name').focus();
  await f.getByRole('button', { name: 'Add a card to How' }).click();
  await f.keyboard.type('x');
  await p.getByTestId('announcer').filter({ hasText: 'Someone added a card to How.' }).waitFor({ timeout: 10000 });
  assert.equal(await p.evaluate(() => document.activeElement?.id), 'join-name', 'focus stays put');

  // A timer for everyone; this person gives themself more time, or hides it.
  const consoleCtx = await env.browser.newContext();
  const c = await consoleCtx.newPage();
  await gotoPage(c, `${env.server.base}/workshop/demo?token=${env.server.links.facilitator}`);
  await c.getByLabel('Timer (minutes)').fill('2');
  await c.getByRole('button', { name: 'Start timer for all' }).click();
  await p.getByRole('timer').filter({ hasText: /Time left: [12]:\d\d/ }).waitFor({ timeout: 10000 });
  await p.getByRole('button', { name: '5 more minutes for me' }).click();
  await p.getByRole('timer').filter({ hasText: /Time left: [67]:\d\d/ }).waitFor();
  await f.getByRole('timer').filter({ hasText: /Time left: [12]:\d\d/ }).waitFor();
  await p.getByRole('button', { name: 'Hide the timer' }).click();
  assert.equal(await p.getByRole('timer').count(), 0);
  await c.getByRole('button', { name: 'Stop timer' }).click();
  await consoleCtx.close();
  await p.context().close();
  await f.context().close();
});

test('reading aloud on request, and a person\'s own settings kept across reloads', async () => {
  const board = 'demo-research';
  // The browser's speech synthesis, recorded instead of played (headless has no voices).
  const p = await openBoard(env.browser, env.server, board, 'participant', {
    prepare: (_page, context) => context.addInitScript(() => {
      window.__spoken = [];
      window.speechSynthesis.speak = (u) => window.__spoken.push({ text: u.text, rate: u.rate });
      window.speechSynthesis.cancel = () => {};
    }),
  });
  const spoken = () => p.evaluate(() => window.__spoken);
  await p.waitForTimeout(1000);
  assert.deepEqual(await spoken(), [], 'nothing plays on its own');

  // The question, at the chosen speed.
  await p.getByLabel('Reading speed').selectOption({ label: 'Slow' });
  await p.locator('.column-how').getByRole('button', { name: 'Listen to the question' }).click();
  assert.deepEqual(await spoken(), [{ text: 'How. How can that purpose be achieved?', rate: 0.75 }]);
  // A card read back after writing it.
  await p.getByRole('button', { name: 'Add a card to How' }).click();
  await p.locator('.column-how textarea.card-text').last().waitFor();
  await p.keyboard.type('Pictures on the signs');
  const card = p.locator('.column-how li.card').last();
  await card.getByRole('button', { name: 'Card actions' }).click();
  await card.getByRole('button', { name: 'Read this card aloud' }).click();
  assert.deepEqual((await spoken()).at(-1), { text: 'Pictures on the signs', rate: 0.75 });

  // Easy read, text size, contrast and speed survive a reload.
  await p.getByRole('button', { name: 'Easy read' }).click();
  await p.getByLabel('Text size').selectOption('larger');
  await p.getByRole('button', { name: 'High contrast' }).click();
  await p.waitForFunction(() => document.documentElement.style.fontSize === '150%' && document.documentElement.classList.contains('high-contrast'));
  await p.reload();
  await p.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: 20000 });
  await p.waitForFunction(() => document.documentElement.style.fontSize === '150%' && document.documentElement.classList.contains('high-contrast'));
  assert.equal(await p.getByRole('button', { name: 'Easy read' }).getAttribute('aria-pressed'), 'true');
  assert.equal(await p.getByRole('button', { name: 'High contrast' }).getAttribute('aria-pressed'), 'true');
  assert.equal(await p.getByLabel('Text size').inputValue(), 'larger');
  assert.equal(await p.getByLabel('Reading speed').inputValue(), '0.75');
  assert.deepEqual(await axeViolations(p), [], 'larger text, high contrast, easy read');
  // Back to normal for the tests after this one.
  await p.getByLabel('Text size').selectOption('normal');
  await p.context().close();
});

test('guided mode on a phone: one question a screen, ideas land on the shared board, kept across reloads', async () => {
  const { base, links } = env.server;
  const board = 'demo-research';
  const context = await env.browser.newContext({ viewport: { width: 375, height: 700 }, hasTouch: true });
  const g = await context.newPage();
  g.on('pageerror', (e) => console.error('[page error]', e.message));
  // The facilitator's guided link: the board link with guided=1.
  await g.goto(`${base}/board/${board}?token=${links.participant}&guided=1`);
  await g.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: 20000 });
  await joinBoard(g, { name: 'Gina Guided', role: 'patient' });
  const screen = g.locator('section.guided');
  await screen.getByText('Question 1 of 4').waitFor();
  await screen.getByRole('heading', { name: /Why are we doing this\? What should it change\?/ }).waitFor();
  assert.equal(await g.locator('.columns').count(), 0, 'no columns in guided mode');
  await screen.getByRole('button', { name: 'Listen to the question' }).waitFor();
  await screen.getByLabel('Write your idea').fill('Nurses who know me <b>by name</b>');
  // A picture for the idea, from a small set, each with its word (optional).
  const pictures = screen.getByRole('group', { name: 'Add a picture to your idea (you do not have to)' });
  assert.deepEqual(
    (await pictures.getByRole('radio').evaluateAll((rs) => rs.map((r) => r.labels[0].textContent.trim()))),
    ['Light bulb', 'Heart', 'Star', 'Question mark', 'People', 'Home', 'No picture'],
  );
  await pictures.getByText('Heart').tap();
  assert.ok(await pictures.getByRole('radio', { name: 'Heart' }).isChecked());
  await screen.getByRole('button', { name: 'Add my idea' }).tap();
  await screen.getByText('Your idea is on the board.', { exact: false }).waitFor({ timeout: 10000 });
  await screen.getByRole('button', { name: 'Read my card back' }).waitFor();
  await screen.locator('ul.guided-mine').getByText('Nurses who know me <b>by name</b>').waitFor();
  assert.equal(await screen.locator('ul.guided-mine b').count(), 0, 'text, never HTML');
  // Nothing written: told what to do.
  await screen.getByRole('button', { name: 'Add my idea' }).tap();
  await screen.getByText('Write your idea in the box first.').waitFor();
  await screen.getByRole('button', { name: 'Next question' }).tap();
  await screen.getByText('Question 2 of 4').waitFor();
  await screen.getByRole('heading', { name: /How can we make it happen\?/ }).waitFor();
  const wide = await g.evaluate(() => document.scrollingElement.scrollWidth - window.innerWidth);
  assert.ok(wide <= 0, `no horizontal scrolling (${wide} px too wide)`);
  assert.deepEqual(await axeViolations(g), [], 'guided mode');

  // Another person's board, in columns, has the card under Purpose.
  const f = await openBoard(env.browser, env.server, board, 'facilitator');
  const onBoard = async () => (await f.locator('section.column-purpose textarea').evaluateAll((ts) => ts.map((t) => t.value)))
    .includes('Nurses who know me <b>by name</b>');
  for (let t = 0; !(await onBoard()); t++) {
    assert.ok(t < 100, 'the guided idea is a card on the shared board');
    await new Promise((r) => setTimeout(r, 100));
  }
  // With its picture and the picture's word.
  await f.locator('section.column-purpose li.card .card-symbol').filter({ hasText: 'Heart' }).waitFor({ timeout: 10000 });

  // Kept on this device: a reload without guided=1 opens in guided mode again.
  await g.goto(`${base}/board/${board}?token=${links.participant}`);
  await g.locator('section.guided').getByText('Question 1 of 4').waitFor({ timeout: 20000 });
  for (let i = 0; i < 4; i++) await g.locator('section.guided').getByRole('button', { name: /Next question|Finish/ }).tap();
  await g.getByRole('heading', { name: 'Thank you' }).waitFor();
  await g.getByRole('button', { name: 'See the whole board' }).tap();
  await g.locator('.columns').waitFor();
  await f.context().close();
  await context.close();
});

/** Chromium's accessibility tree of `page` (CDP), as {role, name, props, live} nodes. */
async function axTree(page) {
  const cdp = await page.context().newCDPSession(page);
  const { nodes } = await cdp.send('Accessibility.getFullAXTree');
  await cdp.detach();
  const byId = new Map(nodes.map((n) => [n.nodeId, n]));
  const node = (n) => ({
    role: n.role?.value,
    name: n.name?.value ?? '',
    props: Object.fromEntries((n.properties || []).map((p) => [p.name, p.value?.value])),
    // The nearest ancestor that is a live region (what a screen reader announces from).
    liveRegion: () => {
      for (let a = byId.get(n.parentId); a; a = byId.get(a.parentId)) {
        const live = (a.properties || []).find((p) => p.name === 'live');
        if (live) return node(a);
      }
      return null;
    },
  });
  return nodes.filter((n) => !n.ignored).map(node);
}

/** The one node of `role` whose name matches `name` (a string is matched whole). */
function axNode(tree, role, name) {
  const hits = tree.filter((n) => n.role === role && (typeof name === 'string' ? n.name === name : name.test(n.name)));
  assert.ok(hits.length >= 1, `a ${role} named ${name} in the accessibility tree; ${role}s there: ${JSON.stringify(tree.filter((n) => n.role === role).map((n) => n.name).slice(0, 40))}`);
  return hits[0];
}

test('what a screen reader is given (Chromium\'s accessibility tree): the board, others\' changes, guided mode and the console', async () => {
  const board = 'demo-leadership';
  const p = await openBoard(env.browser, env.server, board, 'participant', { name: 'Sam Reader' });
  await p.locator('li.card').first().waitFor();
  let tree = await axTree(p);
  axNode(tree, 'heading', 'Purpose');
  assert.equal(axNode(tree, 'heading', 'Purpose').props.level, 2);
  axNode(tree, 'button', /^\+ Add a card to Purpose$/);
  axNode(tree, 'button', /^\+ New theme in Values$/);
  assert.equal(axNode(tree, 'button', 'Easy read').props.pressed, 'false');
  axNode(tree, 'combobox', 'Text size');
  // Each card: its text field named, its actions button named.
  axNode(tree, 'textbox', /Card text/);
  axNode(tree, 'button', /^Card actions/);
  await p.getByRole('button', { name: 'Easy read' }).click();
  await p.getByRole('button', { name: 'Easy read', pressed: true }).waitFor();
  tree = await axTree(p);
  assert.equal(axNode(tree, 'button', 'Easy read').props.pressed, 'true');

  // Someone else's change reaches the polite live region, in words.
  const f = await openBoard(env.browser, env.server, board, 'facilitator');
  await f.getByRole('button', { name: 'Add a card to Values' }).click();
  await f.keyboard.type('y');
  await p.getByTestId('announcer').filter({ hasText: 'Someone added a card to Values.' }).waitFor({ timeout: 10000 });
  tree = await axTree(p);
  const said = tree.filter((n) => n.role === 'StaticText' && n.name.includes('Someone added a card to Values.'));
  assert.equal(said.length, 1, 'the change is read out in words, once');
  const region = said[0].liveRegion();
  assert.ok(region, 'the words sit in a live region');
  assert.equal(region.props.live, 'polite', 'politely, never interrupting');
  assert.equal(region.props.atomic, true, 'read as one sentence');

  // Guided mode.
  await p.getByRole('button', { name: 'One question at a time' }).click();
  await p.locator('section.guided').waitFor();
  tree = await axTree(p);
  assert.equal(axNode(tree, 'button', 'One question at a time').props.pressed, 'true');
  axNode(tree, 'heading', /What should it change\?/);
  axNode(tree, 'textbox', 'Write your idea');
  axNode(tree, 'button', 'Add my idea');
  axNode(tree, 'button', 'Listen to the question');
  assert.equal(axNode(tree, 'button', 'Back').props.disabled, true, 'no going back from the first question');
  axNode(tree, 'button', 'Next question');
  await p.getByRole('button', { name: 'One question at a time' }).click();

  // The console: groups as a table with row headers, every control named.
  const c = await f.context().newPage();
  await gotoPage(c, `${env.server.base}/workshop/demo?token=${env.server.links.facilitator}`);
  await c.locator('table.console tbody tr').first().waitFor();
  tree = await axTree(c);
  axNode(tree, 'table', /Every breakout group/);
  axNode(tree, 'rowheader', /Learning, developing and improving across the system/);
  axNode(tree, 'combobox', /^Phase of Learning, developing/);
  axNode(tree, 'button', /^Next step for Learning, developing/);
  axNode(tree, 'button', 'Next step for all groups');
  axNode(tree, 'button', /^Lock Learning, developing|^Unlock Learning, developing/);
  axNode(tree, 'checkbox', /^Sam Reader \(in Strategic and enabling leadership\)$/);
  await c.close();
  await f.context().close();
  await p.context().close();
});

test('on a phone at 375 px and at 200 % zoom: joining, writing, voting and guided mode by touch, never sideways', async () => {
  const { base, links } = env.server;
  const board = 'demo-consultancy';
  await setPhase(env.server, board, 'write'); // an earlier test leaves it voting
  // Words a card must wrap and show as text: a long word, emoji, right-to-left, HTML.
  const nasty = 'Pneumonoultramicroscopicsilicovolcanoconiosis-and-then-some-more 👩🏽‍⚕️🤝🏿 رعاية أفضل <b>bold?</b>';
  // 200 % zoom on a 375 px phone lays the page out 187.5 CSS px wide.
  const shapes = [['375 px', { width: 375, height: 740 }, 2], ['200 % zoom', { width: 188, height: 370 }, 4]];
  for (const [shape, viewport, deviceScaleFactor] of shapes) {
    const context = await env.browser.newContext({ viewport, deviceScaleFactor, hasTouch: true, isMobile: true });
    const p = await context.newPage();
    p.on('pageerror', (e) => console.error('[page error]', e.message));
    const sideways = async (when) => {
      const wide = await p.evaluate(() => document.scrollingElement.scrollWidth - window.innerWidth);
      assert.ok(wide <= 0, `${shape}, ${when}: ${wide} px wider than the screen`);
    };
    await p.goto(`${base}/board/${board}?token=${links.participant}`);
    await p.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: 20000 });
    await sideways('joining');
    // Joining by touch.
    await p.getByLabel('Your name', { exact: true }).first().fill(`Phone ${shape}`);
    await p.getByLabel('You are taking part as').selectOption('patient');
    await p.getByLabel('I have read this and I agree to take part').tap();
    await p.getByRole('button', { name: 'Join the board' }).tap();
    await p.locator('form.join').waitFor({ state: 'detached' });
    await sideways('joined');
    // Writing: a card with words that must wrap.
    await p.getByRole('button', { name: 'Add a card to Purpose' }).tap();
    await p.locator('.column-purpose textarea.card-text').last().waitFor();
    await p.keyboard.insertText(nasty);
    const id = await p.locator('.column-purpose li.card').last().getAttribute('data-card');
    const mine = p.locator(`li.card[data-card="${id}"]`);
    assert.equal(await mine.locator('textarea').inputValue(), nasty);
    assert.equal(await p.locator('.column-purpose li.card b').count(), 0, 'text, never HTML');
    await sideways('with a long card');
    // Voting by touch.
    await setPhase(env.server, board, 'vote');
    await p.getByText('You have 3 of 3 votes left').waitFor({ timeout: 10000 });
    await mine.getByRole('button', { name: /Add my vote/ }).tap();
    await p.getByText('You have 2 of 3 votes left').waitFor({ timeout: 10000 });
    await sideways('voting');
    await mine.getByRole('button', { name: /Take back my vote/ }).tap();
    await p.getByText('You have 3 of 3 votes left').waitFor({ timeout: 10000 });
    await setPhase(env.server, board, 'write');
    // Guided mode by touch.
    await p.getByRole('button', { name: 'One question at a time' }).tap();
    const screen = p.locator('section.guided');
    await screen.getByText('Question 1 of 4').waitFor();
    await screen.locator('ul.guided-mine li').filter({ hasText: 'رعاية أفضل' }).waitFor();
    await sideways('guided mode');
    await screen.getByRole('button', { name: 'Next question' }).tap();
    await screen.getByText('Question 2 of 4').waitFor();
    await sideways('guided mode, question 2');
    await p.getByRole('button', { name: 'One question at a time' }).tap();
    await p.locator('.columns').waitFor();
    // The board's history page shows the card as text, wrapped, too.
    await gotoPage(p, `${base}/board/${board}/history?token=${links.facilitator}`);
    await p.getByText('رعاية أفضل', { exact: false }).first().waitFor({ timeout: 20000 });
    assert.equal(await p.locator('main b').filter({ hasText: 'bold?' }).count(), 0, 'history: text, never HTML');
    await sideways('history');
    // Delete the card again (as its author) so each shape starts alike.
    await p.goto(`${base}/board/${board}?token=${links.participant}`);
    await p.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: 20000 });
    await p.locator(`li.card[data-card="${id}"]`).getByRole('button', { name: 'Card actions' }).tap();
    await p.locator(`li.card[data-card="${id}"]`).getByRole('button', { name: 'Delete card' }).tap();
    await context.close();
  }
});
