// DOM builders for the thread, the input controls and the transcript. Everything a person typed
// (and everything the server rendered) is set with textContent; nothing here uses innerHTML.

import { graphemeCount } from './i18n.js';

export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'className') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key in node && !key.startsWith('aria')) node[key] = value;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

function nameOf(view, partner) {
  return view.partners?.[partner]?.name ?? '';
}

/** A stable signature of a thread entry, to tell whether what is on screen is still current. */
export function entrySignature(entry) {
  return `${entry.seq}|${entry.kind}|${entry.by ?? ''}|${entry.text ?? ''}`;
}

/** One entry of the thread: a guide message, a partner's answer, or an event (pause, stop…). */
export function threadEntry(entry, view, strings) {
  if (entry.kind === 'input') {
    const by = entry.by === 'b' ? 'b' : 'a';
    // Typed text is shown exactly as typed, in the language of the partner who typed it.
    const typed = entry.message === null || entry.message === undefined;
    const lang = typed ? view.partners?.[by]?.locale : view.locale;
    return el('div', { className: `entry entry-input by-${by}`, dataset: { seq: entry.seq, step: entry.step ?? '' } },
      el('p', { className: 'who' }, el('bdi', { text: nameOf(view, by) })),
      el('p', { className: 'bubble', lang, text: entry.text ?? '' }));
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
 * The control for the question the viewer must answer now. `draft` is text typed earlier for
 * the same question (kept across errors and refreshes); `onDraft` records changes to it.
 */
export function inputControl(input, strings, { draft = '', onDraft, onSubmit }) {
  if (input.type === 'choice') return choiceControl(input, onSubmit);
  if (input.type === 'scale') return scaleControl(input, strings, onSubmit);
  return textControl(input, strings, draft, onDraft, onSubmit);
}

function textControl(input, strings, draft, onDraft, onSubmit) {
  const max = Number.isInteger(input.max_length) ? input.max_length : 2000;
  const textarea = el('textarea', {
    id: 'answer-text', className: 'answer-text', rows: 4, autocomplete: 'off',
    'aria-describedby': 'answer-counter answer-shortcut input-error',
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

function choiceControl(input, onSubmit) {
  const buttons = (input.options ?? []).map((option) => {
    const button = el('button', { type: 'button', className: 'choice', text: option.label ?? option.value,
      dataset: { value: option.value } });
    button.addEventListener('click', () => onSubmit(option.value));
    return button;
  });
  const group = el('div', { className: 'answer answer-choice', role: 'group', 'aria-labelledby': 'answer-prompt',
    dataset: { type: 'choice' } },
  el('p', { id: 'answer-prompt', className: 'prompt', text: input.prompt ?? '' }),
  el('div', { className: 'choices' }, ...buttons));
  return { element: group, focus: () => buttons[0]?.focus() };
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

function formatTime(iso, locale) {
  if (!iso) return null;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return null;
  try {
    return new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit' }).format(date);
  } catch {
    return null;
  }
}

/** The transcript (GET …/transcript) as a readable list. */
export function transcriptItems(transcript, strings) {
  return (transcript.turns ?? []).map((turn) => {
    const partner = turn.partner === 'a' || turn.partner === 'b' ? turn.partner : null;
    const who = partner
      ? el('bdi', { text: transcript.partners?.[partner]?.name ?? '' })
      : document.createTextNode(strings.text('ui.transcript.guide'));
    const time = formatTime(turn.at, transcript.locale);
    return el('li', { className: `turn-item kind-${turn.kind ?? 'guide'}${partner ? ` by-${partner}` : ''}` },
      el('p', { className: 'turn-meta' },
        el('span', { className: 'turn-who' }, who),
        time ? el('time', { dateTime: turn.at, className: 'turn-time', text: time }) : null),
      el('p', { className: 'turn-text', lang: turn.locale || undefined, text: turn.text ?? '' }));
  });
}
