// History (owner only): every conversation kept on this device, newest first; a search through
// names and typed answers; reading one conversation again in the reader's language; saving it
// (Markdown, plain text, JSON) or printing it; and deleting one, or everything, for real.
//
// Private answers never appear here: the list, the search and every export are asked for
// without a partner, and the server leaves private answers out of those.

import { api } from './api.js';
import { el } from './dom.js';
import { forgetAllSessions, forgetSession, timeZone } from './prefs.js';
import { transcriptItems } from './render.js';
import {
  $, errorText, fillLocaleSelect, formatDateTime, navigate, setHash, setScreen, shell, updateNav, useStrings,
} from './shell.js';

const SEARCH_DELAY_MS = 300; // wait for a pause in typing before asking the server
let searchTimer = 0;
let searchRound = 0; // only the answer to the latest search is shown
let sessions = []; // what the list shows now

// ---------------------------------------------------------------------------------------------
// The list

export async function showHistory() {
  const strings = await useStrings(shell.pageLocale);
  setScreen('history');
  $('history-title').focus();
  await loadSessions($('history-query').value.trim(), strings);
}

async function loadSessions(query, strings = shell.strings) {
  const round = ++searchRound;
  const list = $('history-list');
  list.setAttribute('aria-busy', 'true');
  try {
    const answer = await api.sessions({ q: query || undefined, tz: timeZone(), locale: shell.pageLocale });
    if (round !== searchRound) return;
    sessions = answer.sessions ?? [];
    renderList(sessions, query, strings);
  } catch (error) {
    if (round !== searchRound) return;
    $('history-status').textContent = errorText(error);
  } finally {
    if (round === searchRound) list.setAttribute('aria-busy', 'false');
  }
}

function renderList(items, query, strings) {
  const status = $('history-status');
  if (items.length === 0) {
    status.replaceChildren(query ? strings.nodes('ui.history.no_results', { query })
      : strings.text('ui.history.empty'));
  } else {
    status.replaceChildren(query ? strings.nodes('ui.history.results', { query }) : '');
  }
  $('history-list').replaceChildren(...items.map((session) => historyItem(session, strings)));
}

const STATUS_KEYS = {
  active: 'ui.status.active', paused: 'ui.status.paused', completed: 'ui.status.completed', stopped: 'ui.status.stopped',
};

function statusText(strings, status) {
  return STATUS_KEYS[status] ? strings.text(STATUS_KEYS[status]) : '';
}

function historyItem(session, strings) {
  const titleId = `history-${session.id}`;
  const partners = session.partners ?? {};
  const live = session.status === 'active' || session.status === 'paused';
  const read = el('button', { type: 'button', className: 'primary-quiet', 'aria-describedby': titleId,
    text: strings.text('ui.history.read') });
  read.addEventListener('click', () => navigate(`#record=${encodeURIComponent(session.id)}`));
  const resume = live ? el('button', { type: 'button', 'aria-describedby': titleId,
    text: strings.text('ui.history.continue') }) : null;
  resume?.addEventListener('click', () => navigate(`#session=${encodeURIComponent(session.id)}`));
  const remove = el('button', { type: 'button', className: 'danger-quiet', 'aria-describedby': titleId,
    text: strings.text('ui.history.delete') });
  remove.addEventListener('click', () => confirmDelete(session, remove));

  return el('li', { className: `history-item status-${session.status ?? ''}`, dataset: { session: session.id } },
    el('h2', { id: titleId, className: 'history-title', text: session.flow?.title ?? session.flow?.id ?? '' }),
    el('p', { className: 'history-names' },
      strings.nodes('ui.history.names', { a: partners.a ?? '', b: partners.b ?? '' })),
    el('p', { className: 'history-when' },
      el('time', { dateTime: session.started_at ?? '', text: session.started ?? '' }),
      session.started_ago ? el('span', { className: 'ago', text: ` · ${session.started_ago}` }) : null,
      el('span', { className: `status-badge status-${session.status ?? ''}`, text: statusText(strings, session.status) })),
    matchesList(session, strings),
    el('div', { className: 'history-actions' }, read, resume,
      exportMenu(session.id, strings, titleId), remove));
}

/** What matched a search: the answers' own words, as typed (any script, any direction). */
function matchesList(session, strings) {
  const matches = Array.isArray(session.matches) ? session.matches : [];
  if (matches.length === 0) return null;
  return el('div', { className: 'matches' },
    el('p', { className: 'matches-label', text: strings.text('ui.history.matches') }),
    el('ul', {}, ...matches.map((text) => el('li', {}, el('bdi', { dir: 'auto', text: String(text) })))));
}

/**
 * Saving and printing, folded away so the list stays calm: Markdown and plain text download,
 * JSON is the data itself, and the printable page opens in a new tab. In the reader's language
 * and time zone.
 */
export function exportMenu(id, strings, describedBy, locale = shell.pageLocale) {
  const options = { locale, tz: timeZone() };
  const link = (format, key, extra = {}) => el('a', { className: `export-link export-${format || 'json'}`,
    href: api.transcriptUrl(id, format, options), text: strings.text(key), 'aria-describedby': describedBy, ...extra });
  return el('details', { className: 'export-menu' },
    el('summary', { text: strings.text('ui.export.title') }),
    el('ul', { className: 'export-list' },
      el('li', {}, link('md', 'ui.export.markdown', { download: `tandem-${id}.md` })),
      el('li', {}, link('txt', 'ui.export.text', { download: `tandem-${id}.txt` })),
      el('li', {}, link('', 'ui.export.json', { download: `tandem-${id}.json`, type: 'application/json' })),
      el('li', {}, link('html', 'ui.export.print', { target: '_blank', rel: 'noopener noreferrer' }))));
}

$('history-query').addEventListener('input', () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(() => loadSessions($('history-query').value.trim()), SEARCH_DELAY_MS);
});

$('history-search').addEventListener('submit', (event) => {
  event.preventDefault();
  clearTimeout(searchTimer);
  loadSessions($('history-query').value.trim());
});

// ---------------------------------------------------------------------------------------------
// One conversation, read again

let recordId = null;

export async function showRecord(id, locale = shell.pageLocale) {
  recordId = id;
  const strings = await useStrings(shell.pageLocale);
  setScreen('record');
  fillLocaleSelect($('record-locale'), locale);
  await loadRecord(id, locale, strings);
  $('record-title').focus();
}

async function loadRecord(id, locale, strings) {
  const list = $('record-transcript');
  if ($('record-title').dataset.session !== id) {
    // Another conversation: nothing of the one read before stays while this one loads.
    $('record-title').textContent = '';
    $('record-meta').replaceChildren();
    $('record-exports').replaceChildren();
    list.replaceChildren();
  }
  $('record-title').dataset.session = id;
  try {
    const transcript = await api.transcript(id, { locale, tz: timeZone() });
    if (recordId !== id) return;
    const partners = transcript.partners ?? {};
    $('record-title').textContent = transcript.flow?.title ?? '';
    $('record-meta').replaceChildren(
      strings.nodes('ui.history.names', { a: partners.a?.name ?? '', b: partners.b?.name ?? '' }),
      ' · ',
      el('time', { dateTime: transcript.started_at ?? '',
        text: transcript.started || formatDateTime(transcript.started_at, strings.locale) }),
      ' · ',
      statusText(strings, transcript.status));
    $('record-exports').replaceChildren(exportMenu(id, strings, 'record-title', locale));
    $('record-exports').querySelector('details').open = true;
    list.lang = transcript.locale ?? locale;
    list.replaceChildren(...transcriptItems(transcript, strings, timeZone()));
  } catch (error) {
    list.replaceChildren();
    $('record-meta').textContent = errorText(error);
  }
}

$('record-locale').addEventListener('change', async (event) => {
  if (recordId) await loadRecord(recordId, event.target.value, shell.strings);
});

$('record-back').addEventListener('click', (event) => {
  event.preventDefault();
  navigate('#history');
});

// ---------------------------------------------------------------------------------------------
// Deleting, for real: one conversation, or everything

let pendingDelete = null; // {session, returnFocus}

function confirmDelete(session, returnFocus) {
  const strings = shell.strings;
  pendingDelete = { session, returnFocus };
  const partners = session.partners ?? {};
  $('delete-dialog-text').replaceChildren(strings.nodes('ui.delete.which', {
    title: session.flow?.title ?? '', a: partners.a ?? '', b: partners.b ?? '', date: session.started ?? '' }));
  $('delete-dialog-error').textContent = '';
  setDialogBusy('delete-dialog', false);
  $('delete-dialog').showModal();
}

function setDialogBusy(id, busy) {
  for (const button of $(id).querySelectorAll('button')) {
    if (busy) button.disabled = true;
    else if (button.id !== 'delete-all-confirm') button.disabled = false;
  }
  if (!busy && id === 'delete-all-dialog') $('delete-all-confirm').disabled = !$('delete-all-understood').checked;
}

function closeDialog(id, focus) {
  $(id).close();
  (focus?.isConnected ? focus : $('history-title')).focus();
}

$('delete-cancel').addEventListener('click', () => closeDialog('delete-dialog', pendingDelete?.returnFocus));

$('delete-confirm').addEventListener('click', async () => {
  const session = pendingDelete?.session;
  if (!session) return;
  setDialogBusy('delete-dialog', true);
  try {
    await api.deleteSession(session.id);
    forgetSession(session.id);
    if (shell.liveSession === session.id) {
      shell.liveSession = null;
      updateNav();
    }
    pendingDelete = null;
    $('delete-dialog').close();
    await afterDelete('ui.history.deleted');
  } catch (error) {
    $('delete-dialog-error').textContent = errorText(error);
    setDialogBusy('delete-dialog', false);
  }
});

$('delete-all-button').addEventListener('click', () => {
  $('delete-all-understood').checked = false;
  $('delete-all-error').textContent = '';
  setDialogBusy('delete-all-dialog', false);
  $('delete-all-dialog').showModal();
});

// The second, explicit step: the button only works once this is ticked.
$('delete-all-understood').addEventListener('change', () => {
  $('delete-all-confirm').disabled = !$('delete-all-understood').checked;
});

$('delete-all-cancel').addEventListener('click', () => closeDialog('delete-all-dialog', $('delete-all-button')));

$('delete-all-confirm').addEventListener('click', async () => {
  if (!$('delete-all-understood').checked) return;
  setDialogBusy('delete-all-dialog', true);
  try {
    await api.deleteEverything();
    forgetAllSessions();
    shell.liveSession = null;
    updateNav();
    $('delete-all-dialog').close();
    $('history-query').value = '';
    await afterDelete('ui.history.deleted_all');
  } catch (error) {
    $('delete-all-error').textContent = errorText(error);
    setDialogBusy('delete-all-dialog', false);
  }
});

/** The list again, a calm word that it is done, and focus somewhere sensible. */
async function afterDelete(key) {
  setHash('#history');
  await loadSessions($('history-query').value.trim());
  const status = $('history-status');
  const said = shell.strings.text(key);
  status.replaceChildren(said, status.textContent ? ` ${status.textContent}` : '');
  $('history-title').focus();
}
