// Settings. This browser's own (localStorage, applied at once): the interface's language, the
// time zone of dates, the theme and the text size. The server's (owner only): how long
// conversations are kept — saved with its own button, because saving a limit deletes older
// conversations right away.

import { api } from './api.js';
import { el } from './dom.js';
import { deviceTimeZone, readPrefs, savePrefs, timeZones } from './prefs.js';
import { $, errorText, fillLocaleSelect, setPageLocale, setScreen, shell, useStrings } from './shell.js';

const RETENTION_CHOICES = ['', '30', '90', '365'];

export async function showSettings() {
  const strings = await useStrings(shell.pageLocale);
  setScreen('settings');
  const prefs = readPrefs();
  fillLocaleSelect($('settings-locale'), shell.pageLocale);
  fillTimeZones(prefs.timeZone, strings);
  for (const input of document.querySelectorAll('input[name="theme"]')) input.checked = input.value === prefs.theme;
  for (const input of document.querySelectorAll('input[name="text-size"]')) input.checked = input.value === prefs.textSize;
  $('retention-status').textContent = '';
  $('settings-title').focus();
  if (shell.role === 'owner') await loadRetention();
}

/** "This device's time zone" first (followed as it changes, e.g. when travelling), then every zone. */
function fillTimeZones(chosen, strings) {
  const select = $('settings-tz');
  const own = deviceTimeZone();
  select.replaceChildren(
    el('option', { value: '', text: strings.text('ui.settings.time_zone_device', { zone: own }) }),
    ...timeZones().map((zone) => el('option', { value: zone, text: zone.replace(/_/g, ' ') })));
  select.value = chosen || '';
}

async function loadRetention() {
  const select = $('settings-retention');
  try {
    const settings = await api.settings();
    const days = settings?.retention_days;
    const value = days === null || days === undefined ? '' : String(days);
    // A limit set some other way (e.g. 60 days) is offered as it is, not silently changed.
    if (!RETENTION_CHOICES.includes(value) && !select.querySelector(`option[value="${CSS.escape(value)}"]`)) {
      select.append(el('option', { value, text: shell.strings.text('ui.settings.retention_days',
        { days: shell.strings.number(Number(value)) }) }));
    }
    select.value = value;
    $('retention-save').disabled = false;
  } catch (error) {
    $('retention-status').textContent = errorText(error);
  }
}

$('settings-locale').addEventListener('change', async (event) => {
  const strings = await setPageLocale(event.target.value);
  fillTimeZones(readPrefs().timeZone, strings);
});

$('settings-tz').addEventListener('change', (event) => {
  savePrefs({ timeZone: event.target.value });
});

for (const input of document.querySelectorAll('input[name="theme"]')) {
  input.addEventListener('change', () => savePrefs({ theme: input.value }));
}

for (const input of document.querySelectorAll('input[name="text-size"]')) {
  input.addEventListener('change', () => savePrefs({ textSize: input.value }));
}

$('retention-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const value = $('settings-retention').value;
  const status = $('retention-status');
  const button = $('retention-save');
  button.disabled = true;
  status.textContent = '';
  try {
    const saved = await api.saveSettings({ retention_days: value === '' ? null : Number(value) });
    const days = saved?.retention_days;
    status.textContent = days === null || days === undefined
      ? shell.strings.text('ui.settings.retention_saved_off')
      : shell.strings.text('ui.settings.retention_saved');
  } catch (error) {
    status.textContent = errorText(error);
  } finally {
    button.disabled = false;
  }
});
