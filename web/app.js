// Tandem's web UI: setup, one session's chat, pause and stop, the end; and the way to history,
// the agreement and settings (history.js, agreement.js, settings.js). State lives on the
// server; this page shows one partner's view at a time, in that partner's language, and sends
// each answer, pause, resume and stop as one JSON POST.
//
// One shared device: when the turn passes to the other partner right after a private step, the
// whole conversation is taken out of the page (not just hidden) and a hand-off screen asks for
// the device to be passed on; the next partner's view is fetched only when they say they have it.
// Private answers are never kept anywhere but in the form they were given in.
//
// Two devices: the owner's browser is partner a and shows a code with which partner b joins
// from another browser; each browser then only ever asks for its own partner's view, and follows
// the other's turns through a live stream of views (Server-Sent Events), with no hand-off.

import './prefs.js'; // first: this browser's theme and text size, before anything is drawn
import { api, ApiError } from './api.js';
import { graphemeCount, stringsFor } from './i18n.js';
import { el, entrySignature, inputControl, threadEntry, transcriptItems } from './render.js';
import {
  COLOURS, applyColours, readPrefs, saveSessionPrefs, sessionPrefs, timeZone,
} from './prefs.js';
import {
  $, closeNav, errorText, fillLocaleSelect, formatDateTime, localeKnown, navigate, setBusy, setHash,
  setPageLocale, setRouter, setScreen, shell, showNotice, updateNav, useStrings,
} from './shell.js';
import { showHistory, showRecord } from './history.js';
import { showAgreement } from './agreement.js';
import { showSettings } from './settings.js';

const NAME_MAX = 40;

const state = {
  sessionId: null,
  view: null,
  devices: 'one', // this session: 'one' shared device, or 'two' (each partner on their own)
  me: null, // with two devices: the partner this browser is
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
  stream: null, // {key, source, retry} — the live views of the session on screen
  pairStatus: '', // what the joining screen's status line last said (state and code)
  pairExpiry: 0, // timer: the code on the joining screen runs out
  pairing: null, // the latest code and link for the second device
};

// ---------------------------------------------------------------------------------------------
// Small helpers

function showInputError(text) {
  $('input-error').textContent = text;
}

/** Is this session played on two devices (so this browser only ever shows its own partner)? */
function onTwoDevices(view) {
  return shell.role === 'partner' || view?.devices === 'two' || state.devices === 'two';
}

/** The partner this browser is, on two devices: partner b on the joined device, a on the owner's. */
function ownPartner() {
  return shell.role === 'partner' ? state.me : 'a';
}

function isLive(view) {
  return view?.status === 'active' || view?.status === 'paused';
}

/** The session that is under way (for the "Conversation" link), or none. */
function noteLive(view) {
  shell.liveSession = isLive(view) ? view.id : (shell.role === 'partner' ? view?.id ?? null : null);
  updateNav();
}

/** Each session remembers (in this browser) its partners' colours and how many devices it uses. */
function adoptSession(id) {
  const prefs = sessionPrefs(id);
  applyColours(prefs.colours);
  if (state.sessionId !== id) {
    state.devices = prefs.devices;
    state.pairing = null;
    state.shownViewer = null;
    state.shownPrivate = false;
    state.view = null;
  }
  state.sessionId = id;
}

// ---------------------------------------------------------------------------------------------
// Quick exit: the page is replaced by a blank one at once (also: Escape twice).

function quickExit() {
  closeStream();
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
  // A single Escape folds the menu away again, as menus do.
  if (document.body.classList.contains('nav-open')) {
    closeNav();
    $('nav-toggle').focus();
  }
});

// ---------------------------------------------------------------------------------------------
// Navigation: every section is a screen of this one page, named in the address (#history…)

/** Leaves the conversation screens: nothing of a partner's view stays in the page. */
function leaveSession() {
  closeStream();
  clearChat();
  state.handoff = null;
}

async function route(hash) {
  closeNav();
  showNotice('');
  const session = /^#session=([^&]+)$/.exec(hash);
  const record = /^#record=([^&]+)$/.exec(hash);
  const pair = /^#pair=([^&]+)$/.exec(hash);
  // A device that joined one session sees only that session and this browser's settings.
  if (shell.role === 'partner' && hash !== '#settings') {
    return openSession(state.sessionId);
  }
  if (session) return openSession(decodeURIComponent(session[1]));
  if (pair) return openPairing(decodeURIComponent(pair[1]));
  leaveSession();
  setHash(hash === '#start' ? '' : hash);
  setBusy(true);
  try {
    if (hash === '#history') await showHistory();
    else if (record) await showRecord(decodeURIComponent(record[1]));
    else if (hash === '#agreement') await showAgreement();
    else if (hash === '#settings') await showSettings();
    else await showSetup();
  } catch (error) {
    showNotice(errorText(error));
  } finally {
    setBusy(false);
  }
}

setRouter(route);

// Someone may edit the address (Tandem itself only ever replaces it, so Back never leads here).
const ROUTES = /^(#(start|history|agreement|settings|(session|record|pair)=[^&]+))?$/;
window.addEventListener('hashchange', () => {
  if (ROUTES.test(location.hash)) route(location.hash);
});

// The skip link moves focus to the content without touching the address.
document.querySelector('.skip-link').addEventListener('click', (event) => {
  event.preventDefault();
  $('main').focus();
});

for (const link of document.querySelectorAll('#site-nav a[data-nav]')) {
  link.addEventListener('click', (event) => {
    event.preventDefault();
    navigate(link.getAttribute('href'));
  });
}

$('nav-toggle').addEventListener('click', () => {
  const open = $('nav-toggle').getAttribute('aria-expanded') !== 'true';
  $('nav-toggle').setAttribute('aria-expanded', open ? 'true' : 'false');
  document.body.classList.toggle('nav-open', open);
  if (open) $('site-nav').querySelector('li:not([hidden]) a')?.focus();
});

/** The session in the address (or the joined one): its current view, from the server. */
async function openSession(id) {
  if (!id) return route('');
  setBusy(true);
  try {
    adoptSession(id);
    setHash(`#session=${encodeURIComponent(id)}`);
    const partner = onTwoDevices(null) ? ownPartner() : (state.shownViewer ?? 'a');
    await present(await api.view(id, partner));
  } catch (error) {
    if (shell.role === 'partner') {
      await showGone(error);
    } else {
      state.sessionId = null;
      await showSetup();
      showNotice(errorText(error));
    }
  } finally {
    setBusy(false);
  }
}

// ---------------------------------------------------------------------------------------------
// Setup

async function showSetup() {
  leaveSession();
  applyColours(state.lastPartners?.colours);
  await useStrings(shell.pageLocale);
  fillLocaleSelect($('page-locale'), shell.pageLocale);
  for (const partner of ['a', 'b']) {
    const select = $(`locale-${partner}`);
    const keep = state.lastPartners?.[partner]?.locale;
    fillLocaleSelect(select, keep && localeKnown(keep) ? keep : shell.pageLocale);
    if (state.lastPartners) $(`name-${partner}`).value = state.lastPartners[partner].name;
  }
  renderSwatches();
  await loadFlows();
  setScreen('setup');
  $('setup-title').focus();
}

/** Six named colours per partner, as radio buttons: the name is the label, the dot decoration. */
function renderSwatches() {
  const strings = shell.strings;
  const chosen = { a: document.documentElement.dataset.colourA, b: document.documentElement.dataset.colourB };
  for (const partner of ['a', 'b']) {
    const box = document.querySelector(`.swatches[data-partner="${partner}"]`);
    box.replaceChildren(...COLOURS.map((colour) => {
      const id = `colour-${partner}-${colour}`;
      const input = el('input', { type: 'radio', id, name: `colour-${partner}`, value: colour,
        checked: chosen[partner] === colour });
      input.addEventListener('change', () => {
        chosen[partner] = colour;
        applyColours(chosen);
      });
      return el('label', { className: 'swatch', htmlFor: id, dataset: { colour } }, input,
        el('span', { className: 'swatch-dot', 'aria-hidden': 'true' }),
        el('span', { className: 'swatch-name', text: strings.text(`ui.colour.${colour}`) }));
    }));
  }
}

function chosenColours() {
  const pick = (partner) => document.querySelector(`input[name="colour-${partner}"]:checked`)?.value;
  return { a: pick('a') ?? 'teal', b: pick('b') ?? 'lavender' };
}

async function loadFlows() {
  const list = $('flow-list');
  const selected = list.querySelector('input:checked')?.value;
  let flows = [];
  try {
    flows = (await api.flows(shell.pageLocale)).flows ?? [];
  } catch (error) {
    showNotice(errorText(error));
  }
  const strings = shell.strings;
  if (flows.length === 0) {
    list.replaceChildren(el('p', { className: 'hint', text: strings.text('ui.setup.no_flows') }));
    return;
  }
  list.replaceChildren(...flows.map((flow, index) => {
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
  const tag = event.target.value;
  for (const partner of ['a', 'b']) {
    if (!state.localeTouched[partner]) $(`locale-${partner}`).value = tag;
  }
  await setPageLocale(tag);
  renderSwatches();
  await loadFlows();
});

for (const partner of ['a', 'b']) {
  $(`locale-${partner}`).addEventListener('change', () => { state.localeTouched[partner] = true; });
  $(`name-${partner}`).addEventListener('input', (event) => event.target.removeAttribute('aria-invalid'));
}

$('setup-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const strings = shell.strings;
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
  const devices = document.querySelector('input[name="devices"]:checked')?.value === 'two' ? 'two' : 'one';
  const colours = chosenColours();
  const start = $('start-button');
  start.disabled = true;
  setBusy(true);
  try {
    const view = await api.startSession(flow, partners);
    saveSessionPrefs(view.id, { colours, devices });
    state.lastPartners = { a: partners[0], b: partners[1], colours };
    state.shownViewer = null;
    state.sessionId = null; // adopt the new one afresh
    adoptSession(view.id);
    if (devices === 'two') {
      setHash(`#pair=${encodeURIComponent(view.id)}`);
      state.view = view;
      noteLive(view);
      await showPairing(view, { fresh: true });
    } else {
      setHash(`#session=${encodeURIComponent(view.id)}`);
      await present(view);
    }
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
// Two devices: the code and link for the second device

async function openPairing(id) {
  setBusy(true);
  try {
    adoptSession(id);
    const view = await api.view(id, 'a');
    state.view = view;
    noteLive(view);
    if (!isLive(view) || view.devices === 'two') {
      setHash(`#session=${encodeURIComponent(id)}`);
      await present(view);
    } else {
      setHash(`#pair=${encodeURIComponent(id)}`);
      await showPairing(view, { fresh: false });
    }
  } catch (error) {
    state.sessionId = null;
    await showSetup();
    showNotice(errorText(error));
  } finally {
    setBusy(false);
  }
}

/**
 * Asks the server for a code (or shows the one still outstanding) and explains how the other
 * partner joins. The owner's live stream says when they have.
 */
async function showPairing(view, { fresh }) {
  clearChat();
  state.devices = 'two';
  saveSessionPrefs(view.id, { devices: 'two' });
  const partner = 'b';
  const strings = await useStrings(view.partners?.a?.locale ?? shell.pageLocale);
  const name = view.partners?.[partner]?.name ?? '';
  setScreen('pair');
  $('pair-title').replaceChildren(strings.nodes('ui.pair.title', { name }));
  $('pair-link-label').replaceChildren(strings.nodes('ui.pair.link_label', { name }));
  $('pair-error').textContent = '';
  let pairing = !fresh ? view.pairing ?? state.pairing : null;
  if (!pairing) {
    try {
      pairing = await api.pair(view.id, partner);
    } catch (error) {
      $('pair-error').textContent = errorText(error);
    }
  }
  state.pairing = pairing;
  $('pair-intro').replaceChildren(strings.nodes('ui.pair.intro', { name, address: joinAddress(pairing) }));
  renderPairing(pairing, strings);
  state.pairStatus = '';
  updatePairStatus(view);
  ensureStream(view.id, 'a'); // the stream says when the other device joins
  $('pair-title').focus();
}

/** Where the other device types the code: the link without it. */
function joinAddress(pairing) {
  try {
    const url = new URL(pairing.link);
    return `${url.origin}${url.pathname}`;
  } catch {
    return `${location.origin}/join`;
  }
}

function renderPairing(pairing, strings) {
  const code = String(pairing?.code ?? '');
  // Large and spaced to read aloud or copy; a screen reader hears it digit by digit.
  $('pair-code-digits').replaceChildren(...[...code].map((digit) => el('span', { className: 'digit', text: digit })));
  $('pair-code-spoken').textContent = [...code].join(' ');
  $('pair-link').value = pairing?.link ?? '';
  const expires = formatDateTime(pairing?.expires_at, strings.locale, { timeStyle: 'short' });
  $('pair-expires').textContent = expires ? strings.text('ui.pair.expires', { time: expires }) : '';
  $('pair-copy').hidden = !pairing?.link || !navigator.clipboard;
  // Running out is no event on the server: look again when the code expires.
  clearTimeout(state.pairExpiry);
  const left = Date.parse(pairing?.expires_at ?? '') - Date.now();
  if (Number.isFinite(left)) {
    state.pairExpiry = setTimeout(() => {
      if (document.body.dataset.screen === 'pair' && state.view) updatePairStatus(state.view);
    }, Math.max(0, left) + 500);
  }
}

/** Waiting, joined (the used code goes away), or a code that has run out (a new one is a tap away). */
function updatePairStatus(view) {
  const strings = shell.strings;
  const name = view.partners?.b?.name ?? '';
  const joined = view.devices === 'two';
  // A code the server still holds (perhaps asked for again elsewhere) is the one to show.
  if (!joined && view.pairing?.code && view.pairing.code !== state.pairing?.code) {
    state.pairing = view.pairing;
    renderPairing(state.pairing, strings);
  }
  const expires = Date.parse(state.pairing?.expires_at ?? '');
  const expired = !joined && (!state.pairing || (Number.isFinite(expires) && expires <= Date.now()));
  const key = joined ? 'ui.pair.joined' : expired ? 'ui.pair.expired' : 'ui.pair.waiting';
  // Only news rewrites the line: a stream update that changes nothing here keeps what it says
  // (that a new code was made, or the link was copied).
  const status = `${key}|${state.pairing?.code ?? ''}`;
  if (status !== state.pairStatus) {
    state.pairStatus = status;
    $('pair-status').replaceChildren(strings.nodes(key, { name }));
  }
  $('pair-status').classList.toggle('joined', joined);
  const card = document.querySelector('.pair-card');
  if ((joined || expired) && card.contains(document.activeElement)) $('pair-continue').focus();
  card.hidden = joined || expired;
  $('pair-renew').hidden = joined;
  $('pair-one-device').hidden = joined;
}

$('pair-copy').addEventListener('click', async () => {
  try {
    await navigator.clipboard.writeText($('pair-link').value);
    $('pair-status').textContent = shell.strings.text('ui.pair.copied');
  } catch {
    $('pair-link').focus(); // it can still be selected and copied by hand
  }
});

// Focusing the link selects all of it, ready to copy by hand.
$('pair-link').addEventListener('focus', () => $('pair-link').select());

$('pair-renew').addEventListener('click', () => enqueue(async () => {
  if (!state.view) return;
  setBusy(true);
  $('pair-error').textContent = '';
  try {
    state.pairing = await api.pair(state.view.id, 'b');
    renderPairing(state.pairing, shell.strings);
    document.querySelector('.pair-card').hidden = false;
    state.pairStatus = `ui.pair.waiting|${state.pairing.code}`;
    $('pair-status').textContent = shell.strings.text('ui.pair.renewed');
  } catch (error) {
    $('pair-error').textContent = errorText(error);
  } finally {
    setBusy(false);
  }
}));

$('pair-continue').addEventListener('click', () => {
  if (state.sessionId) navigate(`#session=${encodeURIComponent(state.sessionId)}`);
});

$('pair-one-device').addEventListener('click', () => {
  if (!state.sessionId) return;
  // Until the other partner joins, the session can still be shared on this one device.
  state.devices = 'one';
  saveSessionPrefs(state.sessionId, { devices: 'one' });
  closeStream();
  navigate(`#session=${encodeURIComponent(state.sessionId)}`);
});

$('pair-reminder-show').addEventListener('click', () => {
  if (state.sessionId) navigate(`#pair=${encodeURIComponent(state.sessionId)}`);
});

// ---------------------------------------------------------------------------------------------
// Live updates (two devices): every committed change arrives as a `view` event

function closeStream() {
  if (!state.stream) return;
  clearTimeout(state.stream.retry);
  state.stream.source?.close();
  state.stream = null;
}

function ensureStream(id, partner) {
  const key = `${id}|${partner}`;
  if (state.stream?.key === key && state.stream.source) return;
  closeStream();
  if (typeof EventSource !== 'function') return;
  const source = new EventSource(api.eventsUrl(id, partner));
  const stream = { key, source, retry: 0 };
  state.stream = stream;
  source.addEventListener('view', (event) => {
    let view;
    try {
      view = api.live(JSON.parse(event.data));
    } catch {
      return;
    }
    if (view === undefined) return; // the page already holds newer
    if (view) {
      onLiveView(view);
      return;
    }
    // Only what followed the stream's previous view, and the page lacks some before it.
    enqueue(async () => {
      try {
        onLiveView(await api.view(id, partner)); // not awaited: it queues behind this task
      } catch (error) {
        showNotice(errorText(error));
      }
    });
  });
  source.addEventListener('error', () => {
    // EventSource reconnects by itself after a dropped line; it gives up on a refusal (the
    // session deleted, too many streams). Then look again in a little while, calmly.
    if (source.readyState !== EventSource.CLOSED || state.stream !== stream) return;
    stream.source = null;
    stream.retry = setTimeout(() => {
      if (state.stream !== stream) return;
      state.stream = null;
      enqueue(async () => {
        try {
          const view = await api.view(id, partner);
          onLiveView(view);
          if (isLive(view)) ensureStream(id, partner);
        } catch (error) {
          if (shell.role === 'partner') await showGone(error);
          else showNotice(errorText(error));
        }
      });
    }, 5000);
  });
}

/** A view pushed by the server: shown if it is newer than what is on screen. */
function onLiveView(view) {
  return enqueue(async () => {
    if (!view || view.id !== state.sessionId) return;
    const current = state.view;
    if (current && current.id === view.id) {
      if (view.seq < current.seq) return;
      const same = view.seq === current.seq && view.status === current.status && view.devices === current.devices
        && JSON.stringify(view.pairing ?? null) === JSON.stringify(current.pairing ?? null);
      if (same) return;
    }
    const screen = document.body.dataset.screen;
    if (screen === 'pair') {
      state.view = view;
      updatePairStatus(view);
      if (!isLive(view)) await present(view);
      return;
    }
    if (screen === 'chat' || screen === 'handoff') {
      await present(view);
      return;
    }
    state.view = view; // another screen is open: keep the news for when they come back
    noteLive(view);
  });
}

// ---------------------------------------------------------------------------------------------
// The session: fetch the right partner's view and show it

/** The partner to show on a shared device: the first one awaited, else whoever was shown. */
function partnerToShow(view) {
  if (view.awaiting?.length) return view.awaiting[0];
  return state.shownViewer ?? view.viewer;
}

async function present(view) {
  if (onTwoDevices(view)) {
    await presentOwn(view);
    return;
  }
  const wanted = partnerToShow(view);
  const live = isLive(view);
  // After a private step, the device changes hands through the hand-off screen.
  if (live && state.shownPrivate && state.shownViewer && wanted && wanted !== state.shownViewer) {
    await showHandoff(view, wanted);
    return;
  }
  if (wanted && wanted !== view.viewer && live) {
    try {
      // A turn's answer may already bring that partner's view (api.input on a shared device).
      view = view.next?.viewer === wanted ? view.next : await api.view(view.id, wanted);
    } catch (error) {
      // That partner has joined on their own device since: this browser is partner a only now.
      if (error instanceof ApiError && error.code === 'partner-on-other-device') {
        state.devices = 'two';
        saveSessionPrefs(view.id, { devices: 'two' });
        await presentOwn(view);
        showNotice(errorText(error));
        return;
      }
      throw error;
    }
  }
  state.view = view;
  state.sessionId = view.id;
  noteLive(view);
  if (view.status === 'completed' || view.status === 'stopped') {
    await showEnded(view);
  } else {
    await showChat(view);
  }
}

/** Two devices: this browser's own partner's view, kept current by the live stream. */
async function presentOwn(view) {
  const me = ownPartner();
  if (view.devices === 'two' && shell.role === 'owner' && state.devices !== 'two') {
    state.devices = 'two';
    saveSessionPrefs(view.id, { devices: 'two' });
  }
  if (view.viewer !== me) view = await api.view(view.id, me);
  state.view = view;
  state.sessionId = view.id;
  noteLive(view);
  if (view.status === 'completed' || view.status === 'stopped') {
    closeStream();
    await showEnded(view);
  } else {
    ensureStream(view.id, me);
    await showChat(view);
  }
}

async function refresh() {
  const partner = onTwoDevices(state.view) ? ownPartner() : (state.shownViewer ?? 'a');
  const view = await api.view(state.sessionId, partner);
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
  $('waiting').hidden = true;
  $('waiting-label').replaceChildren();
  $('pair-reminder').hidden = true;
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
  api.forgetThread(view.id, view.viewer);  // the thread this page kept for the partner handing over
  state.handoff = { id: view.id, partner: next };
  state.shownViewer = next;
  state.shownPrivate = false;
  state.view = { id: view.id, seq: view.seq, status: view.status, viewer: next, devices: view.devices,
    awaiting: [...(view.awaiting ?? [])], partners: view.partners };
  state.sessionId = view.id;
  const name = view.partners?.[next]?.name ?? '';
  const strings = shell.strings;
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
  const two = onTwoDevices(view);
  state.shownViewer = view.viewer;
  state.handoff = null;
  setScreen('chat');

  $('flow-title').textContent = view.flow?.title ?? '';
  renderProgress(view, strings);
  renderPairReminder(view, strings);
  renderThread(view, strings);

  const paused = view.status === 'paused';
  $('pause-button').disabled = paused;
  $('pause-panel').hidden = !paused;
  if (paused) {
    $('turn').hidden = true;
    $('waiting').hidden = true;
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
  const passed = !two && Boolean(previous) && previous !== view.viewer;
  handoff.hidden = !passed;
  if (passed) {
    handoff.replaceChildren(strings.nodes('ui.turn.handoff', { name: view.partners?.[view.viewer]?.name ?? '' }));
  }
  // On their own device, the other partner answers elsewhere: say whom this page is waiting for.
  const other = view.awaiting?.find((partner) => partner !== view.viewer);
  const waiting = $('waiting');
  waiting.hidden = !(two && !awaited && other);
  waiting.className = `waiting waiting-${other ?? ''}`;
  if (!waiting.hidden) {
    $('waiting-label').replaceChildren(strings.nodes('ui.waiting.for', { name: view.partners?.[other]?.name ?? '' }));
  }
  renderInput(view, strings, awaited ? view.input : null);
}

/** On the owner's browser, until the other partner has joined: how to let them in. */
function renderPairReminder(view, strings) {
  const show = shell.role === 'owner' && state.devices === 'two' && view.devices !== 'two' && isLive(view);
  $('pair-reminder').hidden = !show;
  if (show) {
    $('pair-reminder-text').replaceChildren(strings.nodes('ui.pair.reminder', { name: view.partners?.b?.name ?? '' }));
  }
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

/** The guide entry that asks the question on screen now, if it is in the thread. */
function askingEntry(view) {
  if (!view.input || !view.awaiting?.includes(view.viewer)) return null;
  const thread = view.thread ?? [];
  for (let i = thread.length - 1; i >= 0; i--) {
    const entry = thread[i];
    if (entry.kind === 'guide') return entry.text === view.input.prompt ? { entry, index: i } : null;
  }
  return null;
}

function renderThread(view, strings) {
  const log = $('thread');
  const rendered = state.rendered;
  let entries = view.thread ?? [];
  // The question being asked right now is shown once, on the card with its control; it joins the
  // thread when it has been answered. (The other partner may have answered it already, below it.)
  const asking = askingEntry(view);
  if (asking) entries = entries.filter((_, i) => i !== asking.index);
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

/**
 * Which question is on screen. It stays the same question while only the other partner's side
 * moves on (with two devices, the session's seq changes under a half-filled form), and becomes
 * a new one each time the guide asks again.
 */
function questionKey(view, input) {
  const base = `${view.id}|${view.viewer}|${input.step}|${input.type}|${view.locale}`;
  const asked = askingEntry(view)?.entry
    ?? [...(view.thread ?? [])].reverse().find((entry) => entry.kind === 'guide' && entry.text === input.prompt);
  if (asked) return `${base}|${asked.seq}`;
  if (state.inputKey?.startsWith(`${base}|`)) return state.inputKey;
  return `${base}|${view.seq}`;
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
  const key = questionKey(view, input);
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
  const two = onTwoDevices(view);
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
    } else if (two && partner !== view.viewer) {
      // The other partner says so on their own device.
      list.append(el('li', {}, strings.nodes('ui.pause.waiting_for', { name: info.name ?? '' })));
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
  const locale = view.locale ?? shell.pageLocale;
  const strings = await useStrings(locale);
  state.shownViewer = view.viewer;
  state.shownPrivate = false;
  state.handoff = null;
  setScreen('ended');
  $('ended-title').textContent = strings.text(view.status === 'stopped' ? 'ui.ended.stopped' : 'ui.ended.completed');
  // The last thing the guide said (the closing) or the stop message, exactly as the server put it.
  const closing = [...(view.thread ?? [])].reverse().find((entry) => entry.kind === 'guide' || entry.kind === 'event');
  $('ended-message').textContent = closing?.text ?? '';
  fillLocaleSelect($('transcript-locale'), locale);
  await loadTranscript(view.id, locale);
  $('ended-title').focus();
}

/**
 * The transcript below the closing. A joined device reads its own partner's (with that
 * partner's private answers, on their own screen); a shared device reads the one without any.
 */
async function loadTranscript(id, locale) {
  const list = $('transcript');
  const partner = shell.role === 'partner' ? state.me : undefined;
  $('download-link').href = api.transcriptUrl(id, 'md', { locale, partner });
  try {
    const transcript = await api.transcript(id, { locale, partner, tz: timeZone() });
    list.lang = transcript.locale ?? locale;
    list.replaceChildren(...transcriptItems(transcript, shell.strings, timeZone()));
  } catch (error) {
    list.replaceChildren();
    showNotice(errorText(error));
  }
}

$('transcript-locale').addEventListener('change', async (event) => {
  const locale = event.target.value;
  await useStrings(locale);
  $('ended-title').textContent = shell.strings.text(
    state.view?.status === 'stopped' ? 'ui.ended.stopped' : 'ui.ended.completed');
  await loadTranscript(state.sessionId, locale);
});

$('new-button').addEventListener('click', async () => {
  state.sessionId = null;
  state.view = null;
  state.shownViewer = null;
  state.drafts.clear();
  state.shownPrivate = false;
  state.handoff = null;
  shell.liveSession = null;
  updateNav();
  showNotice('');
  await route('');
});

/** A joined device whose session is gone (deleted, or the server restarted without it). */
async function showGone(error) {
  closeStream();
  clearChat();
  await useStrings(shell.pageLocale);
  const retry = el('button', { type: 'button', text: shell.strings.text('ui.retry') });
  retry.addEventListener('click', () => location.reload());
  $('loading-screen').replaceChildren(el('p', { className: 'error', text: errorText(error) }), retry);
  setScreen('loading');
}

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
      // On a shared device the answer brings the next partner's view, except after a private step:
      // then the hand-off screen comes first, and that view is asked for only once they have the device.
      const shared = !onTwoDevices(view) && !state.shownPrivate;
      const next = await api.input(view.id, view.viewer, value, view.seq, shared);
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

/** Pause or stop: for this browser's own partner on two devices; else whoever's turn it is. */
function control(action) {
  return tap((view) => {
    if (view.status === 'completed' || view.status === 'stopped') return null;
    if (action === 'pause' && view.status === 'paused') return null;
    const partner = onTwoDevices(view) ? ownPartner() : view.awaiting?.[0] ?? 'a';
    return api[action](view.id, partner, view.seq);
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

/** Who this browser is: the owner (opened the printed address) or a device that joined one session. */
async function whoAmI() {
  try {
    return await api.me();
  } catch (error) {
    // A server without /api/me has only owners.
    if (error instanceof ApiError && error.status === 404 && error.code !== 'unknown-session') return { role: 'owner' };
    throw error;
  }
}

async function start() {
  setBusy(true);
  try {
    const [{ locales, suggested }, me] = await Promise.all([api.locales(), whoAmI()]);
    shell.locales = locales ?? [];
    const saved = readPrefs().locale;
    shell.pageLocale = localeKnown(saved) ? saved : localeKnown(suggested) ? suggested : (shell.locales[0]?.tag ?? 'en');

    if (me?.role === 'partner' && me.session) {
      // A second device: straight into its one session, as its partner; no setup, no history.
      shell.role = 'partner';
      state.me = me.partner === 'a' ? 'a' : 'b';
      state.devices = 'two';
      state.sessionId = me.session;
      shell.liveSession = me.session;
      updateNav();
      if (location.hash === '#settings') await route('#settings');
      else await openSession(me.session);
      return;
    }
    shell.role = 'owner';
    updateNav();
    await route(location.hash);
  } catch (error) {
    // Nothing loaded: say so plainly, with a way to try again.
    const strings = shell.strings;
    const retry = el('button', { type: 'button', text: strings?.text('ui.retry') || 'Try again' });
    retry.addEventListener('click', () => location.reload());
    $('loading-screen').replaceChildren(
      el('p', { className: 'error', text: errorText(error) || 'Tandem can’t be reached right now.' }), retry);
  } finally {
    setBusy(false);
  }
}

start();
