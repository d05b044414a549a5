// DOM builders for the thread, the input controls and the transcript. Everything a person typed
// (and everything the server rendered) is set with textContent; nothing here uses innerHTML.

import { el, lockIcon } from './dom.js';
import { graphemeCount } from './i18n.js';
import { timerControl } from './timer.js';

export { el };

function nameOf(view, partner) {
  return view.partners?.[partner]?.name ?? '';
}

/** A stable signature of a thread entry, to tell whether what is on screen is still current. */
export function entrySignature(entry) {
  return `${entry.seq}|${entry.kind}|${entry.by ?? ''}|${entry.text ?? ''}`;
}

/** One entry of the thread: a guide message, a partner's answer, or an event (pause, stop…). */
export function threadEntry(entry, view, strings) {
  if (entry.kind === 'input' && entry.private === true) return privateEntry(entry, view, strings);
  if (entry.kind === 'input') {
    const by = entry.by === 'b' ? 'b' : 'a';
    // Typed text is shown exactly as typed, in the language of the partner who typed it.
    const typed = entry.typed === true;
    const lang = typed ? view.partners?.[by]?.locale : view.locale;
    return el('div', { className: `entry entry-input by-${by}`, dataset: { seq: entry.seq, step: entry.step ?? '' } },
      el('p', { className: 'who' }, el('bdi', { text: nameOf(view, by) })),
      el('p', { className: 'bubble', lang, dir: typed ? 'auto' : null, text: entry.text ?? '' }));
  }
  if (entry.kind === 'event') {
    return el('div', { className: `entry entry-event event-${entry.event ?? ''}`, dataset: { seq: entry.seq } },
      el('p', { className: 'note', text: entry.text ?? '' }));
  }
  const to = entry.to === 'a' || entry.to === 'b' ? entry.to : null;
  return el('div', { className: 'entry entry-guide', dataset: { seq: entry.seq, step: entry.step ?? '' } },
    el('p', { className: 'who visually-hidden', text: strings.text('ui.thread.guide') }),
    to ? el('p', { className: `for for-${to}` }, strings.nodes('ui.thread.to', { name: nameOf(view, to) })) : null,
    el('p', { className: 'bubble', text: entry.text ?? '' }));
}

/**
 * One's own private answers (only ever in the author's own view). On a shared device the other
 * partner may be looking too, so the answers are folded away: they are put into the page only
 * while the author has chosen to show them, and taken out again (not just hidden) on "Hide".
 */
function privateEntry(entry, view, strings) {
  const by = entry.by === 'b' ? 'b' : 'a';
  const bodyId = `private-${entry.seq}-${by}`;
  const text = entry.text ?? '';
  const body = el('div', { id: bodyId, className: 'private-body' });
  const toggle = el('button', { type: 'button', className: 'private-toggle', 'aria-expanded': 'false',
    'aria-controls': bodyId, text: strings.text('ui.private.show') });
  toggle.addEventListener('click', () => {
    const open = toggle.getAttribute('aria-expanded') === 'true';
    body.replaceChildren(...(open ? [] : [el('p', { className: 'private-text', lang: view.locale, text })]));
    toggle.setAttribute('aria-expanded', open ? 'false' : 'true');
    toggle.textContent = strings.text(open ? 'ui.private.show' : 'ui.private.hide');
  });
  return el('div', { className: `entry entry-input entry-private by-${by}`,
    dataset: { seq: entry.seq, step: entry.step ?? '', private: 'true' } },
  el('p', { className: 'who' }, el('bdi', { text: nameOf(view, by) })),
  el('div', { className: 'bubble private-bubble' },
    el('p', { className: 'private-head' }, lockIcon(), el('span', { text: strings.text('ui.private.entry') })),
    el('p', { className: 'private-only', text: strings.text('ui.private.only_you') }),
    toggle,
    body));
}

/**
 * The control for the question the viewer must answer now. `draft` is text typed earlier for
 * the same question (kept across errors and refreshes); `onDraft` records changes to it.
 */
export function inputControl(input, strings, { draft = '', onDraft, onSubmit }) {
  if (input.type === 'list' || (Array.isArray(input.items) && input.items.length > 0)) {
    return listControl(input, strings, onSubmit);
  }
  switch (input.type) {
    case 'choice':
      return choiceControl(input, onSubmit);
    case 'yes_maybe_no':
      return choiceControl(input, onSubmit, 'yes_maybe_no');
    case 'confirm':
      return input.timer ? timerControl(input, strings, onSubmit) : choiceControl(input, onSubmit, 'confirm');
    case 'multi':
      return multiControl(input, strings, onSubmit);
    case 'feeling':
      // No vocabulary shipped for this language yet: the feeling is written in one's own words.
      if (!input.options?.length) return textControl(input, strings, draft, onDraft, onSubmit, 'ui.feeling.own_words');
      return feelingControl(input, strings, onSubmit);
    case 'scale':
      return scaleControl(input, strings, onSubmit);
    default:
      return textControl(input, strings, draft, onDraft, onSubmit);
  }
}

function textControl(input, strings, draft, onDraft, onSubmit, hintKey = null) {
  const max = Number.isInteger(input.max_length) ? input.max_length : 2000;
  const textarea = el('textarea', {
    id: 'answer-text', className: 'answer-text', rows: 4, autocomplete: 'off',
    'aria-describedby': `${hintKey ? 'answer-hint ' : ''}answer-counter answer-shortcut input-error`,
  });
  textarea.value = draft;
  const counter = el('span', { id: 'answer-counter', className: 'counter' });
  const send = el('button', { type: 'submit', className: 'primary send', text: strings.text('ui.input.send') });
  const overNote = el('span', { className: 'over-limit', text: strings.text('ui.input.too_long'), hidden: true });

  const update = () => {
    const count = graphemeCount(textarea.value);
    counter.textContent = strings.text('ui.input.counter', { count: strings.number(count), max: strings.number(max) });
    const over = count > max;
    counter.classList.toggle('over', over);
    overNote.hidden = !over;
    textarea.setAttribute('aria-invalid', over ? 'true' : 'false');
    send.disabled = over || textarea.value.trim() === '';
  };
  textarea.addEventListener('input', () => {
    update();
    onDraft?.(textarea.value);
  });
  textarea.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  const form = el('form', { className: 'answer answer-text-form', novalidate: true, dataset: { type: 'text' } },
    el('label', { className: 'prompt', htmlFor: 'answer-text', text: input.prompt ?? '' }),
    hintKey ? el('p', { id: 'answer-hint', className: 'hint answer-hint', text: strings.text(hintKey) }) : null,
    textarea,
    el('div', { className: 'answer-row' },
      el('span', { className: 'counter-wrap' }, counter, overNote),
      send),
    el('p', { id: 'answer-shortcut', className: 'hint shortcut', text: strings.text('ui.input.shortcut') }));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (send.disabled) return;
    onSubmit(textarea.value);
  });
  update();
  return { element: form, focus: () => textarea.focus() };
}

/** One tap answers: a choice, yes / maybe / no, or a confirmation. */
function choiceControl(input, onSubmit, kind = 'choice') {
  const buttons = (input.options ?? []).map((option) => {
    const button = el('button', { type: 'button', className: `choice choice-${option.value}`,
      text: option.label ?? option.value, dataset: { value: option.value } });
    button.addEventListener('click', () => onSubmit(option.value));
    return button;
  });
  const group = el('div', { className: `answer answer-choice answer-${kind.replace(/_/g, '-')}`, role: 'group',
    'aria-labelledby': 'answer-prompt', dataset: { type: kind } },
  el('p', { id: 'answer-prompt', className: 'prompt', text: input.prompt ?? '' }),
  el('div', { className: 'choices' }, ...buttons));
  return { element: group, focus: () => buttons[0]?.focus() };
}

function multiHint(strings, min, max, count) {
  if (min === 0 && max >= count) return strings.text('ui.multi.hint_any');
  if (min === 0) return strings.text('ui.multi.hint_max', { max: strings.number(max) });
  if (min === max) return strings.text('ui.multi.hint_exact', { count: strings.number(min) });
  if (max >= count) return strings.text('ui.multi.hint_min', { min: strings.number(min) });
  return strings.text('ui.multi.hint_range', { min: strings.number(min), max: strings.number(max) });
}

/** Several choices: check boxes, between min and max of them; Send waits for at least min. */
function multiControl(input, strings, onSubmit) {
  const options = input.options ?? [];
  const min = Number.isInteger(input.min) ? Math.max(0, Math.min(input.min, options.length)) : 1;
  const max = Number.isInteger(input.max) && input.max > 0 ? Math.max(min, Math.min(input.max, options.length))
    : options.length;
  const boxes = options.map((option, i) => el('input', { type: 'checkbox', id: `multi-${i}`, name: 'multi',
    value: option.value }));
  const count = el('span', { id: 'multi-count', className: 'multi-count' });
  const full = el('p', { id: 'multi-full', className: 'hint multi-full', role: 'status' });
  const send = el('button', { type: 'submit', className: 'primary send', text: strings.text('ui.input.send'),
    'aria-describedby': 'multi-hint multi-count' });
  const update = () => {
    const chosen = boxes.filter((box) => box.checked).length;
    count.textContent = strings.text('ui.multi.count', { count: strings.number(chosen) });
    const atMax = chosen >= max && max < options.length;
    // At the most allowed, the others wait (and a line says why) until one is unticked.
    for (const box of boxes) box.disabled = atMax && !box.checked;
    full.textContent = atMax ? strings.text('ui.multi.at_max') : '';
    send.disabled = chosen < min || chosen > max;
  };
  for (const box of boxes) box.addEventListener('change', update);
  const form = el('form', { className: 'answer answer-multi', novalidate: true, dataset: { type: 'multi' } },
    el('fieldset', { className: 'answer-fieldset', 'aria-describedby': 'multi-hint' },
      el('legend', { className: 'prompt', text: input.prompt ?? '' }),
      el('p', { id: 'multi-hint', className: 'hint multi-hint', text: multiHint(strings, min, max, options.length) }),
      el('div', { className: 'checks' }, ...options.map((option, i) =>
        el('label', { className: 'check', htmlFor: `multi-${i}` }, boxes[i],
          el('span', { className: 'check-label', text: option.label ?? option.value })))),
      full),
    el('div', { className: 'answer-row' }, count, send));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (send.disabled) return;
    onSubmit(boxes.filter((box) => box.checked).map((box) => box.value));
  });
  update();
  return { element: form, focus: () => boxes[0]?.focus() };
}

/** A feeling from the answering partner's own vocabulary: one word, then Send. */
function feelingControl(input, strings, onSubmit) {
  const options = input.options ?? [];
  const radios = options.map((option, i) => el('input', { type: 'radio', id: `feeling-${i}`, name: 'feeling',
    value: option.value }));
  const send = el('button', { type: 'submit', className: 'primary send', text: strings.text('ui.input.send') });
  const update = () => {
    send.disabled = !radios.some((radio) => radio.checked);
  };
  for (const radio of radios) radio.addEventListener('change', update);
  const form = el('form', { className: 'answer answer-feeling', novalidate: true, dataset: { type: 'feeling' } },
    el('fieldset', { className: 'answer-fieldset', 'aria-describedby': 'feeling-hint' },
      el('legend', { className: 'prompt', text: input.prompt ?? '' }),
      el('p', { id: 'feeling-hint', className: 'hint', text: strings.text('ui.feeling.hint') }),
      el('div', { className: 'chips' }, ...options.map((option, i) =>
        el('label', { className: 'chip', htmlFor: `feeling-${i}` }, radios[i],
          el('span', { className: 'chip-label', text: option.label ?? option.value }))))),
    el('div', { className: 'answer-row' }, send));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const chosen = radios.find((radio) => radio.checked);
    if (!chosen || send.disabled) return;
    onSubmit(chosen.value);
  });
  update();
  return { element: form, focus: () => radios[0]?.focus() };
}

/**
 * A private yes / maybe / no list: one row per item, three choices each, sent as one list in
 * item order once every row has an answer. What is marked here lives only in this form: the
 * page keeps no copy of it anywhere else, and the form is removed once it has been sent.
 */
function listControl(input, strings, onSubmit) {
  const items = input.items ?? [];
  const options = input.options ?? [];
  const rows = items.map((item, i) => el('fieldset', { className: 'list-row', dataset: { item: item.key ?? String(i) } },
    el('legend', { className: 'list-label', text: item.label ?? item.key ?? '' }),
    el('div', { className: 'list-options' }, ...options.map((option) =>
      el('label', { className: `list-option list-${option.value}`, htmlFor: `list-${i}-${option.value}` },
        el('input', { type: 'radio', id: `list-${i}-${option.value}`, name: `list-${i}`, value: option.value }),
        el('span', { text: option.label ?? option.value }))))));
  const progress = el('span', { id: 'list-progress', className: 'list-progress' });
  const incomplete = el('p', { id: 'list-incomplete', className: 'hint list-incomplete',
    text: strings.text('ui.private.incomplete') });
  const send = el('button', { type: 'submit', className: 'primary send', text: strings.text('ui.input.send'),
    'aria-describedby': 'list-progress list-incomplete' });
  const answers = () => rows.map((row) => row.querySelector('input:checked')?.value ?? null);
  const update = () => {
    const given = answers().filter((value) => value !== null).length;
    progress.textContent = strings.text('ui.private.progress',
      { count: strings.number(given), total: strings.number(rows.length) });
    for (const row of rows) row.classList.toggle('answered', Boolean(row.querySelector('input:checked')));
    const complete = rows.length > 0 && given === rows.length;
    incomplete.hidden = complete;
    send.disabled = !complete;
  };
  const form = el('form', { className: `answer answer-list${input.private ? ' is-private' : ''}`, novalidate: true,
    'aria-labelledby': 'answer-prompt', 'aria-describedby': input.private ? 'private-notice' : null,
    dataset: { type: 'list' } },
  input.private ? el('p', { id: 'private-notice', className: 'private-notice' }, lockIcon(),
    el('span', { text: strings.text('ui.private.notice') })) : null,
  el('p', { id: 'answer-prompt', className: 'prompt', text: input.prompt ?? '' }),
  el('div', { className: 'list-rows' }, ...rows),
  el('div', { className: 'answer-row' }, progress, send),
  incomplete);
  form.addEventListener('change', update);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const values = answers();
    if (send.disabled || values.some((value) => value === null)) {
      rows.find((row) => !row.querySelector('input:checked'))?.querySelector('input')?.focus();
      return;
    }
    onSubmit(values);
  });
  update();
  return { element: form, focus: () => rows[0]?.querySelector('input')?.focus() };
}

function scaleControl(input, strings, onSubmit) {
  const min = Number.isInteger(input.min) ? input.min : 0;
  const max = Number.isInteger(input.max) ? input.max : 10;
  const start = Math.round((min + max) / 2);
  const range = el('input', { type: 'range', id: 'answer-scale', className: 'scale-input', min, max, step: 1,
    'aria-describedby': 'scale-low scale-high input-error' });
  range.value = String(start);
  const output = el('output', { className: 'scale-value', htmlFor: 'answer-scale' });
  const update = () => {
    output.textContent = strings.text('ui.input.scale_value', { value: strings.number(Number(range.value)) });
  };
  range.addEventListener('input', update);
  const form = el('form', { className: 'answer answer-scale', novalidate: true, dataset: { type: 'scale' } },
    el('label', { className: 'prompt', htmlFor: 'answer-scale', text: input.prompt ?? '' }),
    el('div', { className: 'scale-row' }, range),
    el('div', { className: 'scale-anchors' },
      el('span', { id: 'scale-low', className: 'anchor low' },
        el('span', { className: 'anchor-number', text: strings.number(min) }), ' ', input.low ?? ''),
      el('span', { id: 'scale-high', className: 'anchor high' },
        el('span', { className: 'anchor-number', text: strings.number(max) }), ' ', input.high ?? '')),
    el('div', { className: 'answer-row' }, output,
      el('button', { type: 'submit', className: 'primary send', text: strings.text('ui.input.send') })));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    onSubmit(Number(range.value));
  });
  update();
  return { element: form, focus: () => range.focus() };
}

function formatTime(iso, locale, timeZone) {
  if (!iso) return null;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return null;
  try {
    return new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit', timeZone }).format(date);
  } catch {
    return null;
  }
}

/** The transcript (GET …/transcript) as a readable list; times in `timeZone` (the reader's). */
export function transcriptItems(transcript, strings, timeZone = undefined) {
  return (transcript.turns ?? []).map((turn) => {
    const partner = turn.partner === 'a' || turn.partner === 'b' ? turn.partner : null;
    const who = partner
      ? el('bdi', { text: transcript.partners?.[partner]?.name ?? '' })
      : document.createTextNode(strings.text('ui.transcript.guide'));
    const time = formatTime(turn.at, transcript.locale, timeZone);
    // An answer typed in another language than the transcript's (its turn carries its author's
    // locale) takes its own direction, as in the thread: Arabic in a Japanese transcript runs
    // right to left, with its full stop at its end.
    const ownLanguage = turn.kind === 'input' && Boolean(turn.locale) && turn.locale !== transcript.locale;
    return el('li', { className: `turn-item kind-${turn.kind ?? 'guide'}${partner ? ` by-${partner}` : ''}` },
      el('p', { className: 'turn-meta' },
        el('span', { className: 'turn-who' }, who),
        time ? el('time', { dateTime: turn.at, className: 'turn-time', text: time }) : null),
      el('p', { className: 'turn-text', lang: turn.locale || undefined, dir: ownLanguage ? 'auto' : null,
        text: turn.text ?? '' }));
  });
}
