// What every screen shares: which screen is showing, the strings on the page, the notice line,
// the header's navigation, and dates in the reader's language and time zone. The screens
// (app.js, history.js, agreement.js, settings.js) use these and never reach into one another.

import { ApiError } from './api.js';
import { applyStrings, stringsFor } from './i18n.js';
import { el } from './dom.js';
import { savePrefs, timeZone } from './prefs.js';

export const $ = (id) => document.getElementById(id);

/** Shared by all screens. `role` is 'owner' (the browser that opened the printed address) or
 *  'partner' (a second device that joined one session with a code). */
export const shell = {
  role: 'owner',
  locales: [], // [{tag, name, dir}]
  pageLocale: 'en', // the interface's language outside a conversation
  strings: null, // Strings of what is on screen now
  liveSession: null, // the session under way, for the "Conversation" link
};

// Screens whose header shows Pause and Stop: a conversation is on, the hand-off screen included.
const SESSION_SCREENS = new Set(['chat', 'handoff']);
// Which link of the navigation each screen belongs to.
const NAV_OF = { setup: 'setup', pair: 'chat', chat: 'chat', handoff: 'chat', ended: 'chat', history: 'history',
  record: 'history', agreement: 'agreement', settings: 'settings' };

export function setScreen(name) {
  document.body.dataset.screen = name;
  for (const section of document.querySelectorAll('.screen')) section.hidden = section.dataset.for !== name;
  const inSession = SESSION_SCREENS.has(name);
  $('session-bar').hidden = !inSession;
  $('pause-button').hidden = !inSession;
  $('stop-button').hidden = !inSession;
  $('progress').hidden = name !== 'chat';
  markNav(NAV_OF[name] ?? null);
  closeNav();
}

/** The current section is marked for assistive technology (aria-current) and by style. */
function markNav(current) {
  for (const link of document.querySelectorAll('#site-nav a[data-nav]')) {
    if (link.dataset.nav === current) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

/** Shows the links this browser may use; "Conversation" only while one is under way. */
export function updateNav() {
  $('site-nav').hidden = false;
  for (const item of document.querySelectorAll('[data-owner-only]')) item.hidden = shell.role !== 'owner';
  const chat = $('nav-chat');
  const live = shell.liveSession;
  $('nav-chat-item').hidden = !live;
  chat.href = live ? `#session=${encodeURIComponent(live)}` : '#';
}

export function closeNav() {
  $('nav-toggle').setAttribute('aria-expanded', 'false');
  document.body.classList.remove('nav-open');
}

let busyDepth = 0;

/**
 * Busy while something is under way: controls wait, and tests wait for "idle". Calls nest (a
 * screen that loads inside start-up), so only the outermost pair changes anything.
 */
export function setBusy(busy) {
  busyDepth = Math.max(0, busyDepth + (busy ? 1 : -1));
  if (busy ? busyDepth !== 1 : busyDepth !== 0) return;
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

export async function useStrings(locale) {
  const strings = await stringsFor(locale);
  shell.strings = strings;
  document.documentElement.lang = strings.locale || locale;
  document.documentElement.dir = strings.dir;
  applyStrings(document, strings);
  document.title = strings.text('ui.app_name') || 'Tandem';
  return strings;
}

/** The interface's language, chosen on the first screen or in settings, remembered in this browser. */
export async function setPageLocale(tag) {
  shell.pageLocale = tag;
  const strings = await useStrings(tag);
  savePrefs({ locale: tag, dir: strings.dir });
  return strings;
}

/** A calm sentence for an error: the server's own localized detail when there is one. */
export function errorText(error) {
  if (error instanceof ApiError) {
    if (error.code === 'offline') return shell.strings?.text('ui.error.offline') ?? '';
    if (error.detail) return error.detail;
  } else {
    console.error(error);
  }
  return shell.strings?.text('ui.error.generic') ?? '';
}

export function showNotice(text) {
  $('notice').textContent = text;
}

/**
 * The address bar follows the screen, so a reload comes back to it. replaceState, never
 * pushState: quick exit must leave no Tandem entry behind the blank page.
 */
export function setHash(hash) {
  history.replaceState(null, '', `${location.pathname}${location.search}${hash}`);
}

export function fillLocaleSelect(select, selected) {
  select.replaceChildren(...shell.locales.map((locale) =>
    el('option', { value: locale.tag, lang: locale.tag, dir: locale.dir, text: locale.name,
      selected: locale.tag === selected })));
  select.value = selected;
}

export function localeKnown(tag) {
  return shell.locales.some((locale) => locale.tag === tag);
}

/** A date and time in the reader's language and chosen time zone, or '' if it can't be read. */
export function formatDateTime(iso, locale, options = { dateStyle: 'medium', timeStyle: 'short' }) {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  try {
    return new Intl.DateTimeFormat(locale, { ...options, timeZone: timeZone() }).format(date);
  } catch {
    return date.toISOString();
  }
}

// ---- Navigation between screens -------------------------------------------------------------

let router = null;

/** app.js routes; the other screens only ask for a place (a hash such as '#history'). */
export function setRouter(route) {
  router = route;
}

export function navigate(hash) {
  return router?.(hash);
}
