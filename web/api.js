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

/** Where a transcript can be read or saved: format '' (JSON), 'md', 'txt' or 'html'. */
function transcriptPath(id, format, { locale, tz, partner } = {}) {
  return `${sessionPath(id)}/transcript${format ? `.${format}` : ''}${query({ partner, locale, tz })}`;
}

export const api = {
  me: () => getJson('/api/me'),
  locales: () => getJson('/api/locales'),
  ui: (locale) => getJson(`/api/ui${query({ locale })}`),
  flows: (locale) => getJson(`/api/flows${query({ locale })}`),
  startSession: (flow, partners) => postJson('/api/sessions', { flow, partners }),
  view: (id, partner) => getJson(`${sessionPath(id)}${query({ partner })}`),
  input: (id, partner, value, seq) => postJson(`${sessionPath(id)}/input`, { partner, value, seq }),
  pause: (id, partner, seq) => postJson(`${sessionPath(id)}/pause`, { partner, seq }),
  resume: (id, partner, seq) => postJson(`${sessionPath(id)}/resume`, { partner, seq }),
  stop: (id, partner, seq) => postJson(`${sessionPath(id)}/stop`, { partner, seq }),
  /** A code and a link with which `partner` joins from another device. */
  pair: (id, partner) => postJson(`${sessionPath(id)}/pair`, { partner }),
  /** The live stream of one partner's views (Server-Sent Events, `view` events). */
  eventsUrl: (id, partner) => `${sessionPath(id)}/events${query({ partner })}`,
  transcript: (id, options) => getJson(transcriptPath(id, '', options)),
  transcriptUrl: (id, format, options) => transcriptPath(id, format, options),
  /** Every session, newest first; with `q`, only those whose names or typed answers match. */
  sessions: ({ q, tz, locale } = {}) => getJson(`/api/sessions${query({ q, tz, locale })}`),
  deleteSession: (id) => postJson(`${sessionPath(id)}/delete`, {}),
  deleteEverything: () => postJson('/api/delete-everything', { confirm: 'delete everything' }),
  agreement: (locale) => getJson(`/api/agreement${query({ locale })}`),
  settings: () => getJson('/api/settings'),
  saveSettings: (settings) => postJson('/api/settings', settings),
};
