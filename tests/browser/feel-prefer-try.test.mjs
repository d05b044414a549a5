// End-to-end: two partners on one shared device walk "feel-prefer-try" in Spanish through the
// web UI, in Debian's headless Chromium, against the real server binary.
//
//   node --test tests/browser/            (from the repository root)
//
// TANDEM_BIN          the server binary (default build/tandem)
// TANDEM_SCREENSHOTS  where screenshots go (default build/screenshots)

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  closeBrowser,
  fill,
  launchBrowser,
  open,
  readArb,
  shot,
  waitForQuestion,
  describeInput,
} from './support.mjs';

// ---- Catalogs: what the Spanish UI must show, from the same files the server embeds ----------

const flowEs = { ...readArb('en', 'feel-prefer-try'), ...readArb('es', 'feel-prefer-try') };
const uiEs = readArb('es', 'ui');

// ---- The browser ------------------------------------------------------------------------------

before(launchBrowser);
after(closeBrowser);

// ---- Page helpers -----------------------------------------------------------------------------

/** A screenshot at phone width (360 px), scrolled to `selector`, in light or dark mode. */
async function phoneShot(page, name, selector, colorScheme = 'light') {
  await page.setViewportSize({ width: 360, height: 780 });
  await page.emulateMedia({ colorScheme });
  await page.locator(selector).scrollIntoViewIfNeeded();
  await page.evaluate(() => window.scrollBy(0, window.innerHeight));
  await shot(page, name);
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 900, height: 900 });
}

async function waitIdle(page) {
  await page.waitForSelector('body[data-state="idle"]');
}



async function setUp(page, names, shotName = null) {
  await page.waitForSelector('body[data-screen="setup"]');
  await waitIdle(page);
  await page.fill('#name-a', names.a);
  await page.fill('#name-b', names.b);
  await page.selectOption('#locale-a', 'es');
  await page.selectOption('#locale-b', 'es');
  await page.check('input[name="flow"][value="feel-prefer-try"]');
  if (shotName) await shot(page, shotName, { fullPage: true });
  await page.click('#start-button');
  await page.waitForSelector('body[data-screen="chat"][data-state="idle"]');
}

async function answerChoice(page, label) {
  await page.locator('#input-area').getByRole('button', { name: label, exact: true }).click();
}

async function answerText(page, text, { viaKeyboard = false } = {}) {
  await page.fill('#answer-text', text);
  if (viaKeyboard) await page.press('#answer-text', 'Control+Enter');
  else await page.click('#input-area button[type="submit"]');
}

// ---- Test 1: the whole conversation -----------------------------------------------------------

test('two partners walk feel-prefer-try in Spanish on one device', async (t) => {
  const { page, foreign, problems, inputs, views } = await open(t);
  const names = { a: 'Ana', b: 'Ben' };
  await setUp(page, names, 'setup.png');

  // The page follows the partners' language: Spanish strings, lang and dir on <html>.
  assert.equal(await page.getAttribute('html', 'lang'), 'es');
  assert.equal(await page.getAttribute('html', 'dir'), 'ltr');
  assert.equal((await page.textContent('#pause-button')).trim(), uiEs['ui.header.pause']);
  assert.equal((await page.textContent('#stop-button')).trim(), uiEs['ui.header.stop']);
  assert.equal((await page.textContent('#quick-exit')).trim(), uiEs['ui.quick_exit']);
  const thread = page.locator('#thread');
  assert.equal(await thread.getAttribute('role'), 'log');
  assert.equal(await thread.getAttribute('aria-live'), 'polite');
  assert.ok((await thread.textContent()).includes(fill(flowEs.welcome, names)), 'Spanish welcome shown');

  // Spanish answers for each step; the reflect loop and repeated steps take the next one.
  const texts = {
    feel: ['un poco triste', 'con ganas de más calma'],
    when: ['cenamos mirando el móvil', 'llego a casa y todo va deprisa'],
    mirror_listener: [
      'Si te entiendo bien, te sientes triste cuando cenamos mirando el móvil.',
      'Ahora entiendo que lo que más echas de menos es hablar durante la cena.',
      'Si te entiendo bien, necesitas un rato tranquilo al llegar a casa.',
      'Te escucho: quieres calma antes de hablar de planes.',
    ],
    mirror_speaker: ['Sobre todo echo de menos hablar contigo mientras cenamos.', 'Es eso, y también un abrazo.'],
    validate: ['Tiene sentido para mí, porque la cena es nuestro rato juntos.', 'Tiene sentido, porque los días son largos.'],
    empathize: ['con poca compañía', 'con cansancio'],
    'closer-feeling': ['Más bien con nostalgia.', 'Más bien con prisa.'],
    prefer: ['que guardemos los móviles durante la cena', 'que nos saludemos con calma al llegar'],
    try: ['una cesta para los móviles junto a la puerta', 'un abrazo de un minuto al llegar a casa'],
    'tentative-help': ['Me ayudaría empezar solo los fines de semana.', 'Me ayudaría hablarlo antes.'],
    'talk-more': ['Me ayudaría saber cuánto tiempo sería.'],
    'talk-more-heard': ['Entiendo que quieres saber cuánto tiempo sería.'],
    appreciate: ['Me ha gustado escucharte con calma.', 'Gracias por tu paciencia conmigo.'],
  };
  const used = new Map();
  const nextText = (slot) => {
    const list = texts[slot] ?? [`Mi respuesta para «${slot}».`];
    const n = used.get(slot) ?? 0;
    used.set(slot, n + 1);
    return list[n % list.length] + (n >= list.length ? ` (${n + 1})` : '');
  };

  const typed = [];
  let proposals = 0;
  let saidNotQuite = false;
  let tookMidShot = false;
  let checkedFocus = false;
  let previousKey = null;
  for (let turn = 0; turn < 80; turn++) {
    await waitForQuestion(page, previousKey, { orPause: true });
    const input = await describeInput(page);
    if (input.screen === 'ended') break;
    assert.ok(input.key, 'a question is on screen');
    previousKey = input.key;

    // Whose turn it is is spelled out, in Spanish, with the name.
    const turnLabel = (await page.textContent('#turn-label')).trim();
    const viewerName = names[input.viewer];
    assert.equal(turnLabel, fill(uiEs['ui.turn.yours'], { name: viewerName }));
    if (!checkedFocus) {
      assert.ok(input.focusInside, 'focus moves to the control when it is your turn');
      checkedFocus = true;
    }

    if (input.type === 'choice') {
      const has = (key) => input.options.includes(flowEs[key]);
      let label;
      if (has('good_time.yes')) label = flowEs['good_time.yes'];
      else if (has('mirror.more')) {
        label = saidNotQuite ? flowEs['mirror.got_it'] : flowEs['mirror.more'];
        saidNotQuite = true;
      } else if (has('empathize_check.yes')) label = flowEs['empathize_check.yes'];
      else if (has('answer.tentative')) {
        proposals += 1;
        if (!tookMidShot) {
          await shot(page, 'chat-es.png');
          await phoneShot(page, 'chat-es-360.png', '#input-area');
          await phoneShot(page, 'chat-es-360-dark.png', '#input-area', 'dark');
          tookMidShot = true;
        }
        label = proposals === 1 ? flowEs['answer.tentative'] : flowEs['answer.soft_no'];
      } else {
        label = input.options[0];
      }
      assert.ok(input.options.includes(label), `option “${label}” offered at step ${input.step}: ${input.options}`);
      await answerChoice(page, label);
    } else if (input.type === 'text') {
      const slot = input.step === 'mirror' ? `mirror_${input.viewer === input.speaker ? 'speaker' : 'listener'}` : input.step;
      const text = nextText(slot);
      typed.push(text);
      await answerText(page, text, { viaKeyboard: typed.length === 1 });
    } else if (input.type === 'scale') {
      await page.click('#input-area button[type="submit"]');
    } else {
      assert.fail(`unexpected input type ${input.type}`);
    }
  }

  // The end: the Spanish closing, the transcript with everything typed, the Markdown link.
  await page.waitForSelector('body[data-screen="ended"][data-state="idle"]');
  assert.ok(saidNotQuite, 'went through the mirror loop with “not quite”');
  assert.equal(proposals, 2, 'answered a proposal in each round');
  assert.equal((await page.textContent('#ended-title')).trim(), uiEs['ui.ended.completed']);
  assert.equal((await page.textContent('#ended-message')).trim(), fill(flowEs.close, names));
  // Every answer asked only for the thread entries after those the page held (docs/api.md).
  assert.ok(inputs.length > 20, `${inputs.length} answers sent`);
  for (const body of inputs) {
    assert.ok(Number.isInteger(body.after) && body.after <= body.seq, `after ${body.after} with seq ${body.seq}`);
  }
  // On one device, each answer also asked for the other partner's view (next_after), so the page
  // did not have to fetch it when the turn passed.
  const withNext = inputs.filter((body) => Number.isInteger(body.next_after) && body.next_after <= body.seq);
  assert.equal(withNext.length, inputs.length, 'every answer asked for the next view');
  // feel-prefer-try has no private step (so no hand-off screen): no view was fetched at all.
  assert.deepEqual(views, [], 'no partner view fetched after the session started');
  const transcript = await page.textContent('#transcript');
  for (const text of typed) assert.ok(transcript.includes(text), `transcript contains “${text}”`);
  assert.ok(transcript.includes(fill(flowEs.welcome, names)), 'transcript is in Spanish');
  const href = await page.getAttribute('#download-link', 'href');
  assert.match(href, /\/transcript\.md\?locale=es$/);
  const markdown = await page.request.get(new URL(href, page.url()).href);
  assert.equal(markdown.status(), 200);
  assert.ok((await markdown.text()).includes(typed[0]), 'the Markdown transcript has the answers');
  await shot(page, 'transcript-es.png', { fullPage: true });

  assert.deepEqual(foreign, [], 'no request left the Tandem server');
  assert.deepEqual(problems, [], 'no script errors or CSP violations');
});

// ---- Test 2: pause, grounding, both ready, continue; then stop; then quick exit ------------------

test('pause offers grounding and resumes when both are ready; stop ends kindly', async (t) => {
  const { page, foreign, problems } = await open(t);
  const names = { a: 'Ana', b: 'Ben' };
  await setUp(page, names);

  // Both say now is a good time.
  let input = await describeInput(page);
  while (input.type === 'choice' && input.options.includes(flowEs['good_time.yes'])) {
    await answerChoice(page, flowEs['good_time.yes']);
    await waitForQuestion(page, input.key, { orPause: true });
    input = await describeInput(page);
  }
  assert.equal(input.type, 'text', 'the first question of the speaker');
  const stepBefore = input.step;
  const pauser = input.viewer;
  const draft = 'un borrador que no quiero perder';
  await page.fill('#answer-text', draft);

  // One tap pauses; the grounding text and one "ready" button per partner appear.
  await page.click('#pause-button');
  await page.waitForSelector('#pause-panel:not([hidden])');
  await waitIdle(page);
  assert.equal((await page.textContent('#grounding')).trim(), uiEs['engine.grounding']);
  assert.ok((await page.textContent('#thread')).includes(fill(uiEs['engine.paused'], { name: names[pauser] })));
  const readyButtons = page.locator('#ready-buttons button');
  assert.equal(await readyButtons.count(), 2);
  assert.ok(await page.locator('#input-area textarea').count() === 0, 'no input while paused');
  await shot(page, 'paused-es.png', { fullPage: true });
  await phoneShot(page, 'paused-es-360.png', '#pause-panel');

  // Ana is ready; Ben is still asked; then Ben is ready and the same step comes back.
  const anaReady = page.locator('#ready-buttons button[data-partner="a"]');
  assert.equal((await anaReady.textContent()).trim(), fill(uiEs['ui.pause.ready'], { name: 'Ana' }));
  await anaReady.click();
  await page.waitForFunction(() => document.querySelectorAll('#ready-buttons button').length === 1
    && document.body.dataset.state === 'idle');
  assert.equal((await page.textContent('#ready-list')).trim(), fill(uiEs['ui.pause.is_ready'], { name: 'Ana' }));
  await page.click('#ready-buttons button[data-partner="b"]');
  await page.waitForSelector('#pause-panel[hidden]', { state: 'attached' });
  await page.waitForSelector('#input-area textarea');
  await waitIdle(page);
  input = await describeInput(page);
  assert.equal(input.step, stepBefore, 'continues at the same step');
  assert.equal(await page.inputValue('#answer-text'), draft, 'what was typed before the pause is kept');
  assert.ok((await page.textContent('#thread')).includes(uiEs['engine.resumed']));

  // One tap on Stop ends kindly, with the transcript.
  const stopper = input.viewer;
  await page.click('#stop-button');
  await page.waitForSelector('body[data-screen="ended"][data-state="idle"]');
  assert.equal((await page.textContent('#ended-title')).trim(), uiEs['ui.ended.stopped']);
  const stopped = fill(uiEs['engine.stopped'], { name: names[stopper] });
  assert.equal((await page.textContent('#ended-message')).trim(), stopped);
  assert.ok((await page.textContent('#transcript')).includes(stopped));
  assert.match(await page.getAttribute('#download-link', 'href'), /\/transcript\.md\?locale=es$/);
  await shot(page, 'stopped-es.png', { fullPage: true });

  assert.deepEqual(foreign, [], 'no request left the Tandem server');
  assert.deepEqual(problems, [], 'no script errors or CSP violations');

  // Quick exit: Escape twice replaces the page with a blank one.
  await page.keyboard.press('Escape');
  await page.keyboard.press('Escape');
  await page.waitForURL('about:blank');
});
