// Every screen, in English and in Arabic (right to left): axe-core finds no serious or critical
// accessibility problem, in light and in dark; at 360 px nothing is wider than the window and
// the header stays on one row; and a screenshot matrix of the main screens — desktop (1280×800)
// and phone (360×740), light and dark — is saved under TANDEM_SCREENSHOTS for people to look at.
// Debian's headless Chromium, against the real server binary.
//
//   node --test tests/browser/            (from the repository root)

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  apiCall,
  axeViolations,
  closeBrowser,
  launchBrowser,
  open,
  openAnother,
  shot,
  walkSession,
} from './support.mjs';

before(launchBrowser);
after(closeBrowser);

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 360, height: 740 };

const NAMES = { en: ['Ana', 'Ben'], ar: ['ليلى', 'سامي'] };

/** Which screen each address shows. */
function screenOf(hash) {
  if (hash.startsWith('#pair=')) return 'pair';
  if (hash.startsWith('#record=')) return 'record';
  if (hash === '#history' || hash === '#agreement' || hash === '#settings') return hash.slice(1);
  return 'setup';
}

/** Opens a screen by its address, as someone editing the address bar would. */
async function visit(page, hash, screen = screenOf(hash)) {
  await page.evaluate((target) => {
    if (location.hash === target) history.replaceState(null, '', '#');
    location.hash = target;
  }, hash);
  await page.waitForSelector(`body[data-screen="${screen}"][data-state="idle"]`);
}

/** What reaches past the right or left edge of a phone-width window, and whether the header wrapped. */
function phoneLayout(page) {
  return page.evaluate(() => {
    const width = window.innerWidth;
    const shown = (node) => node.getClientRects().length > 0 && !node.closest('.visually-hidden, [hidden], dialog:not([open])');
    const outside = [...document.querySelectorAll('body *')].filter(shown).filter((node) => {
      const box = node.getBoundingClientRect();
      return box.width > 0 && (box.left < -1 || box.right > width + 1);
    }).map((node) => `${node.tagName.toLowerCase()}#${node.id}.${[...node.classList].join('.')}`);
    // Boxes whose heights overlap share a row.
    const boxes = [...document.querySelectorAll('.topbar-inner > *')].filter(shown)
      .map((node) => node.getBoundingClientRect()).sort((x, y) => x.top - y.top);
    let headerRows = 0;
    let bottom = -Infinity;
    for (const box of boxes) {
      if (box.top >= bottom - 1) headerRows++;
      bottom = Math.max(bottom, box.bottom);
    }
    return { wider: document.documentElement.scrollWidth - width, outside, headerRows };
  });
}

/**
 * One screen: axe in light and dark, the phone layout, and four screenshots. Problems are
 * collected rather than thrown, so one run reports every screen.
 */
async function check(page, lang, name, found, { dialog = false } = {}) {
  const where = `${name} (${lang})`;
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.setViewportSize(DESKTOP);
    for (const violation of await axeViolations(page)) found.push(`${where}, ${scheme}: ${violation}`);
    await shot(page, `matrix-${name}-${lang}-desktop-${scheme}.png`, { fullPage: !dialog });
    await page.setViewportSize(PHONE);
    const layout = await phoneLayout(page);
    if (layout.wider > 0) found.push(`${where}: ${layout.wider} px wider than a 360 px window`);
    for (const node of layout.outside) found.push(`${where}: ${node} reaches past the edge at 360 px`);
    if (layout.headerRows > 1) found.push(`${where}: the header wraps to ${layout.headerRows} rows at 360 px`);
    await shot(page, `matrix-${name}-${lang}-360-${scheme}.png`, { fullPage: !dialog });
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize(DESKTOP);
}

for (const lang of ['en', 'ar']) {
  test(`every screen in ${lang === 'en' ? 'English' : 'Arabic'}: accessible, fits 360 px, screenshots`, async (t) => {
    const { server, page, foreign, problems } = await open(t, { locale: lang, viewport: DESKTOP });
    await page.waitForSelector('body[data-screen="setup"][data-state="idle"]');
    assert.equal(await page.getAttribute('html', 'lang'), lang);
    const partners = NAMES[lang].map((name) => ({ name, locale: lang }));
    const found = [];

    // Conversations in every state, set up through the API.
    const done = await walkSession(page, { flow: 'agreement-review', partners,
      answerFor: (input) => (input.type === 'list' ? input.items.map((_, i) => (i < 3 ? 'yes' : 'no')) : undefined) });
    const paused = await walkSession(page, { flow: 'feel-prefer-try', partners,
      stopWhen: (view) => view.input?.step === 'feel' });
    assert.equal((await apiCall(page, 'POST', `/api/sessions/${paused.id}/pause`,
      { partner: paused.viewer, seq: paused.seq })).status, 200);
    const privateStep = await walkSession(page, { flow: 'agreement-review', partners,
      stopWhen: (view) => view.input?.type === 'list' && view.viewer === 'a' });
    const pairable = await walkSession(page, { flow: 'feel-prefer-try', partners, stopWhen: () => true });

    // ---- Setup (with the Menu open at 360 px, too) ----------------------------------------------------
    await check(page, lang, 'setup', found);
    await page.setViewportSize(PHONE);
    await page.click('#nav-toggle');
    assert.equal(await page.getAttribute('#nav-toggle', 'aria-expanded'), 'true');
    for (const violation of await axeViolations(page)) found.push(`menu (${lang}): ${violation}`);
    await shot(page, `matrix-menu-${lang}-360-light.png`);
    await page.keyboard.press('Escape'); // one Escape folds it away (two would be quick exit)
    assert.equal(await page.getAttribute('#nav-toggle', 'aria-expanded'), 'false');
    await page.setViewportSize(DESKTOP);
    await page.waitForTimeout(1600); // let the Escape above age, so no later one makes a pair

    // ---- Two devices: the code and the link ---------------------------------------------------------
    await visit(page, `#pair=${pairable.id}`);
    await check(page, lang, 'pair', found);

    // ---- The conversation: a private list, then the hand-off ---------------------------------------
    await visit(page, `#session=${privateStep.id}`, 'chat');
    await page.waitForSelector('#input-area .answer-list');
    await check(page, lang, 'chat', found);
    const items = await page.locator('#input-area .list-row').count();
    for (let i = 0; i < items; i++) await page.check(`#list-${i}-yes`);
    await page.click('#input-area button[type="submit"]');
    await page.waitForSelector('body[data-screen="handoff"][data-state="idle"]');
    await check(page, lang, 'handoff', found);

    await visit(page, `#session=${paused.id}`, 'chat');
    await page.waitForSelector('#pause-panel:not([hidden])');
    await check(page, lang, 'pause', found);

    await visit(page, `#session=${done.id}`, 'ended');
    await page.waitForFunction(() => document.querySelectorAll('#transcript li').length > 0);
    await check(page, lang, 'ended', found);

    // ---- History, a deleting dialog, one transcript read again -------------------------------------
    await visit(page, '#history');
    await page.locator('#history-list .export-menu summary').first().click();
    await check(page, lang, 'history', found);
    await page.locator('#history-list .danger-quiet').first().click();
    await page.waitForSelector('#delete-dialog[open]');
    await check(page, lang, 'delete-dialog', found, { dialog: true });
    await page.click('#delete-cancel');
    await page.click('#delete-all-button');
    await page.waitForSelector('#delete-all-dialog[open]');
    await check(page, lang, 'delete-all-dialog', found, { dialog: true });
    await page.click('#delete-all-cancel');

    await visit(page, `#record=${done.id}`);
    await page.waitForFunction(() => document.querySelectorAll('#record-transcript li').length > 0);
    await check(page, lang, 'transcript', found);

    // ---- The agreement and settings -------------------------------------------------------------------
    await visit(page, '#agreement');
    await page.waitForSelector('#agreement-fields .agreement-field');
    await check(page, lang, 'agreement', found);

    await visit(page, '#settings');
    await check(page, lang, 'settings', found);

    // ---- The page a second device opens to type its code (served by the server) --------------------
    const { page: join } = await openAnother(t, server, new URL('/join', server.origin).href,
      { locale: lang, viewport: DESKTOP });
    await join.waitForSelector('input#code');
    await check(join, lang, 'join', found);

    assert.deepEqual(found, [], `every screen in ${lang} is accessible and fits`);
    assert.deepEqual(foreign, [], 'no request left the Tandem server');
    assert.deepEqual(problems, [], 'no script errors or CSP violations');
  });
}
