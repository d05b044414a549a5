// What this browser remembers (localStorage), never the server: the language of the interface,
// the time zone, the theme and the text size; and for each session, the partners' colours and
// whether it is played on one shared device or on two. The server keeps none of these.
//
// Applied at import, first thing (early.js has usually done it already, before the first paint).

const PREFS_KEY = 'tandem.prefs';
const SESSION_PREFIX = 'tandem.session.';

export const THEMES = ['system', 'light', 'dark'];
export const TEXT_SIZES = ['normal', 'large', 'larger'];
/** The partners' colour choices, in the order they are offered; the names are ui.colour.* keys. */
export const COLOURS = ['teal', 'lavender', 'amber', 'rose', 'sky', 'moss'];
export const DEFAULT_COLOURS = { a: 'teal', b: 'lavender' };

function readJson(key) {
  try {
    const value = JSON.parse(window.localStorage.getItem(key) || 'null');
    return value && typeof value === 'object' ? value : null;
  } catch {
    return null; // storage switched off, full or unreadable: behave as if nothing was saved
  }
}

function writeJson(key, value) {
  try {
    if (value === null) window.localStorage.removeItem(key);
    else window.localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // Not remembered, but the page still works for this visit.
  }
}

/** {locale, dir, timeZone, theme, textSize}, each checked; missing ones are their defaults. */
export function readPrefs() {
  const stored = readJson(PREFS_KEY) ?? {};
  return {
    locale: typeof stored.locale === 'string' ? stored.locale : '',
    dir: stored.dir === 'rtl' ? 'rtl' : 'ltr',
    timeZone: typeof stored.timeZone === 'string' && validTimeZone(stored.timeZone) ? stored.timeZone : '',
    theme: THEMES.includes(stored.theme) ? stored.theme : 'system',
    textSize: TEXT_SIZES.includes(stored.textSize) ? stored.textSize : 'normal',
  };
}

/** Saves some preferences and applies them at once. */
export function savePrefs(changes) {
  const next = { ...readPrefs(), ...changes };
  writeJson(PREFS_KEY, next);
  applyPrefs(next);
  return next;
}

/** Theme as a data attribute and text size as a class on <html>; style.css does the rest. */
export function applyPrefs(prefs = readPrefs()) {
  const root = document.documentElement;
  if (prefs.theme === 'light' || prefs.theme === 'dark') root.dataset.theme = prefs.theme;
  else delete root.dataset.theme; // "system": prefers-color-scheme decides
  for (const size of TEXT_SIZES) root.classList.toggle(`text-${size}`, size !== 'normal' && size === prefs.textSize);
}

function validTimeZone(zone) {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** This device's own time zone, as the browser reports it. */
export function deviceTimeZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/** The time zone dates are shown in: the chosen one, else this device's. */
export function timeZone() {
  return readPrefs().timeZone || deviceTimeZone();
}

/** Every IANA time zone the browser knows, for the settings list. */
export function timeZones() {
  try {
    const zones = Intl.supportedValuesOf('timeZone');
    const own = deviceTimeZone();
    return zones.includes(own) ? zones : [own, ...zones];
  } catch {
    return [deviceTimeZone()];
  }
}

// ---- Per session ------------------------------------------------------------------------------

/** {colours: {a, b}, devices: 'one' | 'two'} for a session, with defaults. */
export function sessionPrefs(id) {
  const stored = (id && readJson(SESSION_PREFIX + id)) || {};
  const colour = (partner) => (COLOURS.includes(stored.colours?.[partner]) ? stored.colours[partner]
    : DEFAULT_COLOURS[partner]);
  return {
    colours: { a: colour('a'), b: colour('b') },
    devices: stored.devices === 'two' ? 'two' : 'one',
  };
}

export function saveSessionPrefs(id, changes) {
  if (!id) return;
  writeJson(SESSION_PREFIX + id, { ...sessionPrefs(id), ...changes });
}

/** After deleting a session, nothing about it stays in this browser either. */
export function forgetSession(id) {
  if (id) writeJson(SESSION_PREFIX + id, null);
}

export function forgetAllSessions() {
  try {
    const keys = [];
    for (let i = 0; i < window.localStorage.length; i++) {
      const key = window.localStorage.key(i);
      if (key?.startsWith(SESSION_PREFIX)) keys.push(key);
    }
    for (const key of keys) window.localStorage.removeItem(key);
  } catch {
    // nothing stored, or storage switched off
  }
}

/** Paints the partners' colours: style.css maps data-colour-a / -b to the partner variables. */
export function applyColours(colours = DEFAULT_COLOURS) {
  const root = document.documentElement;
  root.dataset.colourA = COLOURS.includes(colours.a) ? colours.a : DEFAULT_COLOURS.a;
  root.dataset.colourB = COLOURS.includes(colours.b) ? colours.b : DEFAULT_COLOURS.b;
}

applyPrefs();
applyColours();
