// The couple's agreement (owner only): what it says now, and each earlier version — when it was
// saved and in which conversation. Printable (print.css). The server keeps the fields as flows
// wrote them: typed words exactly as typed, choices and list items as their keys, which are
// put into words here (ui.agreement.*), so they read in the interface's language.

import { api } from './api.js';
import { el } from './dom.js';
import { timeZone } from './prefs.js';
import { $, errorText, formatDateTime, navigate, setScreen, shell, useStrings } from './shell.js';

// The order a person would read them in; fields not listed follow in the server's order.
const ORDER = ['pause_word', 'pause_sign', 'shared_yes', 'maybes', 'soft_no_a', 'soft_no_reply_b', 'soft_no_b',
  'soft_no_reply_a', 'checkin_a', 'checkin_b', 'review_months', 'repair_plan_a', 'repair_plan_b', 'repair_safety'];

// Fields whose values are keys (list items, choices), with the strings that name them.
const VALUE_KEYS = {
  shared_yes: (value) => (value.startsWith('item.') ? `ui.agreement.${value}` : null),
  maybes: (value) => (value.startsWith('item.') ? `ui.agreement.${value}` : null),
  checkin: (value) => `ui.agreement.checkin.${value}`,
};

export async function showAgreement() {
  const strings = await useStrings(shell.pageLocale);
  setScreen('agreement');
  $('agreement-title').focus();
  let agreement;
  let sessions = [];
  try {
    [agreement, sessions] = await Promise.all([
      api.agreement(shell.pageLocale),
      api.sessions({ tz: timeZone(), locale: shell.pageLocale }).then((answer) => answer.sessions ?? [], () => []),
    ]);
  } catch (error) {
    $('agreement-version').textContent = errorText(error);
    $('agreement-fields').replaceChildren();
    $('agreement-history').replaceChildren();
    return;
  }
  renderAgreement(agreement, new Map(sessions.map((session) => [session.id, session])), strings);
}

function renderAgreement(agreement, sessions, strings) {
  const history = Array.isArray(agreement.history) ? agreement.history : [];
  const latest = history[history.length - 1];
  const fields = agreement.fields ?? {};
  const empty = Object.keys(fields).length === 0;
  $('agreement-empty').hidden = !empty;
  $('agreement-print').hidden = empty;
  $('agreement-version').replaceChildren(latest
    ? strings.nodes('ui.agreement.current', { version: strings.number(latest.version),
      date: formatDateTime(latest.at, strings.locale, { dateStyle: 'long' }) })
    : '');
  $('agreement-fields').replaceChildren(...fieldRows(fields, namesOf(sessions.get(latest?.session)), strings));
  // Newest first: the latest is what matters most, and the rest is how it came to be.
  $('agreement-history-title').hidden = history.length === 0;
  $('agreement-history').replaceChildren(...history.map((version, i) =>
    versionItem(version, history[i - 1], sessions, strings)).reverse());
}

/** The partners' names of the conversation that saved a version (it may have been deleted since). */
function namesOf(session) {
  return session?.partners ? { a: session.partners.a ?? '', b: session.partners.b ?? '' } : null;
}

function sortedFields(fields) {
  const rank = (field) => (ORDER.includes(field) ? ORDER.indexOf(field) : ORDER.length);
  return Object.keys(fields).sort((x, y) => rank(x) - rank(y));
}

/** A field's name in words; a field of one partner ("soft_no_a") says whose it is. */
function fieldLabel(field, names, strings) {
  const own = /^(.+)_([ab])$/.exec(field);
  if (own && strings.has(`ui.agreement.field.${own[1]}`)) {
    const partner = own[2];
    const name = names?.[partner] || strings.text(partner === 'a' ? 'ui.setup.partner_a' : 'ui.setup.partner_b');
    return strings.nodes(`ui.agreement.field.${own[1]}`, { name });
  }
  if (strings.has(`ui.agreement.field.${field}`)) return strings.text(`ui.agreement.field.${field}`);
  return field.replace(/_/g, ' ');
}

/** A value: typed words as typed (in their own direction), keys in words, lists as lists. */
function fieldValue(field, value, strings) {
  const keyOf = VALUE_KEYS[field] ?? VALUE_KEYS[field.replace(/_[ab]$/, '')];
  const one = (item) => {
    const text = String(item);
    const key = typeof item === 'string' && keyOf ? keyOf(item) : null;
    return key && strings.has(key) ? document.createTextNode(strings.text(key)) : el('bdi', { dir: 'auto', text });
  };
  if (Array.isArray(value)) {
    if (value.length === 0) return el('span', { className: 'none', text: strings.text('ui.agreement.none') });
    return el('ul', { className: 'agreement-list' }, ...value.map((item) => el('li', {}, one(item))));
  }
  if (value === null || value === undefined || value === '') {
    return el('span', { className: 'none', text: strings.text('ui.agreement.none') });
  }
  if (typeof value === 'object') return el('bdi', { dir: 'auto', text: JSON.stringify(value) });
  return one(value);
}

function fieldRows(fields, names, strings) {
  return sortedFields(fields).map((field) => el('div', { className: 'agreement-field', dataset: { field } },
    el('dt', {}, fieldLabel(field, names, strings)),
    el('dd', {}, fieldValue(field, fields[field], strings))));
}

/** One version: when, from which conversation, what changed, and (folded) what it said. */
function versionItem(version, previous, sessions, strings) {
  const session = sessions.get(version.session);
  const names = namesOf(session);
  const fields = version.fields ?? {};
  const changed = sortedFields(fields).filter((field) =>
    JSON.stringify(fields[field]) !== JSON.stringify(previous?.fields?.[field]));
  const from = session
    ? el('p', { className: 'version-from' },
      strings.nodes('ui.agreement.from', { title: session.flow?.title ?? '', a: names.a, b: names.b }), ' ',
      readLink(session.id, strings))
    : el('p', { className: 'version-from', text: strings.text('ui.agreement.from_deleted') });
  return el('li', { className: 'agreement-version-item', dataset: { version: version.version } },
    el('h3', {}, strings.nodes('ui.agreement.version', { version: strings.number(version.version) })),
    el('p', { className: 'version-when' }, el('time', { dateTime: version.at ?? '',
      text: formatDateTime(version.at, strings.locale) })),
    from,
    previous && changed.length
      ? el('p', { className: 'version-changed' }, strings.text('ui.agreement.changed'), ' ',
        ...joinNodes(changed.map((field) => fieldLabel(field, names, strings)), strings.locale))
      : null,
    el('details', { className: 'version-fields' },
      el('summary', { text: strings.text('ui.agreement.show_version') }),
      el('dl', { className: 'agreement-fields' }, ...fieldRows(fields, names, strings))));
}

function readLink(id, strings) {
  const link = el('a', { href: `#record=${encodeURIComponent(id)}`, text: strings.text('ui.agreement.read') });
  link.addEventListener('click', (event) => {
    event.preventDefault();
    navigate(`#record=${encodeURIComponent(id)}`);
  });
  return link;
}

/** "a, b and c" in the reader's language, keeping each part's own nodes. */
function joinNodes(parts, locale) {
  const marks = parts.map((_, i) => `\u0000${i}\u0000`);
  let pattern;
  try {
    pattern = new Intl.ListFormat(locale, { type: 'conjunction' }).format(marks);
  } catch {
    pattern = marks.join(', ');
  }
  const out = [];
  for (const piece of pattern.split(/\u0000(\d+)\u0000/).map((text, i) => (i % 2 ? parts[Number(text)] : text))) {
    if (piece === '') continue;
    out.push(typeof piece === 'string' ? document.createTextNode(piece) : piece);
  }
  return out;
}

$('agreement-print').addEventListener('click', () => window.print());
