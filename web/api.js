// The HTTP API of docs/api.md, and nothing else. Every call is same-origin; mutations are JSON
// POSTs that carry the partner and the sequence number of the last view, the CSRF token and an
// Idempotency-Key.

/** An error answer (application/problem+json), or a network failure (code "offline"). */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || problem.code || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = problem.code || (status === 0 ? 'offline' : 'unknown');
    this.detail = problem.detail || '';
    this.problem = problem;
  }
}

async function send(path, init) {
  let response;
  try {
    response = await fetch(path, { credentials: 'same-origin', cache: 'no-store', ...init });
  } catch {
    throw new ApiError(0, { code: 'offline' });
  }
  const type = response.headers.get('Content-Type') || '';
  let body = null;
  if (type.includes('json')) {
    try {
      body = await response.json();
    } catch {
      body = null;
    }
  }
  if (!response.ok) throw new ApiError(response.status, body && typeof body === 'object' ? body : {});
  return body;
}

function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, value);
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

function getJson(path) {
  return send(path, { method: 'GET', headers: { Accept: 'application/json' } });
}

// The per-launch anti-forgery token every change must carry (fetched once, with the cookie that
// opening Tandem's printed address set).
let csrfToken = null;
async function csrf() {
  if (csrfToken === null) csrfToken = (await getJson('/api/csrf')).csrf;
  return csrfToken;
}

/**
 * A change. Each call names itself with a fresh Idempotency-Key, so if the answer is lost and the
 * same request is sent again, the server answers it without writing anything twice.
 */
async function postJson(path, body) {
  const key = crypto.randomUUID();
  const init = {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Accept: 'application/json',
      'X-Tandem-CSRF': await csrf(),
      'Idempotency-Key': key,
    },
    body: JSON.stringify(body),
  };
  try {
    return await send(path, init);
  } catch (error) {
    if (!(error instanceof ApiError) || error.code !== 'offline') throw error;
    return send(path, init);  // once more with the same key: safe even if the first one was stored
  }
}

const sessionPath = (id) => `/api/sessions/${encodeURIComponent(id)}`;

// Each partner's thread as this page last received it, by session and partner. A view or a turn
// then asks only for what follows (`after`), and the answer's entries are appended here, so a
// long conversation is not sent, rendered and parsed again on every turn.
const threads = new Map();
const threadKey = (id, partner) => `${id}/${partner}`;

/** The thread this page holds for `partner`, if any: `{ seq, locale, thread }`. */
function held(id, partner) {
  return threads.get(threadKey(id, partner));
}

/**
 * Completes a view that carries only the entries after event `thread_after` with what the page
 * holds (`base`, up to `base.seq`: at least that far, and not beyond the view), and remembers
 * the whole thread. A view that leaves a gap, or is in another language than the one held,
 * cannot be joined to it: `null` then, and the caller asks again for the whole view.
 */
function whole(view, base) {
  if (!view || typeof view !== 'object' || !view.id || !view.viewer) return view;
  if (view.thread_after !== undefined) {
    if (!base || base.locale !== view.locale || base.seq < view.thread_after || base.seq > view.seq) return null;
    view.thread = base.thread.concat((view.thread ?? []).filter((entry) => entry.seq > base.seq));
    delete view.thread_after;
  }
  const key = threadKey(view.id, view.viewer);
  const current = threads.get(key);
  if (!current || current.seq <= view.seq) threads.set(key, { seq: view.seq, locale: view.locale, thread: view.thread });
  return view;
}

/** Drops what the page held: the server refused it (`after`), or the session is gone. */
function forget(id, partner) {
  if (partner) threads.delete(threadKey(id, partner));
  else for (const key of [...threads.keys()]) if (key.startsWith(`${id}/`)) threads.delete(key);
}

const refusedAfter = (error) => error instanceof ApiError && ['after', 'next_after'].includes(error.problem?.field);

/**
 * A view from the live stream, joined to what the page holds: the stream sends the whole thread
 * first, then only the entries after its previous event (the page may hold more already, from
 * its own answers). `null` when the page lacks entries in between (ask for the view);
 * `undefined` when the page already holds a newer one.
 */
function live(view) {
  if (view?.thread_after === undefined) return whole(view);
  const base = held(view.id, view.viewer);
  if (base && base.seq > view.seq) return undefined;
  return whole(view, base) ?? null;
}

/** A partner's view, asking only for the entries this page does not hold yet. */
async function view(id, partner) {
  const base = held(id, partner);
  const full = () => getJson(`${sessionPath(id)}${query({ partner })}`).then((v) => whole(v));
  if (!base) return full();
  try {
    const answer = whole(await getJson(`${sessionPath(id)}${query({ partner, after: String(base.seq) })}`), base);
    if (answer) return answer;
  } catch (error) {
    if (!refusedAfter(error)) throw error;
  }
  forget(id, partner);
  return full();
}

/**
 * Completes the other partner's view an answer brings (`next`) with what the page holds of
 * their thread; one that cannot be joined is dropped, and the page asks for that view itself.
 */
function withNext(answer, base) {
  if (!answer?.next) return answer;
  const next = whole(answer.next, base ?? { seq: 0, locale: answer.next.locale, thread: [] });
  if (next) answer.next = next;
  else delete answer.next;
  return answer;
}

/**
 * A turn (input, pause, resume, stop); its answer also carries only what the page lacks. On a
 * shared device (`shared`), an answer that passes the turn to the other partner also brings
 * their view, as `next`, so the page need not ask for it.
 */
async function turn(id, action, body, shared = false) {
  const path = `${sessionPath(id)}/${action}`;
  const other = body.partner === 'a' ? 'b' : 'a';
  // Asks with what the page holds of each thread now (nothing, after a refusal).
  const ask = async () => {
    const base = held(id, body.partner);
    const otherBase = shared ? held(id, other) : undefined;
    const request = { ...body };
    if (base) request.after = base.seq;
    if (shared) request.next_after = otherBase?.seq ?? 0;
    const answer = whole(await postJson(path, request), base);
    return answer && withNext(answer, otherBase);
  };
  try {
    const answer = await ask();
    if (answer) return answer;
    // Stored, but answered in another language than the page held: take the whole view.
    forget(id, body.partner);
    return view(id, body.partner);
  } catch (error) {
    if (!refusedAfter(error)) throw error;
    forget(id); // refused before anything was stored: send it again, whole
    return ask();
  }
}

/** Where a transcript can be read or saved: format '' (JSON), 'md', 'txt' or 'html'. */
function transcriptPath(id, format, { locale, tz, partner } = {}) {
  return `${sessionPath(id)}/transcript${format ? `.${format}` : ''}${query({ partner, locale, tz })}`;
}

export const api = {
  me: () => getJson('/api/me'),
  locales: () => getJson('/api/locales'),
  ui: (locale) => getJson(`/api/ui${query({ locale })}`),
  flows: (locale) => getJson(`/api/flows${query({ locale })}`),
  startSession: async (flow, partners) => whole(await postJson('/api/sessions', { flow, partners })),
  view,
  /** Drops the thread this page holds for a partner (the next view of them is asked for whole). */
  forgetThread: (id, partner) => forget(id, partner),
  /** `shared`: this device shows both partners (see turn). */
  input: (id, partner, value, seq, shared = false) => turn(id, 'input', { partner, value, seq }, shared),
  pause: (id, partner, seq) => turn(id, 'pause', { partner, seq }),
  resume: (id, partner, seq) => turn(id, 'resume', { partner, seq }),
  stop: (id, partner, seq) => turn(id, 'stop', { partner, seq }),
  /** A code and a link with which `partner` joins from another device. */
  pair: (id, partner) => postJson(`${sessionPath(id)}/pair`, { partner }),
  /** The live stream of one partner's views (Server-Sent Events, `view` events; see live). */
  eventsUrl: (id, partner) => `${sessionPath(id)}/events${query({ partner })}`,
  live,
  transcript: (id, options) => getJson(transcriptPath(id, '', options)),
  transcriptUrl: (id, format, options) => transcriptPath(id, format, options),
  /** Every session, newest first; with `q`, only those whose names or typed answers match. */
  sessions: ({ q, tz, locale } = {}) => getJson(`/api/sessions${query({ q, tz, locale })}`),
  deleteSession: async (id) => {
    forget(id);
    return postJson(`${sessionPath(id)}/delete`, {});
  },
  deleteEverything: async () => {
    threads.clear();
    return postJson('/api/delete-everything', { confirm: 'delete everything' });
  },
  agreement: (locale) => getJson(`/api/agreement${query({ locale })}`),
  settings: () => getJson('/api/settings'),
  saveSettings: (settings) => postJson('/api/settings', settings),
};
