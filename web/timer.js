// A timed step: a calm countdown and, when the step has a pacing, a breathing guide — a circle
// that grows on the in-breath, holds, shrinks on the out-breath and rests, timed by the server's
// pacing (in_ms, hold_ms, out_ms, rest_ms, max_cycles). For anyone who prefers reduced motion
// the circle is replaced by text cues ("Breathe in…", "Hold…"). The button can be pressed at any
// time; when the time is up it is gently highlighted and a status line says so.

import { el } from './dom.js';

const SMALL = 0.55; // the circle's size at rest, as a fraction of its full size
const SETTLE_MS = 1500; // easing back to rest after the last cycle
const TICK_MS = 250;

function positive(value) {
  return Number.isFinite(value) && value > 0 ? value : 0;
}

/** m:ss in the locale's digits. */
function clockText(strings, totalSeconds) {
  const minutes = Math.floor(totalSeconds / 60);
  const seconds = totalSeconds % 60;
  return `${strings.number(minutes)}:${strings.number(seconds, { minimumIntegerDigits: 2, useGrouping: false })}`;
}

export function timerControl(input, strings, onSubmit) {
  const seconds = Math.max(1, Math.round(positive(input.timer?.seconds)) || 1);
  const pacing = input.timer?.pacing ?? { name: 'none' };
  const phases = [
    ['in', positive(pacing.in_ms)],
    ['hold', positive(pacing.hold_ms)],
    ['out', positive(pacing.out_ms)],
    ['rest', positive(pacing.rest_ms)],
  ].filter(([, ms]) => ms > 0);
  const breathing = (pacing.name ?? 'none') !== 'none' && phases.length > 0;
  const maxCycles = Number.isInteger(pacing.max_cycles) && pacing.max_cycles > 0 ? pacing.max_cycles : Infinity;

  const option = input.options?.[0] ?? { value: 'done', label: '' };
  const button = el('button', { type: 'button', className: 'choice timer-done', dataset: { value: option.value },
    'aria-describedby': 'timer-early', text: option.label ?? option.value });
  button.addEventListener('click', () => onSubmit(option.value));

  const clock = el('p', { className: 'countdown', role: 'timer' });
  const status = el('p', { className: 'timer-status', role: 'status' });

  // ---- Breathing guide ----------------------------------------------------------------------
  const motionQuery = window.matchMedia('(prefers-reduced-motion: reduce)');
  const cue = el('p', { className: 'breath-cue' });
  const circle = el('div', { className: 'breath-circle', 'aria-hidden': 'true' });
  const breath = breathing
    ? el('div', { className: 'breath', role: 'group', 'aria-label': strings.text('ui.breath.label'),
      dataset: { pacing: pacing.name } })
    : null;
  let scale = SMALL;
  let animation = null;
  let phaseTimer = null;
  let phaseIndex = -1;
  let cycle = 0;
  let settled = false;
  let finishing = false;
  let disposed = false;

  const motion = () => !motionQuery.matches;

  function moveCircle(to, ms) {
    if (!motion()) {
      scale = to;
      return;
    }
    if (to === scale) return;
    animation?.cancel();
    // The Web Animations API drives the size; no inline styles are involved (CSP stays strict).
    animation = circle.animate([{ transform: `scale(${scale})` }, { transform: `scale(${to})` }],
      { duration: ms, easing: 'ease-in-out', fill: 'forwards' });
    scale = to;
  }

  function settle() {
    settled = true;
    breath.dataset.phase = 'free';
    cue.textContent = strings.text('ui.breath.free');
    moveCircle(SMALL, SETTLE_MS);
  }

  function nextPhase() {
    if (disposed) return;
    phaseIndex += 1;
    if (phaseIndex >= phases.length) {
      phaseIndex = 0;
      cycle += 1;
      // Stop after max_cycles, or at the end of the cycle during which the time ran out.
      if (cycle >= maxCycles || finishing) {
        settle();
        return;
      }
    }
    const [name, ms] = phases[phaseIndex];
    breath.dataset.phase = name;
    cue.textContent = strings.text(`ui.breath.${name}`);
    if (name === 'in') moveCircle(1, ms);
    else if (name === 'out') moveCircle(SMALL, ms);
    phaseTimer = setTimeout(nextPhase, ms);
  }

  // Motion: the circle with a small cue beneath. Reduced motion: the cue alone, in large type.
  function applyMode() {
    if (!breath) return;
    animation?.cancel();
    animation = null;
    if (motion()) {
      breath.dataset.mode = 'motion';
      cue.className = 'breath-cue';
      breath.replaceChildren(el('div', { className: 'breath-stage' }, circle), cue);
      // Start the circle where the breath is now, without a jump.
      const fill = `scale(${scale})`;
      animation = circle.animate([{ transform: fill }, { transform: fill }], { duration: 1, fill: 'forwards' });
    } else {
      breath.dataset.mode = 'text';
      cue.className = 'breath-cue breath-cue-only';
      breath.replaceChildren(cue);
    }
  }

  // ---- Countdown ----------------------------------------------------------------------------
  const started = performance.now();
  let timeUp = false;
  let shown = -1;
  function tick() {
    if (disposed) return;
    const left = Math.max(0, Math.ceil(seconds - (performance.now() - started) / 1000));
    if (left !== shown) {
      shown = left;
      clock.replaceChildren(strings.nodes('ui.timer.remaining', { time: clockText(strings, left) }));
    }
    if (left === 0 && !timeUp) {
      timeUp = true;
      finishing = true;
      clearInterval(clockTimer);
      status.textContent = strings.text('ui.timer.done');
      button.classList.add('primary', 'time-up');
      control.dataset.timeUp = 'true';
    }
  }

  const control = el('div', { className: 'answer answer-timer', role: 'group', 'aria-labelledby': 'answer-prompt',
    dataset: { type: 'confirm', timer: 'true' } },
  el('p', { id: 'answer-prompt', className: 'prompt', text: input.prompt ?? '' }),
  breath,
  clock,
  status,
  el('div', { className: 'answer-row timer-row' },
    el('p', { id: 'timer-early', className: 'hint timer-early', text: strings.text('ui.timer.early') }),
    button));

  const clockTimer = setInterval(tick, TICK_MS);
  tick();
  if (breath) {
    applyMode();
    motionQuery.addEventListener('change', applyMode);
    nextPhase();
  }

  return {
    element: control,
    focus: () => button.focus(),
    dispose: () => {
      disposed = true;
      clearInterval(clockTimer);
      clearTimeout(phaseTimer);
      animation?.cancel();
      motionQuery.removeEventListener('change', applyMode);
    },
    // For tests and debugging: where the breathing is.
    get settled() {
      return settled;
    },
  };
}
