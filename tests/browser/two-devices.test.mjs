// End-to-end: two partners, each on their own device. The owner's browser (signed in with the
// printed address) starts "agreement-review" for two devices and shows a code and a link; a
// second, separate browser opens only that link — never the owner's address — and takes part
// as partner b. Both walk the whole flow, pause and resume it, and each page follows the other's
// turns through its live stream. A private answer given on one device never reaches the other
// device's page or stream. Debian's headless Chromium, against the real server binary.
//
//   node --test tests/browser/            (from the repository root)

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  apiCall,
  closeBrowser,
  fill,
  launchBrowser,
  open,
  openAnother,
  readArb,
  shot,
} from './support.mjs';

const uiEn = readArb('en', 'ui');
const flowEn = readArb('en', 'agreement-review');

before(launchBrowser);
after(closeBrowser);

// ---- Page helpers -----------------------------------------------------------------------------

/** What one page is asking now (or that it isn't asking anything). */
function asked(page) {
  return page.evaluate(() => {
    const area = document.getElementById('input-area');
    return {
      screen: document.body.dataset.screen,
      idle: document.body.dataset.state === 'idle',
      key: area.dataset.key ?? null,
      step: area.dataset.step ?? null,
      type: area.dataset.type ?? null,
      viewer: area.dataset.viewer ?? null,
      paused: !document.getElementById('pause-panel').hidden,
    };
  });
}

/**
 * Starts recording, inside the page, the raw text of that partner's event stream (as any
 * script on that page could read it), into window.__stream.
 */
async function recordStream(page, id, partner) {
  await page.evaluate(([session, who]) => {
    window.__stream = '';
    const controller = new AbortController();
    window.__stopStream = () => controller.abort();
    fetch(`/api/sessions/${session}/events?partner=${who}`, { signal: controller.signal }).then(async (response) => {
      window.__streamStatus = response.status;
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        window.__stream += decoder.decode(value, { stream: true });
      }
    }).catch(() => {});
  }, [id, partner]);
}

/** The views in a recorded stream. */
function viewsIn(raw) {
  return raw.split('\n\n').map((block) => block.split('\n').filter((line) => line.startsWith('data:'))
    .map((line) => line.slice(5).trimStart()).join('\n')).filter(Boolean).map((data) => JSON.parse(data));
}

/** Everything in a page, hidden parts included: the markup and the values of form controls. */
function wholePage(page) {
  return page.evaluate(() => document.documentElement.outerHTML
    + [...document.querySelectorAll('input, textarea')].map((node) => node.value).join('\n'));
}

/** Remembers whether this page ever shows the hand-off screen (it shouldn't, on two devices). */
function watchScreens(page) {
  return page.evaluate(() => {
    window.__screens = new Set();
    new MutationObserver(() => window.__screens.add(document.body.dataset.screen))
      .observe(document.body, { attributes: true, attributeFilter: ['data-screen'] });
  });
}

// ---- The test ---------------------------------------------------------------------------------

test('two devices: pairing, live turns, pause, and private answers that stay on their own device', async (t) => {
  const { server, page: ana, foreign, problems } = await open(t);
  await ana.waitForSelector('body[data-screen="setup"][data-state="idle"]');

  // ---- Setup on the owner's browser: two devices ------------------------------------------------
  await ana.fill('#name-a', 'Ana');
  await ana.fill('#name-b', 'Ben');
  await ana.check('#colour-a-amber');
  await ana.check('#colour-b-sky');
  await ana.check('#devices-two');
  await ana.check('input[name="flow"][value="agreement-review"]');
  await ana.click('#start-button');

  // The code, large and spaced, and the link; a screen reader hears the digits one by one.
  await ana.waitForSelector('body[data-screen="pair"][data-state="idle"]');
  assert.equal((await ana.textContent('#pair-status')).trim(), fill(uiEn['ui.pair.waiting'], { name: 'Ben' }));
  const firstCode = (await ana.textContent('#pair-code-digits')).trim();
  const firstLink = await ana.inputValue('#pair-link');
  // Asking for a new code replaces the first one.
  await ana.click('#pair-renew');
  await ana.waitForFunction((old) => document.getElementById('pair-code-digits').textContent !== old, firstCode);
  await ana.waitForSelector('body[data-state="idle"]');
  assert.equal((await ana.textContent('#pair-status')).trim(), uiEn['ui.pair.renewed']);
  const code = (await ana.textContent('#pair-code-digits')).trim();
  assert.match(code, /^\d{6}$/, 'a six-digit code');
  assert.equal(await ana.textContent('#pair-code-spoken'), [...code].join(' '));
  const link = await ana.inputValue('#pair-link');
  assert.match(link, new RegExp(`/join\\?code=${code}$`));
  assert.equal((await ana.textContent('#pair-link-label')).trim(), fill(uiEn['ui.pair.link_label'], { name: 'Ben' }));
  assert.equal((await ana.textContent('#pair-title')).trim(), fill(uiEn['ui.pair.title'], { name: 'Ben' }));
  const id = await ana.evaluate(() => /#pair=([^&]+)/.exec(location.hash)[1]);
  const stored = await ana.evaluate((session) => JSON.parse(localStorage.getItem(`tandem.session.${session}`)), id);
  assert.deepEqual(stored, { colours: { a: 'amber', b: 'sky' }, devices: 'two' }, 'colours and devices stay in this browser');
  await shot(ana, 'two-devices-pair.png', { fullPage: true });

  // ---- The second device opens the link, and only the link -------------------------------------
  // The replaced link no longer works: the server's joining page says so and asks for the code.
  const { page: ben, foreign: benForeign, problems: benProblems } = await openAnother(t, server, firstLink,
    { viewport: { width: 360, height: 740 } });
  await ben.waitForSelector('input#code');
  assert.ok((await ben.textContent('body')).trim(), 'a page that explains');
  assert.equal(await apiCall(ben, 'GET', '/api/me').then((r) => r.status), 401, 'not joined with an old code');
  await ben.goto(link);
  await ben.waitForSelector('body[data-screen="chat"][data-state="idle"]');
  assert.deepEqual(await apiCall(ben, 'GET', '/api/me').then((r) => r.body), { role: 'partner', session: id, partner: 'b' });
  // No setup, history, agreement or settings that need the owner: only the conversation and settings.
  const benNav = await ben.$$eval('#site-nav li:not([hidden]) a', (links) => links.map((a) => a.dataset.nav));
  assert.deepEqual(benNav, ['chat', 'settings']);
  const history = await apiCall(ben, 'GET', '/api/sessions');
  assert.equal(history.status, 403);
  assert.equal(history.body.code, 'forbidden-device');
  assert.ok(history.body.detail, 'a localized sentence says why');
  const asA = await apiCall(ben, 'GET', `/api/sessions/${id}?partner=a`);
  assert.equal(asA.status, 403, 'the second device cannot read the other partner’s view');

  // The owner's page notices, and the owner may no longer read or act as Ben.
  await ana.waitForFunction(() => document.getElementById('pair-status').classList.contains('joined'), null,
    { timeout: 10_000 });
  assert.equal((await ana.textContent('#pair-status')).trim(), fill(uiEn['ui.pair.joined'], { name: 'Ben' }));
  assert.ok(await ana.locator('.pair-card').isHidden(), 'the used code goes away');
  const asB = await apiCall(ana, 'GET', `/api/sessions/${id}?partner=b`);
  assert.equal(asB.status, 403);
  assert.equal(asB.body.code, 'partner-on-other-device');
  assert.ok(asB.body.detail, 'a localized sentence says why');
  await ana.click('#pair-continue');
  await ana.waitForSelector('body[data-screen="chat"][data-state="idle"]');
  await watchScreens(ana);
  await watchScreens(ben);
  await recordStream(ana, id, 'a');
  await recordStream(ben, id, 'b');

  // ---- Both walk the flow, each on their own page ---------------------------------------------------
  const plan = {
    // Item order: hold_hands, cuddle, massage, kiss, sleep_close, shower, undressed, guided_touch, sexual_touch, sex.
    list: {
      a: ['yes', 'yes', 'yes', 'yes', 'maybe', 'no', 'no', 'no', 'no', 'yes'],
      b: ['yes', 'yes', 'no', 'yes', 'maybe', 'no', 'no', 'no', 'no', 'no'],
    },
    text: {
      'maybes-talk': { a: 'Going slowly would help me.', b: 'Talking first would help me.' },
      'pause-word': { a: 'kiwi' },
      'pause-sign': { b: 'two taps on the shoulder' },
      'soft-no': { a: 'Not now, but I love you.', b: 'Can we just hold hands?' },
      'soft-no-reply': { a: 'Thank you for telling me.', b: 'Okay, I’m glad you said so.' },
    },
  };
  const pages = { a: ana, b: ben };
  const last = { a: null, b: null };
  const typed = { a: [], b: [] };
  let paused = false;
  let sawWaiting = false;

  const answer = async (who) => {
    const page = pages[who];
    const now = await asked(page);
    if (!now.idle || now.screen !== 'chat' || now.paused || !now.key || now.key === last[who]) return false;
    // The pause word waits for the pause below: the page may have moved on to it since the loop
    // looked (answering it first left Ben asked for his sign instead of waiting for Ana).
    if (!paused && now.step === 'pause-word') return false;
    assert.equal(now.viewer, who, 'each page only ever shows its own partner');
    last[who] = now.key;
    if (now.type === 'scale') {
      // The comfort check: fully comfortable (no grounding detour).
      await page.$eval('#answer-scale', (range) => {
        range.value = range.max;
        range.dispatchEvent(new Event('input', { bubbles: true }));
      });
      await page.click('#input-area button[type="submit"]');
    } else if (now.type === 'list') {
      for (const [index, value] of plan.list[who].entries()) await page.check(`#list-${index}-${value}`);
      await page.click('#input-area button[type="submit"]');
    } else if (now.type === 'text') {
      const text = plan.text[now.step]?.[who] ?? `${who} at ${now.step}`;
      typed[who].push(text);
      await page.fill('#answer-text', text);
      await page.click('#input-area button[type="submit"]');
    } else {
      await page.locator('#input-area button.choice').first().click();
    }
    return true;
  };

  const deadline = Date.now() + 120_000;
  for (;;) {
    const [a, b] = [await asked(ana), await asked(ben)];
    assert.ok(Date.now() < deadline, `the flow ends within two minutes (now: Ana ${JSON.stringify(a)}, Ben ${JSON.stringify(b)})`);
    if (a.screen === 'ended' && b.screen === 'ended') break;
    // Once, in the middle: Ben pauses on his device; each says they're ready on their own page.
    if (!paused && a.step === 'pause-word' && a.key) {
      if (!a.idle || !b.idle) {
        await ana.waitForTimeout(100); // hold the pause word until both pages are settled
        continue;
      }
      paused = true;
      // Both pages, kept current by streams that send only what is new, show every entry of
      // their partner's whole thread (less the question being asked, shown on its card).
      for (const [who, page] of Object.entries(pages)) {
        const whole = (await apiCall(page, 'GET', `/api/sessions/${id}?partner=${who}`)).body;
        const shown = await page.$$eval('#thread > *', (entries) => entries.length);
        assert.ok(shown === whole.thread.length || shown === whole.thread.length - 1,
          `${who}'s page shows ${shown} entries of ${whole.thread.length}`);
      }
      // While Ana is asked for the pause word, Ben's page says whose turn it is.
      await ben.waitForSelector('#waiting:not([hidden])');
      assert.equal((await ben.textContent('#waiting-label')).trim(), fill(uiEn['ui.waiting.for'], { name: 'Ana' }));
      sawWaiting = true;
      await ben.locator('#waiting').scrollIntoViewIfNeeded();
      await shot(ben, 'two-devices-waiting-360.png');
      await ben.click('#pause-button');
      await ana.waitForSelector('#pause-panel:not([hidden])');
      await ana.waitForSelector('body[data-state="idle"]');
      assert.deepEqual(await ana.$$eval('#ready-buttons button', (buttons) => buttons.map((b) => b.dataset.partner)), ['a'],
        'on her own device, Ana only says she is ready herself');
      assert.equal((await ana.textContent('#ready-list')).trim(), fill(uiEn['ui.pause.waiting_for'], { name: 'Ben' }));
      await ana.click('#ready-buttons button[data-partner="a"]');
      await ben.waitForFunction(() => document.getElementById('ready-list').textContent.includes('Ana'));
      await ben.click('#ready-buttons button[data-partner="b"]');
      await ana.waitForSelector('#pause-panel[hidden]', { state: 'attached' });
      last.a = null; // the same question comes back after the pause
      continue;
    }
    const moved = (await answer('a')) || (await answer('b'));
    if (!moved) await ana.waitForTimeout(100);
  }
  assert.ok(paused && sawWaiting, 'paused and resumed once, and saw the waiting line');

  // ---- What each device saw ----------------------------------------------------------------------
  await ana.waitForSelector('body[data-screen="ended"][data-state="idle"]');
  await ben.waitForSelector('body[data-screen="ended"][data-state="idle"]');
  await ana.waitForFunction(() => document.querySelectorAll('#transcript li').length > 0);
  await ben.waitForFunction(() => document.querySelectorAll('#transcript li').length > 0);
  assert.equal((await ana.textContent('#ended-title')).trim(), uiEn['ui.ended.completed']);
  assert.ok(!(await ana.evaluate(() => [...window.__screens])).includes('handoff'), 'no hand-off screen on two devices');
  assert.ok(!(await ben.evaluate(() => [...window.__screens])).includes('handoff'));
  assert.ok(await ben.locator('#new-button').isHidden(), 'the second device can’t start a new conversation');

  // Ben's own transcript has his private list; find it as the server renders it for him.
  const benView = (await apiCall(ben, 'GET', `/api/sessions/${id}?partner=b`)).body;
  const benPrivate = benView.thread.filter((entry) => entry.private && entry.by === 'b').map((entry) => entry.text);
  assert.equal(benPrivate.length, 1, 'Ben sees his own private answers');
  const benNo = `${flowEn['item.massage']}: ${uiEn['answer.no']}`;
  assert.ok(benPrivate[0].includes(benNo), `Ben’s list says “${benNo}”`);
  const anaView = (await apiCall(ana, 'GET', `/api/sessions/${id}?partner=a`)).body;
  const anaPrivate = anaView.thread.filter((entry) => entry.private && entry.by === 'a').map((entry) => entry.text);
  assert.equal(anaPrivate.length, 1);

  // Ana's page and stream never held Ben's private answer (nor Ben's hers).
  await ana.waitForTimeout(300);
  const anaStream = await ana.evaluate(() => window.__stream);
  const benStream = await ben.evaluate(() => window.__stream);
  assert.ok(anaStream.includes('event: view'), 'Ana’s page received views on its stream');
  const anaViews = viewsIn(anaStream);
  const benViews = viewsIn(benStream);
  assert.ok(anaViews.length > 5 && benViews.length > 5, `views streamed: ${anaViews.length}, ${benViews.length}`);
  assert.ok(anaViews.every((view) => view.viewer === 'a') && benViews.every((view) => view.viewer === 'b'));
  for (const view of anaViews) {
    assert.ok(!view.thread.some((entry) => entry.private && entry.by !== 'a'), 'no private entry of Ben in Ana’s stream');
  }
  for (const view of benViews) {
    assert.ok(!view.thread.some((entry) => entry.private && entry.by !== 'b'), 'no private entry of Ana in Ben’s stream');
  }
  assert.ok(!anaStream.includes(benPrivate[0]) && !anaStream.includes(JSON.stringify(benPrivate[0]).slice(1, -1)),
    'Ben’s private list is not in Ana’s stream');
  assert.ok(!benStream.includes(JSON.stringify(anaPrivate[0]).slice(1, -1)), 'Ana’s private list is not in Ben’s stream');
  const anaPage = await wholePage(ana);
  for (const line of benPrivate[0].split('\n')) {
    if (line.endsWith(`: ${uiEn['answer.no']}`) || line.endsWith(`: ${uiEn['answer.maybe']}`)) {
      assert.ok(!anaPage.includes(line), `“${line}” (Ben’s) is not in Ana’s page`);
    }
  }
  assert.ok(!anaPage.includes(benPrivate[0]), 'Ben’s private list is nowhere in Ana’s page');
  // What both said yes to is shared with both; what only one said yes to is not.
  const shared = flowEn['item.hold_hands'];
  assert.ok((await ana.textContent('#transcript')).includes(shared) && (await ben.textContent('#transcript')).includes(shared));

  // What was typed for both to see reached the other device, live.
  const benThread = await ben.textContent('#transcript');
  for (const text of typed.a) assert.ok(benThread.includes(text), `Ana’s “${text}” reached Ben’s device`);
  const anaThread = await ana.textContent('#transcript');
  for (const text of typed.b) assert.ok(anaThread.includes(text), `Ben’s “${text}” reached Ana’s device`);
  await shot(ben, 'two-devices-ended-360.png');

  // The agreement was saved by both confirming, each on their own device.
  const agreement = (await apiCall(ana, 'GET', '/api/agreement')).body;
  assert.equal(agreement.fields.pause_word, 'kiwi');
  assert.equal(agreement.fields.pause_sign, 'two taps on the shoulder');

  await ana.evaluate(() => window.__stopStream());
  await ben.evaluate(() => window.__stopStream());
  assert.deepEqual([...foreign, ...benForeign], [], 'no request left the Tandem server');
  assert.deepEqual([...problems, ...benProblems], [], 'no script errors or CSP violations');
});
