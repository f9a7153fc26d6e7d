// A stock Yjs client (the JS y-websocket provider, unchanged) joins a board and co-edits
// it with a person in the browser UI. This is the public protocol contract in
// docs/PROTOCOL.md: other tools and scripts talk to boards exactly like this.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import WebSocket from 'ws';
import { createHash, randomBytes } from 'node:crypto';
import { useServerAndBrowser, openBoard } from './harness.mjs';

const env = useServerAndBrowser({ before, after });

const BOARD = 'demo-research';

function until(cond, what, ms = 10000) {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const tick = () => {
      let v;
      try { v = cond(); } catch { v = undefined; }
      if (v) return resolve(v);
      if (Date.now() - t0 > ms) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 25);
    };
    tick();
  });
}

function cardIdWithText(doc, text) {
  for (const [id, card] of doc.getMap('cards').entries()) {
    if (card instanceof Y.Map && card.get('text')?.toString() === text) return id;
  }
  return undefined;
}

/** The pseudonym a seat gives in a workshop (docs/PROTOCOL.md, "Identity"). */
export function pseudonym(workshop, seat) {
  const h = createHash('sha256').update(`cocreate pseudonym v1\0${workshop}\0${seat}`).digest();
  return `p-${h.subarray(0, 10).toString('hex')}`;
}

/** This script's seat, and the pseudonym it writes as in the demo workshop. */
const SEAT = randomBytes(16).toString('hex');
const ME = pseudonym('demo', SEAT);

/** Join `board`'s workshop as the holder of `seat`, agreeing to its privacy notice as it
 * is now (docs/PROTOCOL.md, "Consent"). */
async function agree(seat, board) {
  const q = `token=${env.server.links.participant}`;
  const notice = await (await fetch(`${env.server.base}/api/boards/${board}/notice?${q}`)).json();
  const res = await fetch(`${env.server.base}/api/boards/${board}/join?${q}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ seat, name: 'A script', role: 'stakeholder', consent: notice.version }),
  });
  assert.equal(res.status, 200, await res.text());
}

/** A stock Yjs client on BOARD, with the participant link and a seat, synced. A
 * participant has agreed to the privacy notice first unless `consent: false`. */
async function connectYjs({ role = 'participant', seat = SEAT, board = BOARD, consent = true } = {}) {
  if (role === 'participant' && consent) await agree(seat, board);
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(env.server.ws, board, doc, {
    WebSocketPolyfill: WebSocket,
    disableBc: true,
    params: { token: env.server.links[role], seat },
  });
  const denied = [];
  // y-websocket reports a permission-denied message through this hook.
  provider.on('status', () => {});
  const warn = console.warn;
  console.warn = (...args) => {
    if (String(args[0]).startsWith('Permission denied')) denied.push(String(args[0]));
    else warn(...args);
  };
  const close = () => {
    console.warn = warn;
    provider.destroy(); provider.awareness.destroy(); doc.destroy();
  };
  try {
    await until(() => provider.synced, 'the Yjs client to sync');
  } catch (e) {
    close();
    throw e;
  }
  return { doc, close, denied, provider };
}

/** Add a card the way the board's schema has it (docs/PROTOCOL.md). */
function addYjsCard(doc, id, prompt, text, pos) {
  doc.transact(() => {
    const card = new Y.Map();
    doc.getMap('cards').set(id, card);
    card.set('prompt', prompt);
    card.set('text', new Y.Text(text));
    card.set('author', ME); // no role: the roster has it (docs/PROTOCOL.md)
    card.set('created', Date.now());
    card.set('pos', pos);
  });
}

test('a stock Yjs y-websocket client and the browser UI co-edit one board', async () => {
  const { doc, close } = await connectYjs();
  try {
    assert.equal(doc.getMap('meta').get('schema'), 3);
    assert.equal(doc.getMap('meta').get('pillar'), 'Research and innovation');

    const page = await openBoard(env.browser, env.server, BOARD);

    // The browser adds a card; the Yjs client sees it with the schema's fields.
    await page.getByRole('button', { name: 'Add a card to How' }).click();
    await page.locator('.column-how textarea.card-text').last().waitFor();
    await page.keyboard.type('Protected research time');
    const id = await until(() => cardIdWithText(doc, 'Protected research time'), 'the browser card');
    const card = doc.getMap('cards').get(id);
    assert.equal(card.get('prompt'), 'how');
    assert.equal(typeof card.get('pos'), 'string');
    assert.equal(typeof card.get('created'), 'number');

    // The Yjs client edits the browser's card text: the browser shows it.
    card.get('text').insert(0, 'Funded ');
    await page.waitForFunction(
      (cid) => document.querySelector(`textarea[data-card-id="${cid}"]`)?.value === 'Funded Protected research time',
      id, { timeout: 10000 },
    );

    // The Yjs client adds its own card in Values; the browser shows it in that column.
    addYjsCard(doc, 'js-card-1', 'values', 'Curiosity', 'V');
    await page.locator('.column-values textarea[data-card-id="js-card-1"]').waitFor({ timeout: 10000 });
    assert.equal(await page.locator('textarea[data-card-id="js-card-1"]').inputValue(), 'Curiosity');

    // The browser types into it; the Yjs client sees the keystrokes.
    await page.locator('textarea[data-card-id="js-card-1"]').click();
    await page.keyboard.press('End');
    await page.keyboard.type(' and courage');
    await until(
      () => doc.getMap('cards').get('js-card-1')?.get('text').toString() === 'Curiosity and courage',
      'the browser edit on the Yjs card',
    );
    await page.context().close();
  } finally {
    close();
  }
});

test('a burst of remote keystrokes shows in full while the browser user types', async () => {
  const { doc, close } = await connectYjs();
  try {
    const page = await openBoard(env.browser, env.server, BOARD);
    addYjsCard(doc, 'js-burst', 'purpose', '', 'Z');
    await page.locator('textarea[data-card-id="js-burst"]').waitFor({ timeout: 10000 });

    // The browser user starts a card of their own.
    await page.getByRole('button', { name: 'Add a card to Enablers' }).click();
    const mine = page.locator('.column-enablers textarea.card-text').last();
    await mine.waitFor();

    // 300 keystrokes from the script, one update each, sent as fast as it can, while the
    // browser user types: the page reads the board once per frame, not once per update.
    const text = doc.getMap('cards').get('js-burst').get('text');
    const words = 'many hands make light work '.repeat(12).slice(0, 300);
    const typing = mine.pressSequentially('Shared records', { delay: 20 });
    for (const ch of words) {
      text.insert(text.length, ch);
      if (text.length % 25 === 0) await new Promise((r) => setTimeout(r, 0));
    }
    await typing;
    await page.waitForFunction(
      (want) => document.querySelector('textarea[data-card-id="js-burst"]')?.value === want,
      words, { timeout: 15000 },
    );
    assert.equal(await mine.inputValue(), 'Shared records');
    await until(() => {
      for (const [, card] of doc.getMap('cards').entries()) {
        if (card instanceof Y.Map && card.get('text')?.toString() === 'Shared records') return true;
      }
      return false;
    }, 'the browser user\'s card at the Yjs client');
    await page.context().close();
  } finally {
    close();
  }
});

test('the server holds a stock Yjs client to the rules: no forged authors, no deleting others\' cards, no unhiding', async () => {
  const board = 'demo-leadership'; // the board with starter cards
  const f = await connectYjs({ role: 'facilitator', board });
  try {
    const { doc, close, denied } = await connectYjs({ seat: randomBytes(16).toString('hex'), board });
    try {
      const cards = doc.getMap('cards');
      assert.ok(cards.get('seed-0'), 'the participant has the board');
      // Forbidden: refused with a reason, and never reaches anyone else.
      cards.delete('seed-0');
      await until(() => denied.some((d) => d.includes('only your own cards')), 'a refusal of the delete');
      await new Promise((r) => setTimeout(r, 300));
      assert.ok(f.doc.getMap('cards').get('seed-0'), 'the facilitator still has seed-0');
    } finally {
      close();
    }
    // Before agreeing to the privacy notice, a participant writes nothing at all.
    const early = await connectYjs({ seat: randomBytes(16).toString('hex'), board, consent: false });
    try {
      addYjsCard(early.doc, 'before-consent', 'how', 'not yet agreed', 'a');
      await until(() => early.denied.some((d) => d.includes('privacy notice')), 'a refusal before consent');
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(f.doc.getMap('cards').get('before-consent'), undefined, 'nothing reached anyone');
    } finally {
      early.close();
    }
    // A forged author, from a fresh client.
    const other = await connectYjs({ seat: randomBytes(16).toString('hex'), board });
    try {
      const forged = new Y.Map();
      other.doc.transact(() => {
        other.doc.getMap('cards').set('forged', forged);
        forged.set('prompt', 'how');
        forged.set('text', new Y.Text('written as someone else'));
        forged.set('author', ME); // not this client's pseudonym
        forged.set('created', Date.now());
        forged.set('pos', 'a');
      });
      await until(() => other.denied.some((d) => d.includes('cards are added as yourself')), 'a refusal of the forged card');
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(f.doc.getMap('cards').get('forged'), undefined, 'the forged card reached nobody');
    } finally {
      other.close();
    }
    // Hidden by a facilitator: a participant's raw document no longer holds the card.
    const text = f.doc.getMap('cards').get('seed-1').get('text').toString();
    const res = await fetch(`${env.server.base}/api/boards/${board}/cards/seed-1/moderate?token=${env.server.links.facilitator}`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ action: 'hide' }),
    });
    assert.equal(res.status, 204);
    const again = await connectYjs({ board });
    try {
      assert.equal(again.doc.getMap('cards').get('seed-1'), undefined);
      assert.ok(!Buffer.from(Y.encodeStateAsUpdate(again.doc)).toString('utf8').includes(text), 'no trace of its text');
    } finally {
      again.close();
    }
  } finally {
    f.close();
  }
});

test('a stock Yjs client reacts to a card as itself, and a reaction as someone else is refused', async () => {
  const board = 'demo-leadership';
  const f = await connectYjs({ role: 'facilitator', board });
  const seat = randomBytes(16).toString('hex');
  const me = pseudonym('demo', seat);
  try {
    const mine = await connectYjs({ seat, board });
    try {
      mine.doc.transact(() => {
        const per = new Y.Map();
        mine.doc.getMap('reactions').set('seed-0', per);
        per.set(me, 'important');
      });
      await until(() => f.doc.getMap('reactions').get('seed-0')?.get(me) === 'important', 'the reaction to reach the facilitator');
      // Changing one's mind: another reaction, then none.
      mine.doc.getMap('reactions').get('seed-0').set(me, 'agree');
      await until(() => f.doc.getMap('reactions').get('seed-0')?.get(me) === 'agree', 'the changed reaction');
      mine.doc.getMap('reactions').get('seed-0').delete(me);
      await until(() => f.doc.getMap('reactions').get('seed-0')?.get(me) === undefined, 'the reaction taken back');
      assert.deepEqual(mine.denied, []);
    } finally {
      mine.close();
    }
    for (const [what, write] of [
      ['as someone else', (doc) => { const per = new Y.Map(); doc.getMap('reactions').set('seed-1', per); per.set(ME, 'agree'); }],
      ['with a word not in the schema', (doc) => { const per = new Y.Map(); doc.getMap('reactions').set('seed-1', per); per.set(me, '<img src=x>'); }],
      ['to no card', (doc) => { const per = new Y.Map(); doc.getMap('reactions').set('no-such-card', per); per.set(me, 'agree'); }],
    ]) {
      const c = await connectYjs({ seat, board });
      try {
        c.doc.transact(() => write(c.doc));
        await until(() => c.denied.some((d) => d.includes('you react only as yourself')), `a refusal of a reaction ${what}`);
        await new Promise((r) => setTimeout(r, 300));
        assert.equal(f.doc.getMap('reactions').get('seed-1')?.size ?? 0, 0, `nothing of a reaction ${what} reached anyone`);
        assert.equal(f.doc.getMap('reactions').get('no-such-card'), undefined);
      } finally {
        c.close();
      }
    }
  } finally {
    f.close();
  }
});

test('a stock Yjs client comments on a card as itself; others\' comments and forged ones are refused', async () => {
  const board = 'demo-leadership';
  const f = await connectYjs({ role: 'facilitator', board });
  const seat = randomBytes(16).toString('hex');
  const me = pseudonym('demo', seat);
  const thread = (doc, card) => doc.getMap('comments').get(card);
  // A comment is a map of author, text and created, under its id in the card's thread.
  const put = (doc, card, id, author, text) => {
    let t = thread(doc, card);
    if (!t) { t = new Y.Map(); doc.getMap('comments').set(card, t); }
    const c = new Y.Map();
    t.set(id, c);
    c.set('author', author);
    c.set('text', text);
    c.set('created', Date.now());
    return c;
  };
  try {
    const mine = await connectYjs({ seat, board });
    try {
      mine.doc.transact(() => put(mine.doc, 'seed-0', 'yjs-c1', me, '<img src=x onerror=alert(1)> is text'));
      await until(() => thread(f.doc, 'seed-0')?.get('yjs-c1')?.get('text') === '<img src=x onerror=alert(1)> is text', 'the comment to reach the facilitator');
      // Rewriting one's own comment, then deleting it.
      thread(mine.doc, 'seed-0').get('yjs-c1').set('text', 'second thoughts');
      await until(() => thread(f.doc, 'seed-0')?.get('yjs-c1')?.get('text') === 'second thoughts', 'the rewritten comment');
      mine.doc.transact(() => put(mine.doc, 'seed-0', 'yjs-c2', me, 'stays'));
      thread(mine.doc, 'seed-0').delete('yjs-c1');
      await until(() => thread(f.doc, 'seed-0')?.get('yjs-c1') === undefined && thread(f.doc, 'seed-0')?.get('yjs-c2'), 'the comment deleted');
      assert.deepEqual(mine.denied, []);
    } finally {
      mine.close();
    }
    // The facilitator's comment, which a participant may not touch.
    f.doc.transact(() => put(f.doc, 'seed-0', 'fac-c', 'facilitator-someone', 'From the facilitator'));
    for (const [what, write] of [
      ['as someone else', (doc) => put(doc, 'seed-0', 'yjs-x1', ME, 'forged')],
      ['on no card', (doc) => put(doc, 'no-such-card', 'yjs-x2', me, 'hello')],
      ['over 1,000 characters', (doc) => put(doc, 'seed-0', 'yjs-x3', me, 'x'.repeat(1001))],
      ['rewriting another\'s comment', (doc) => thread(doc, 'seed-0').get('fac-c').set('text', 'changed')],
      ['deleting another\'s comment', (doc) => thread(doc, 'seed-0').delete('fac-c')],
      ['with a key comments do not have', (doc) => put(doc, 'seed-0', 'yjs-x4', me, 'hi').set('html', '<b>x</b>')],
    ]) {
      const c = await connectYjs({ seat, board });
      try {
        await until(() => thread(c.doc, 'seed-0')?.get('fac-c'), 'the thread to arrive');
        c.doc.transact(() => write(c.doc));
        await until(() => c.denied.some((d) => d.includes('you comment only as yourself')), `a refusal of a comment ${what}`);
        await new Promise((r) => setTimeout(r, 300));
        const t = thread(f.doc, 'seed-0');
        assert.equal(t.get('fac-c')?.get('text'), 'From the facilitator', `the facilitator's comment is intact after one ${what}`);
        assert.deepEqual([...t.keys()].sort(), ['fac-c', 'yjs-c2'], `nothing of a comment ${what} reached anyone`);
        assert.equal(thread(f.doc, 'no-such-card'), undefined);
      } finally {
        c.close();
      }
    }
    // A facilitator moderates: any comment can be taken away.
    thread(f.doc, 'seed-0').delete('yjs-c2');
    const again = await connectYjs({ seat, board });
    try {
      await until(() => thread(again.doc, 'seed-0')?.get('fac-c') && !thread(again.doc, 'seed-0').get('yjs-c2'), 'the moderated thread');
      thread(f.doc, 'seed-0').delete('fac-c');
    } finally {
      again.close();
    }
  } finally {
    f.close();
  }
});

test('a stock Yjs client reads a board\'s prompts as plain maps, sees them reworded live, and may not reword them', async () => {
  const board = 'demo-leadership';
  const f = await connectYjs({ role: 'facilitator', board });
  const p = await connectYjs({ board });
  const words = (doc) => doc.getMap('meta').get('prompts')?.get('values')?.toJSON();
  try {
    await until(() => words(p.doc)?.title === 'Values', 'the built-in words in the board');
    assert.equal(p.doc.getMap('meta').get('schema'), 3);
    assert.deepEqual(Object.keys(words(p.doc)).sort(), ['easy', 'question', 'symbol', 'title']);
    // The facilitators save a plan with other words: the open board takes them.
    const q = `token=${env.server.links.facilitator}`;
    const plan = (await (await fetch(`${env.server.base}/api/workshops/demo?${q}`)).json()).plan;
    plan.prompts[3] = { prompt: 'values', title: 'What matters', question: 'What matters most to you about this service?', easy: 'What matters to you?', symbol: 'star' };
    const put = await fetch(`${env.server.base}/api/workshops/demo/plan?${q}`, {
      method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(plan),
    });
    assert.equal(put.status, 204, await put.text());
    await until(() => words(p.doc)?.title === 'What matters', 'the new words at the stock client');
    assert.equal(words(p.doc).symbol, 'star');
    // A participant's client writing the prompts is refused, and nobody sees it.
    p.doc.getMap('meta').get('prompts').get('values').set('title', '<b>Mine</b>');
    await until(() => p.denied.length > 0, 'a refusal of rewording');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(words(f.doc).title, 'What matters');
    // The built-in words back, for the tests after this one.
    plan.prompts[3] = { prompt: 'values', title: 'Values', question: 'What other values and beliefs matter to achieving the purpose?', easy: 'What matters to you?', symbol: 'heart' };
    const back = await fetch(`${env.server.base}/api/workshops/demo/plan?${q}`, {
      method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(plan),
    });
    assert.equal(back.status, 204);
    await until(() => words(f.doc)?.title === 'Values', 'the built-in words again');
  } finally {
    p.close();
    f.close();
  }
});

test('a stock Yjs client puts a picture on its own card from the set; on others\' cards or outside the set it is refused', async () => {
  const board = 'demo-leadership';
  const f = await connectYjs({ role: 'facilitator', board });
  const cardOf = (doc, id) => doc.getMap('cards').get(id);
  try {
    const mine = await connectYjs({ board });
    try {
      addYjsCard(mine.doc, 'with-a-picture', 'values', 'Being listened to', 'z');
      cardOf(mine.doc, 'with-a-picture').set('symbol', 'heart');
      await until(() => cardOf(f.doc, 'with-a-picture')?.get('symbol') === 'heart', 'the picture to reach others');
      assert.deepEqual(mine.denied, []);
    } finally {
      mine.close();
    }
    // Each refusal from a fresh connection (a refused change stays in its sender's copy).
    for (const [what, write, reason] of [
      ['on another\'s card', (doc) => cardOf(doc, 'seed-0').set('symbol', 'star'), 'only your own cards'],
      ['outside the set', (doc) => cardOf(doc, 'with-a-picture').set('symbol', '<img src=x onerror=alert(1)>'), "one of the app's symbols"],
      ['not a word', (doc) => cardOf(doc, 'with-a-picture').set('symbol', 7), "one of the app's symbols"],
    ]) {
      const c = await connectYjs({ board });
      try {
        await until(() => cardOf(c.doc, 'with-a-picture'), 'the board to arrive');
        write(c.doc);
        await until(() => c.denied.some((d) => d.includes(reason)), `a refusal of a picture ${what}`);
        await new Promise((r) => setTimeout(r, 300));
        assert.equal(cardOf(f.doc, 'seed-0').get('symbol'), undefined, `after a picture ${what}`);
        assert.equal(cardOf(f.doc, 'with-a-picture').get('symbol'), 'heart', `after a picture ${what}`);
      } finally {
        c.close();
      }
    }
    // Its author takes it away, then the card.
    const again = await connectYjs({ board });
    try {
      await until(() => cardOf(again.doc, 'with-a-picture'), 'the board to arrive');
      cardOf(again.doc, 'with-a-picture').delete('symbol');
      await until(() => cardOf(f.doc, 'with-a-picture')?.get('symbol') === undefined, 'the picture taken away');
      again.doc.getMap('cards').delete('with-a-picture');
      await until(() => cardOf(f.doc, 'with-a-picture') === undefined, 'the card gone again');
    } finally {
      again.close();
    }
  } finally {
    f.close();
  }
});
