// Tandem's web UI: setup, the chat of one session on one shared device, pause and stop, the end.
// State lives on the server; this page shows the view of the partner whose turn it is, in that
// partner's language, and sends each answer, pause, resume and stop as one JSON POST.
//
// Privacy on a shared device: when the turn passes to the other partner right after a private
// step, the whole conversation is taken out of the page (not just hidden) and a hand-off screen
// asks for the device to be passed on; the next partner's view is fetched only when they say
// they have it. Private answers are never kept anywhere but in the form they were given in.

import { api, ApiError } from './api.js';
import { applyStrings, graphemeCount, stringsFor } from './i18n.js';
import { el, entrySignature, inputControl, threadEntry, transcriptItems } from './render.js';

const NAME_MAX = 40;
const $ = (id) => document.getElementById(id);

const state = {
  locales: [], // [{tag, name, dir}]
  pageLocale: 'en', // setup and end screens
  strings: null, // Strings of what is on screen now
  flows: [],
  sessionId: null,
  view: null,
  shownViewer: null, // the partner whose view was last on screen
  shownPrivate: false, // that view was asking its partner something private
  handoff: null, // {id, partner} while the hand-off screen is up
  rendered: { session: null, locale: null, viewer: null, signatures: [] },
  inputKey: null,
  control: null, // the input control on screen ({element, focus, dispose?})
  drafts: new Map(), // "viewer|step|prompt" -> text typed but not yet sent
  queue: Promise.resolve(), // mutations run one at a time, each with the latest seq
  lastPartners: null,
  localeTouched: { a: false, b: false },
};

// ---------------------------------------------------------------------------------------------
// Small helpers

function setScreen(name) {
  document.body.dataset.screen = name;
  for (const section of document.querySelectorAll('.screen')) section.hidden = section.dataset.for !== name;
  // Pause and Stop stay in reach during a conversation, the hand-off screen included.
  const inSession = name === 'chat' || name === 'handoff';
  $('pause-button').hidden = !inSession;
  $('stop-button').hidden = !inSession;
  $('progress').hidden = name !== 'chat';
}

function setBusy(busy) {
  document.body.dataset.state = busy ? 'busy' : 'idle';
  $('input-area').setAttribute('aria-busy', busy ? 'true' : 'false');
  for (const control of document.querySelectorAll('#input-area :is(button, textarea, input), #handoff-continue')) {
    if (busy) {
      control.dataset.wasDisabled = control.disabled ? '1' : '';
      control.disabled = true;
    } else if (control.dataset.wasDisabled !== undefined) {
      control.disabled = control.dataset.wasDisabled === '1';
      delete control.dataset.wasDisabled;
    }
  }
}

async function useStrings(locale) {
  const strings = await stringsFor(locale);
  state.strings = strings;
  document.documentElement.lang = strings.locale || locale;
  document.documentElement.dir = strings.dir;
  applyStrings(document, strings);
  document.title = strings.text('ui.app_name') || 'Tandem';
  return strings;
}

/** A calm sentence for an error: the server's own localized detail when there is one. */
function errorText(error) {
  if (error instanceof ApiError) {
    if (error.code === 'offline') return state.strings?.text('ui.error.offline') ?? '';
    if (error.detail) return error.detail;
  } else {
    console.error(error);
  }
  return state.strings?.text('ui.error.generic') ?? '';
}

function showNotice(text) {
  $('notice').textContent = text;
}

function showInputError(text) {
  $('input-error').textContent = text;
}

function setSessionInUrl(id) {
  const hash = id ? `#session=${encodeURIComponent(id)}` : '';
  // replaceState, never pushState: quick exit must leave no Tandem entry behind the blank page.
  history.replaceState(null, '', `${location.pathname}${location.search}${hash}`);
}

function sessionFromUrl() {
  const match = /^#session=([^&]+)$/.exec(location.hash);
  return match ? decodeURIComponent(match[1]) : null;
}

function fillLocaleSelect(select, selected) {
  select.replaceChildren(...state.locales.map((locale) =>
    el('option', { value: locale.tag, lang: locale.tag, dir: locale.dir, text: locale.name,
      selected: locale.tag === selected })));
  select.value = selected;
}

// ---------------------------------------------------------------------------------------------
// Quick exit: the page is replaced by a blank one at once (also: Escape twice).

function quickExit() {
  document.body.replaceChildren();
  document.title = '';
  location.replace('about:blank');
}

let lastEscape = 0;
document.addEventListener('keydown', (event) => {
  if (event.key !== 'Escape') return;
  const now = performance.now();
  if (now - lastEscape < 1500) quickExit();
  lastEscape = now;
});

// ---------------------------------------------------------------------------------------------
// Setup

async function showSetup() {
  await useStrings(state.pageLocale);
  fillLocaleSelect($('page-locale'), state.pageLocale);
  for (const partner of ['a', 'b']) {
    const select = $(`locale-${partner}`);
    const keep = state.lastPartners?.[partner]?.locale;
    fillLocaleSelect(select, keep && state.locales.some((l) => l.tag === keep) ? keep : state.pageLocale);
    if (state.lastPartners) $(`name-${partner}`).value = state.lastPartners[partner].name;
  }
  await loadFlows();
  setScreen('setup');
  $('setup-title').focus();
}

async function loadFlows() {
  const list = $('flow-list');
  const selected = list.querySelector('input:checked')?.value;
  try {
    const { flows } = await api.flows(state.pageLocale);
    state.flows = flows ?? [];
  } catch (error) {
    state.flows = [];
    showNotice(errorText(error));
  }
  const strings = state.strings;
  if (state.flows.length === 0) {
    list.replaceChildren(el('p', { className: 'hint', text: strings.text('ui.setup.no_flows') }));
    return;
  }
  list.replaceChildren(...state.flows.map((flow, index) => {
    const id = `flow-${index}`;
    return el('div', { className: 'flow-option' },
      el('input', { type: 'radio', name: 'flow', id, value: flow.id,
        checked: selected ? selected === flow.id : index === 0, 'aria-describedby': `${id}-about` }),
      el('label', { htmlFor: id },
        el('span', { className: 'flow-title', text: flow.title ?? flow.id }),
        el('span', { id: `${id}-about`, className: 'flow-about' },
          el('span', { className: 'flow-description', text: flow.description ?? '' }),
          Number.isFinite(flow.minutes)
            ? el('span', { className: 'flow-minutes',
              text: strings.text('ui.setup.minutes', { minutes: strings.number(flow.minutes) }) })
            : null)));
  }));
}

$('page-locale').addEventListener('change', async (event) => {
  state.pageLocale = event.target.value;
  for (const partner of ['a', 'b']) {
    if (!state.localeTouched[partner]) $(`locale-${partner}`).value = state.pageLocale;
  }
  await useStrings(state.pageLocale);
  await loadFlows();
});

for (const partner of ['a', 'b']) {
  $(`locale-${partner}`).addEventListener('change', () => { state.localeTouched[partner] = true; });
  $(`name-${partner}`).addEventListener('input', (event) => event.target.removeAttribute('aria-invalid'));
}

$('setup-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const strings = state.strings;
  const error = $('setup-error');
  error.textContent = '';
  const partners = [];
  for (const partner of ['a', 'b']) {
    const input = $(`name-${partner}`);
    const name = input.value.trim();
    const length = graphemeCount(name);
    if (length === 0 || length > NAME_MAX) {
      input.setAttribute('aria-invalid', 'true');
      error.textContent = strings.text(length === 0 ? 'ui.setup.name_missing' : 'ui.setup.name_too_long',
        { max: strings.number(NAME_MAX) });
      input.focus();
      return;
    }
    partners.push({ name, locale: $(`locale-${partner}`).value });
  }
  const flow = $('flow-list').querySelector('input:checked')?.value;
  if (!flow) {
    error.textContent = strings.text('ui.setup.no_flows');
    return;
  }
  const start = $('start-button');
  start.disabled = true;
  setBusy(true);
  try {
    const view = await api.startSession(flow, partners);
    state.sessionId = view.id;
    state.lastPartners = { a: partners[0], b: partners[1] };
    state.shownViewer = null;
    setSessionInUrl(view.id);
    await present(view);
  } catch (failure) {
    error.textContent = errorText(failure);
    // A problem with one name points at it ("partners/1/name").
    const field = /^partners\/([01])\/name$/.exec(failure?.problem?.field ?? '');
    if (field) {
      const input = $(`name-${field[1] === '0' ? 'a' : 'b'}`);
      input.setAttribute('aria-invalid', 'true');
      input.focus();
    }
  } finally {
    start.disabled = false;
    setBusy(false);
  }
});

// ---------------------------------------------------------------------------------------------
// The session: fetch the right partner's view and show it

/** The partner to show on a shared device: the first one awaited, else whoever was shown. */
function partnerToShow(view) {
  if (view.awaiting?.length) return view.awaiting[0];
  return state.shownViewer ?? view.viewer;
}

async function present(view) {
  const wanted = partnerToShow(view);
  const live = view.status === 'active' || view.status === 'paused';
  // After a private step, the device changes hands through the hand-off screen.
  if (live && state.shownPrivate && state.shownViewer && wanted && wanted !== state.shownViewer) {
    await showHandoff(view, wanted);
    return;
  }
  if (wanted && wanted !== view.viewer && live) {
    view = await api.view(view.id, wanted);
  }
  state.view = view;
  state.sessionId = view.id;
  if (view.status === 'completed' || view.status === 'stopped') {
    await showEnded(view);
  } else {
    await showChat(view);
  }
}

async function refresh() {
  const view = await api.view(state.sessionId, state.shownViewer ?? 'a');
  await present(view);
}

/** Removes the conversation from the page: thread, question, turn line, errors. */
function clearChat() {
  disposeInput();
  $('input-area').replaceChildren();
  for (const key of ['key', 'step', 'type', 'viewer', 'speaker', 'inputPrivate']) delete $('input-area').dataset[key];
  state.inputKey = null;
  $('thread').replaceChildren();
  state.rendered = { session: null, locale: null, viewer: null, signatures: [] };
  $('turn').hidden = true;
  $('turn-label').replaceChildren();
  $('handoff').replaceChildren();
  $('handoff').hidden = true;
  $('pause-panel').hidden = true;
  $('ready-list').replaceChildren();
  $('ready-buttons').replaceChildren();
  showInputError('');
}

function disposeInput() {
  state.control?.dispose?.();
  state.control = null;
}

/**
 * "Please pass the device to {name}". Everything the previous partner saw is taken out of the
 * page first; `view` (that partner's own view) is never rendered, and only what the pause and
 * stop buttons need of it is kept.
 */
async function showHandoff(view, next) {
  clearChat();
  state.handoff = { id: view.id, partner: next };
  state.shownViewer = next;
  state.shownPrivate = false;
  state.view = { id: view.id, seq: view.seq, status: view.status, viewer: next,
    awaiting: [...(view.awaiting ?? [])], partners: view.partners };
  state.sessionId = view.id;
  const name = view.partners?.[next]?.name ?? '';
  const strings = state.strings;
  setScreen('handoff');
  $('handoff-title').replaceChildren(strings.nodes('ui.handoff.title', { name }));
  const button = $('handoff-continue');
  // Wrapped in a span: a flex button would drop the spaces around the name.
  button.replaceChildren(el('span', {}, strings.nodes('ui.handoff.continue', { name })));
  button.removeAttribute('lang');
  button.removeAttribute('dir');
  $('handoff-title').focus();
  // The button speaks to the next partner, in their own language where it differs.
  const locale = view.partners?.[next]?.locale;
  if (locale && locale !== strings.locale) {
    stringsFor(locale).then((own) => {
      if (state.handoff?.partner !== next || !button.isConnected) return;
      button.lang = own.locale;
      button.dir = own.dir;
      button.replaceChildren(el('span', {}, own.nodes('ui.handoff.continue', { name })));
    }).catch(() => {});
  }
}

$('handoff-continue').addEventListener('click', () => enqueue(async () => {
  const handoff = state.handoff;
  if (!handoff) return;
  setBusy(true);
  showNotice('');
  try {
    const view = await api.view(handoff.id, handoff.partner);
    state.handoff = null;
    await present(view);
  } catch (error) {
    showNotice(errorText(error));
  } finally {
    setBusy(false);
  }
}));

async function showChat(view) {
  const strings = await useStrings(view.locale);
  const previous = state.shownViewer;
  state.shownViewer = view.viewer;
  state.handoff = null;
  setScreen('chat');

  $('flow-title').textContent = view.flow?.title ?? '';
  renderProgress(view, strings);
  renderThread(view, strings);

  const paused = view.status === 'paused';
  $('pause-button').disabled = paused;
  $('pause-panel').hidden = !paused;
  if (paused) {
    $('turn').hidden = true;
    state.shownPrivate = false;
    disposeInput();
    state.inputKey = null;
    $('input-area').replaceChildren();
    delete $('input-area').dataset.key;
    renderPause(view, strings);
    return;
  }

  const awaited = view.awaiting?.includes(view.viewer);
  state.shownPrivate = Boolean(awaited && view.input?.private);
  const turn = $('turn');
  turn.hidden = !awaited;
  turn.className = `turn turn-${view.viewer}`;
  $('turn-label').replaceChildren(strings.nodes('ui.turn.yours', { name: view.partners?.[view.viewer]?.name ?? '' }));
  // Right after the turn passes to the other partner, say so: the device may need handing over.
  const handoff = $('handoff');
  const passed = Boolean(previous) && previous !== view.viewer;
  handoff.hidden = !passed;
  if (passed) {
    handoff.replaceChildren(strings.nodes('ui.turn.handoff', { name: view.partners?.[view.viewer]?.name ?? '' }));
  }
  renderInput(view, strings, awaited ? view.input : null);
}

function renderProgress(view, strings) {
  const progress = view.progress;
  const bar = $('progress-bar');
  const label = $('progress-label');
  if (!progress || !progress.of) {
    $('progress').hidden = true;
    return;
  }
  bar.max = progress.of;
  bar.value = Math.min(progress.step ?? 0, progress.of);
  const stepText = strings.text('ui.progress.step', { step: strings.number(progress.step ?? 0), of: strings.number(progress.of) });
  bar.setAttribute('aria-label', strings.text('ui.progress.label'));
  bar.setAttribute('aria-valuetext', stepText);
  label.textContent = progress.rounds > 1
    ? strings.text('ui.progress.round', { round: strings.number(progress.round ?? 1), rounds: strings.number(progress.rounds) })
    : stepText;
}

function renderThread(view, strings) {
  const log = $('thread');
  const rendered = state.rendered;
  let entries = view.thread ?? [];
  // The question being asked right now is shown once, on the card with its control; it joins the
  // thread when it has been answered.
  const last = entries[entries.length - 1];
  if (view.input && view.awaiting?.includes(view.viewer) && last?.kind === 'guide'
      && last.text === view.input.prompt) {
    entries = entries.slice(0, -1);
  }
  const signatures = entries.map(entrySignature);
  // Private entries belong to one partner's view: with another viewer, start again from nothing.
  const privateShown = rendered.viewer !== view.viewer && log.querySelector('[data-private]') !== null;
  const keep = !privateShown && rendered.session === view.id && rendered.locale === view.locale
    && rendered.signatures.length <= signatures.length
    && rendered.signatures.every((signature, i) => signature === signatures[i]);
  if (!keep) {
    // A different session or language: rebuild quietly rather than announce the whole log again.
    log.setAttribute('aria-live', 'off');
    log.replaceChildren();
    rendered.signatures = [];
    rendered.session = view.id;
    rendered.locale = view.locale;
  }
  rendered.viewer = view.viewer;
  const fresh = entries.slice(rendered.signatures.length).map((entry) => threadEntry(entry, view, strings));
  log.append(...fresh);
  rendered.signatures = signatures;
  if (!keep) requestAnimationFrame(() => log.setAttribute('aria-live', 'polite'));
}

function scrollToLatest(target) {
  const reduce = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  target.scrollIntoView({ block: 'end', behavior: reduce ? 'auto' : 'smooth' });
}

function renderInput(view, strings, input) {
  const area = $('input-area');
  if (!input) {
    disposeInput();
    state.inputKey = null;
    area.replaceChildren();
    delete area.dataset.key;
    scrollToLatest($('thread'));
    return;
  }
  const key = `${view.id}|${view.seq}|${view.viewer}|${input.step}|${input.type}|${view.locale}`;
  if (key === state.inputKey) return; // same question still on screen: keep what is typed
  state.inputKey = key;
  const draftKey = `${view.viewer}|${input.step}|${input.prompt ?? ''}`;
  // A private answer is never kept as a draft: it lives only in its form.
  const keepDraft = !input.private;
  disposeInput();
  const control = inputControl(input, strings, {
    draft: keepDraft ? state.drafts.get(draftKey) ?? '' : '',
    onDraft: (text) => {
      if (keepDraft) state.drafts.set(draftKey, text);
    },
    onSubmit: (value) => answer(value, draftKey),
  });
  state.control = control;
  area.replaceChildren(control.element);
  area.dataset.key = key;
  area.dataset.step = input.step ?? '';
  area.dataset.type = input.type ?? '';
  area.dataset.viewer = view.viewer;
  area.dataset.speaker = view.speaker ?? '';
  area.dataset.inputPrivate = input.private ? 'true' : 'false';
  scrollToLatest(area);
  // It is this partner's turn: put them straight into the control.
  control.focus();
}

function renderPause(view, strings) {
  const pause = view.pause ?? { ready: [] };
  $('grounding').textContent = pause.grounding ?? '';
  const ready = new Set(pause.ready ?? []);
  const list = $('ready-list');
  const buttons = $('ready-buttons');
  list.replaceChildren();
  buttons.replaceChildren();
  const pending = [];
  for (const partner of ['a', 'b']) {
    const info = view.partners?.[partner] ?? {};
    if (ready.has(partner)) {
      list.append(el('li', {}, strings.nodes('ui.pause.is_ready', { name: info.name ?? '' })));
    } else {
      pending.push({ partner, info });
    }
  }
  // Each button speaks to its own partner, in that partner's language where it is loaded.
  for (const { partner, info } of pending) {
    const button = el('button', { type: 'button', className: `ready-button ready-${partner}`,
      dataset: { partner } }, el('span', {}, strings.nodes('ui.pause.ready', { name: info.name ?? '' })));
    button.addEventListener('click', () => resume(partner));
    buttons.append(button);
    if (info.locale && info.locale !== strings.locale) {
      stringsFor(info.locale).then((own) => {
        if (!button.isConnected) return;
        button.lang = own.locale;
        button.dir = own.dir;
        button.replaceChildren(el('span', {}, own.nodes('ui.pause.ready', { name: info.name ?? '' })));
      }).catch(() => {});
    }
  }
  scrollToLatest($('pause-panel'));
  if (document.activeElement === $('pause-button') || document.activeElement === document.body
      || !$('pause-panel').contains(document.activeElement)) {
    $('pause-title').focus({ preventScroll: true });
  }
}

// ---------------------------------------------------------------------------------------------
// The end: a kind closing line, the transcript and its download

async function showEnded(view) {
  // The end is shown to both: nothing of either partner's own view stays in the page.
  clearChat();
  state.pageLocale = view.locale ?? state.pageLocale;
  const strings = await useStrings(state.pageLocale);
  state.shownViewer = view.viewer;
  state.shownPrivate = false;
  state.handoff = null;
  setScreen('ended');
  $('ended-title').textContent = strings.text(view.status === 'stopped' ? 'ui.ended.stopped' : 'ui.ended.completed');
  // The last thing the guide said (the closing) or the stop message, exactly as the server put it.
  const closing = [...(view.thread ?? [])].reverse().find((entry) => entry.kind === 'guide' || entry.kind === 'event');
  $('ended-message').textContent = closing?.text ?? '';
  fillLocaleSelect($('transcript-locale'), state.pageLocale);
  await loadTranscript(view.id, state.pageLocale);
  $('ended-title').focus();
}

async function loadTranscript(id, locale) {
  const list = $('transcript');
  $('download-link').href = api.transcriptMarkdownUrl(id, locale);
  try {
    const transcript = await api.transcript(id, locale);
    list.lang = transcript.locale ?? locale;
    list.replaceChildren(...transcriptItems(transcript, state.strings));
  } catch (error) {
    list.replaceChildren();
    showNotice(errorText(error));
  }
}

$('transcript-locale').addEventListener('change', async (event) => {
  state.pageLocale = event.target.value;
  await useStrings(state.pageLocale);
  $('ended-title').textContent = state.strings.text(
    state.view?.status === 'stopped' ? 'ui.ended.stopped' : 'ui.ended.completed');
  await loadTranscript(state.sessionId, state.pageLocale);
});

$('new-button').addEventListener('click', async () => {
  state.sessionId = null;
  state.view = null;
  state.shownViewer = null;
  state.drafts.clear();
  state.shownPrivate = false;
  state.handoff = null;
  clearChat();
  setSessionInUrl(null);
  showNotice('');
  await showSetup();
});

// ---------------------------------------------------------------------------------------------
// Mutations: one at a time, each with the partner and the seq of the latest view

function enqueue(task) {
  const run = state.queue.then(task, task);
  state.queue = run.catch(() => {});
  return run;
}

const RECOVERABLE = new Set(['seq-conflict', 'not-your-turn', 'paused', 'not-paused', 'ended']);

function answer(value, draftKey) {
  return enqueue(async () => {
    const view = state.view;
    if (!view) return;
    setBusy(true);
    showInputError('');
    showNotice('');
    try {
      const next = await api.input(view.id, view.viewer, value, view.seq);
      state.drafts.delete(draftKey);
      await present(next);
    } catch (error) {
      showInputError(errorText(error));
      if (error instanceof ApiError && RECOVERABLE.has(error.code)) await refresh().catch(() => {});
    } finally {
      setBusy(false);
    }
  });
}

/**
 * Sends one tap (pause, stop, ready) so that it always counts: if the session moved on in the
 * meantime, the view is fetched again and the tap is sent once more with the new seq.
 * `send(view)` returns the request to make, or null when the tap no longer applies.
 */
function tap(send) {
  return enqueue(async () => {
    setBusy(true);
    showNotice('');
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        const request = state.view && send(state.view);
        if (!request) return;
        try {
          await present(await request);
          return;
        } catch (error) {
          if (error instanceof ApiError && error.code === 'seq-conflict' && attempt === 0) {
            await refresh();
            continue;
          }
          throw error;
        }
      }
    } catch (error) {
      showNotice(errorText(error));
      if (error instanceof ApiError && RECOVERABLE.has(error.code)) await refresh().catch(() => {});
    } finally {
      setBusy(false);
    }
  });
}

/** Pause or stop, for whoever's turn it is (or partner a when nobody is awaited). */
function control(action) {
  return tap((view) => {
    if (view.status === 'completed' || view.status === 'stopped') return null;
    if (action === 'pause' && view.status === 'paused') return null;
    return api[action](view.id, view.awaiting?.[0] ?? 'a', view.seq);
  });
}

/** One partner says they are ready to continue after a pause. */
function resume(partner) {
  return tap((view) => (view.status === 'paused' ? api.resume(view.id, partner, view.seq) : null));
}

$('pause-button').addEventListener('click', () => control('pause'));
$('stop-button').addEventListener('click', () => control('stop'));
$('quick-exit').addEventListener('click', quickExit);

// ---------------------------------------------------------------------------------------------
// Start-up

async function start() {
  setBusy(true);
  try {
    const { locales, suggested } = await api.locales();
    state.locales = locales ?? [];
    const known = (tag) => state.locales.some((locale) => locale.tag === tag);
    state.pageLocale = known(suggested) ? suggested : (state.locales[0]?.tag ?? 'en');

    const id = sessionFromUrl();
    if (id) {
      try {
        state.sessionId = id;
        await present(await api.view(id, 'a'));
        return;
      } catch (error) {
        state.sessionId = null;
        setSessionInUrl(null);
        await showSetup();
        showNotice(errorText(error));
        return;
      }
    }
    await showSetup();
  } catch (error) {
    // Nothing loaded: say so plainly, with a way to try again.
    const strings = state.strings;
    const retry = el('button', { type: 'button', text: strings?.text('ui.retry') || 'Try again' });
    retry.addEventListener('click', () => location.reload());
    $('loading-screen').replaceChildren(
      el('p', { className: 'error', text: errorText(error) || 'Tandem can’t be reached right now.' }), retry);
  } finally {
    setBusy(false);
  }
}

start();
