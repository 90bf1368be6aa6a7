// frameguard console: a page of the service itself, no libraries, nothing from the internet.
// Everything it shows comes from the API (/api/...) with the token the operator signs in with, sent as a header.
// The live feed is the API's server-sent events read through fetch (EventSource cannot send a header).
'use strict';

const TOKEN_KEY = 'frameguard.token';
/** Rows the feed shows at most (the newest that match); the memory may hold far more. */
const MAX_ROWS = 300;
/** Incidents kept in this page at most, the newest; older ones are fetched again when asked for. */
const MAX_KEPT = 3000;
/** The feed is redrawn at most this often (ms), however fast anomalies arrive. */
const REDRAW_MS = 250;
/** Counts per source are fetched again at most this often (ms) while anomalies arrive. */
const COUNTS_MS = 5000;
/** Feed reconnects wait this long at first (ms), doubling to RECONNECT_MAX_MS. */
const RECONNECT_MS = 1000;
const RECONNECT_MAX_MS = 15000;
const SIMILAR_K = 8;
/** Verdicts sent in one call when judging a family. */
const BULK_VERDICTS = 500;

const state = {
  token: sessionStorage.getItem(TOKEN_KEY),
  session: null,
  incidents: new Map(), // incident id -> EventAnswer
  pending: new Map(), // incident id -> EventAnswer arrived since the feed was last drawn
  loads: 0, // listings asked for: only the last one's answer is taken
  feedProblem: null, // why the feed shows nothing, when the memory does not answer
  blobs: [], // object URLs of the open anomaly's pictures, released when another opens
  anomalyRefresh: null,
  rows: new Map(), // incident id -> its row in the feed
  fullRedraw: true,
  matching: 0,
  feedAbort: null,
  redrawPending: false,
  countsAt: 0,
  countsTimer: null,
  familyMap: null,
  verdictSaid: null, // what the last verdict written said, kept across redraws of its anomaly
};

// ---------------------------------------------------------------- small DOM helpers (text only, never HTML from data)
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k === 'style') Object.assign(e.style, v); // an object: the page's CSP allows no style attributes
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}
const SVG = 'http://www.w3.org/2000/svg';
function svg(tag, attrs, ...children) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined) continue;
    if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  children.flat().forEach(c => c && e.append(c));
  return e;
}
const $ = id => document.getElementById(id);
function fmtTime(ms) {
  if (!ms) return '–';
  const d = new Date(ms);
  return d.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}
function fmtNum(x, digits = 3) {
  if (x === null || x === undefined || Number.isNaN(x)) return '–';
  const a = Math.abs(x);
  return a !== 0 && (a < 0.001 || a >= 1e5) ? x.toExponential(2) : x.toFixed(digits);
}
/** Four significant digits, as `frameguard tail` prints scores: a score just over a small threshold reads over it. */
function fmtSig(x) {
  if (x === null || x === undefined || Number.isNaN(x)) return '–';
  const a = Math.abs(x);
  return a !== 0 && (a < 1e-4 || a >= 1e5) ? x.toExponential(3) : String(Number(x.toPrecision(4)));
}
function statusLabel(s) {
  return { 'unjudged': 'unjudged', 'false-alarm': 'false alarm', 'confirmed': 'confirmed', 'suppressed': 'suppressed' }[s] || s;
}
/** An event id as the service writes them: TOPIC/PARTITION/OFFSET, a topic Kafka allows (never "." or ".."). */
const EVENT_ID = /^(?!\.\.?\/)[A-Za-z0-9._-]{1,249}\/\d{1,9}\/\d{1,19}$/;
function validId(id) {
  return typeof id === 'string' && EVENT_ID.test(id);
}
/** The id in a path; refuses anything else (a record could carry an id that, as a path, names another event). */
function eventPath(id) {
  if (!validId(id)) throw new ApiError(400, 'not an event id: ' + String(id).slice(0, 80));
  return id.split('/').map(encodeURIComponent).join('/');
}

// ---------------------------------------------------------------- the API
class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}
async function call(method, path, body, accept = 'application/json') {
  const token = state.token;
  if (!token) throw new ApiError(401, 'signed out');
  let res;
  try {
    res = await fetch(path, {
      method,
      headers: Object.assign({ 'Authorization': 'Bearer ' + token, 'Accept': accept },
        body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
  } catch (e) {
    serviceDown('the service does not answer (' + e.message + ')');
    throw new ApiError(0, 'the service does not answer');
  }
  serviceUp();
  if (res.status === 401) {
    // only when the token refused is still the one in use: a late answer to a call made before signing out, or
    // with the token before this one, must not sign out the operator who signed in since
    if (token === state.token) signOut('The token was refused: sign in again.');
    throw new ApiError(401, 'the token was refused');
  }
  if (!res.ok) {
    let message = res.status + ' ' + res.statusText;
    try { const j = await res.json(); if (j && j.error) message = j.error; } catch (_) { /* not JSON */ }
    throw new ApiError(res.status, message);
  }
  return accept === 'application/json' ? res.json() : res.blob();
}
const get = path => call('GET', path);
const post = (path, body) => call('POST', path, body);
const getBlob = path => call('GET', path, undefined, 'image/png');

let downSince = null;
function serviceDown(why) {
  if (downSince === null) downSince = Date.now();
  const b = $('banner');
  b.hidden = false;
  b.textContent = 'Service unreachable since ' + fmtTime(downSince) + ': ' + why
    + '. What is shown may be out of date; the console keeps trying.';
  setLinkState('down', 'offline');
}
function serviceUp() {
  if (downSince !== null) {
    downSince = null;
    $('banner').hidden = true;
  }
}
function setLinkState(kind, text) {
  const p = $('link-state');
  p.hidden = false;
  p.className = 'pill ' + kind;
  p.textContent = text;
}

// ---------------------------------------------------------------- sign in / out
async function signIn(token) {
  state.token = token;
  const s = await get('/api/session');
  state.session = s;
  sessionStorage.setItem(TOKEN_KEY, token);
  $('role').hidden = false;
  $('role').textContent = s.role === 'admin' ? 'admin' : 'read only';
  $('sign-out').hidden = false;
  $('tabs').hidden = false;
  $('login').hidden = true;
  startFeed();
  route();
}
function signOut(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  state.token = null;
  state.session = null;
  if (state.feedAbort) state.feedAbort.abort();
  state.feedAbort = null;
  clearTimeout(state.countsTimer);
  state.countsTimer = null;
  state.incidents.clear();
  state.pending.clear();
  state.fullRedraw = true;
  for (const id of ['feed', 'anomaly', 'families', 'models', 'tabs', 'role', 'sign-out', 'link-state']) $(id).hidden = true;
  $('login').hidden = false;
  $('login-error').textContent = message || '';
  $('token').value = '';
  $('token').focus();
}

// ---------------------------------------------------------------- routing: #/feed, #/anomaly/T/P/O, #/families, #/models
function route() {
  if (!state.session) return;
  const [path, query] = (location.hash || '#/feed').split('?');
  const [, view, ...rest] = path.split('/');
  for (const id of ['feed', 'anomaly', 'families', 'models']) $(id).hidden = true;
  document.querySelectorAll('#tabs a').forEach(a => a.classList.toggle('active', a.dataset.tab === (view === 'anomaly' ? 'feed' : view)));
  if (view === 'anomaly' && rest.length === 3) {
    $('anomaly').hidden = false;
    showAnomaly(rest.map(decodeURIComponent).join('/'));
  } else if (view === 'families') {
    $('families').hidden = false;
    showFamilies();
  } else if (view === 'models') {
    $('models').hidden = false;
    showModels();
  } else {
    $('feed').hidden = false;
    // #/feed?source=NAME: a link from Grafana's per-source panels
    const source = new URLSearchParams(query || '').get('source');
    if (source !== null && source !== $('filter-source').value) {
      const select = $('filter-source');
      if (![...select.options].some(o => o.value === source)) select.append(el('option', { value: source, text: source }));
      select.value = source;
      refilter();
    } else {
      scheduleRedraw(true);
    }
  }
}

// ---------------------------------------------------------------- the feed
function filters() {
  const range = Number($('filter-time').value);
  return {
    source: $('filter-source').value,
    severity: $('filter-severity').value,
    status: $('filter-status').value,
    since: range > 0 ? Date.now() - range : 0,
  };
}
function admits(f, a) {
  return (!f.source || a.event.source === f.source) && (!f.severity || a.event.severity === f.severity)
    && (!f.status || a.status === f.status) && a.lastSeen >= f.since;
}
/** Which of two answers about one incident is the later: seen later, more events, or judged later. */
function newer(a, b) {
  if (a.lastSeen !== b.lastSeen) return a.lastSeen > b.lastSeen;
  if (a.incident.count !== b.incident.count) return a.incident.count > b.incident.count;
  return ((a.verdict && a.verdict.givenAt) || '') >= ((b.verdict && b.verdict.givenAt) || '');
}
/** Keeps an answer unless a later one of its incident is kept (a slow listing must not undo what the feed said). */
function keep(a) {
  if (!a || !a.incident || !a.event || !validId(a.event.eventId)) return false;
  const known = state.incidents.get(a.incident.id);
  if (known && !newer(a, known)) return false;
  state.incidents.delete(a.incident.id); // re-inserted: the map's order is arrival order
  state.incidents.set(a.incident.id, a);
  while (state.incidents.size > MAX_KEPT) {
    const oldest = state.incidents.keys().next().value;
    state.incidents.delete(oldest);
  }
  return true;
}
async function loadFeed() {
  const generation = ++state.loads; // an answer to a load superseded (filters changed since) is dropped
  const f = filters();
  const q = new URLSearchParams({ limit: String(MAX_ROWS), since: String(f.since) });
  if (f.source) q.set('source', f.source);
  if (f.severity) q.set('severity', f.severity);
  if (f.status) q.set('status', f.status);
  try {
    const answer = await get('/api/anomalies?' + q);
    if (generation !== state.loads) return;
    answer.anomalies.slice().reverse().forEach(keep);
    state.matching = answer.matching;
    state.feedProblem = null;
    scheduleRedraw(true);
  } catch (e) {
    if (e.status === 503) {
      state.feedProblem = 'The anomaly memory is not answering: ' + e.message;
      scheduleRedraw(true);
    }
  }
  loadCounts();
}
async function loadCounts() {
  state.countsAt = Date.now();
  try {
    const answer = await get('/api/anomalies/sources');
    drawCounts(answer);
  } catch (_) { /* the banner says it */ }
}
function countsSoon() {
  if (state.countsTimer) return;
  const wait = Math.max(0, state.countsAt + COUNTS_MS - Date.now());
  state.countsTimer = setTimeout(() => { state.countsTimer = null; loadCounts(); }, wait);
}
function drawCounts(answer) {
  const box = $('source-counts');
  const selected = $('filter-source').value;
  box.replaceChildren(...answer.sources.map(s => el('div', {
    class: 'chip' + (s.source === selected ? ' selected' : ''), 'data-source': s.source,
    title: 'Show only ' + s.source, onclick: () => { $('filter-source').value = s.source === selected ? '' : s.source; refilter(); },
  }, el('span', { class: 'muted', text: s.source }),
    el('span', { class: 'n', text: String(s.incidents) }),
    el('span', { class: 'muted', text: s.unjudged + ' unjudged · ' + s.confirmed + ' confirmed · ' + s.falseAlarms + ' false' }),
    s.drift === 'drift' ? el('span', { class: 'drift', text: 'drifting since ' + fmtTime(s.driftSince) }) : null)));
  const select = $('filter-source');
  const known = new Set([...select.options].map(o => o.value));
  for (const s of answer.sources) if (!known.has(s.source)) select.append(el('option', { value: s.source, text: s.source }));
  box.prepend(el('div', { class: 'chip' + (selected ? '' : ' selected'), onclick: () => { $('filter-source').value = ''; refilter(); } },
    el('span', { class: 'muted', text: 'all sources' }), el('span', { class: 'n', text: String(answer.incidents) }),
    el('span', { class: 'muted', text: 'incidents in the memory' })));
}
function refilter() {
  state.incidents.clear();
  loadFeed();
}
/** Redraws the feed soon: in full ({@code full}: filters changed, a listing loaded) or only the rows that changed. */
function scheduleRedraw(full) {
  if (full) state.fullRedraw = true;
  if (state.redrawPending) return;
  state.redrawPending = true;
  setTimeout(() => requestAnimationFrame(() => { state.redrawPending = false; drawFeed(); }), REDRAW_MS);
}
function drawFeed() {
  if ($('feed').hidden) return;
  const f = filters();
  const body = $('feed-table').tBodies[0];
  if (state.fullRedraw) {
    state.fullRedraw = false;
    state.pending.clear();
    const rows = [...state.incidents.values()].filter(a => admits(f, a))
      .sort((a, b) => b.lastSeen - a.lastSeen).slice(0, MAX_ROWS).map(a => feedRow(a, false));
    body.replaceChildren(...rows);
    state.rows = new Map(rows.map(r => [r.dataset.incidentId, r]));
  } else {
    // only what arrived since the last redraw: at 100 anomalies a second, rebuilding 300 rows each time would keep
    // the page's one thread busy; oldest first, so that the newest ends on top
    const arrived = [...state.pending.values()].sort((a, b) => a.lastSeen - b.lastSeen);
    state.pending.clear();
    for (const a of arrived) {
      const shown = state.rows.get(a.incident.id);
      if (shown) {
        shown.remove();
        state.rows.delete(a.incident.id);
      }
      if (!admits(f, a)) continue;
      const row = feedRow(a, true);
      let before = body.firstElementChild; // new incidents go on top; a judged one back where it was
      while (before && Number(before.dataset.lastSeen) > a.lastSeen) before = before.nextElementSibling;
      body.insertBefore(row, before);
      state.rows.set(a.incident.id, row);
    }
    while (body.rows.length > MAX_ROWS) {
      state.rows.delete(body.lastElementChild.dataset.incidentId);
      body.lastElementChild.remove();
    }
  }
  const shown = body.rows.length;
  // marks for bench/console (time to first render): a user timing, visible in the browser's performance tools
  if (shown > 0 && performance.getEntriesByName('frameguard:feed-rendered').length === 0) {
    performance.mark('frameguard:feed-rendered');
  }
  $('feed-summary').textContent = state.feedProblem ? state.feedProblem : shown === 0 ? 'No anomaly matches.'
    : 'Showing the newest ' + shown + ' of ' + Math.max(state.matching, shown) + ' matching.';
}
function feedRow(a, fresh) {
  const e = a.event;
  const what = a.verdict && a.verdict.label ? a.verdict.label
    : e.recognisedAs ? 'like ' + e.recognisedAs.label
      : e.explanation && e.explanation.topChannels && e.explanation.topChannels.length
        ? e.explanation.topChannels.slice(0, 3).map(c => c.name).join(', ')
        : e.explanation && e.explanation.region && e.explanation.region.width > 0
          ? 'region ' + e.explanation.region.width + '×' + e.explanation.region.height + ' at ('
            + e.explanation.region.x + ', ' + e.explanation.region.y + ')' : '';
  return el('tr', {
    class: fresh ? 'fresh' : null, 'data-event-id': e.eventId, 'data-incident-id': a.incident.id,
    'data-last-seen': String(a.lastSeen),
    onclick: () => { location.hash = '#/anomaly/' + eventPath(e.eventId); },
  }, el('td', { text: fmtTime(a.lastSeen) }), el('td', { text: e.source }),
    el('td', {}, el('span', { class: 'sev ' + e.severity, text: e.severity })),
    el('td', { text: fmtSig(e.score) + ' / ' + fmtSig(e.threshold) }),
    el('td', { text: String(a.incident.count) }),
    el('td', {}, el('span', { class: 'status ' + a.status, text: statusLabel(a.status) })),
    el('td', { text: what }));
}
/** The service answered the feed with an error (the memory still being read, say): up, but not following. */
class FeedRefused extends Error {}
/** Follows the feed for as long as signed in; reconnects with a growing wait when it ends or fails. */
async function startFeed() {
  if (state.feedAbort) state.feedAbort.abort();
  const abort = new AbortController();
  state.feedAbort = abort;
  let wait = RECONNECT_MS;
  if (!state.session.memory) {
    state.feedProblem = 'The anomaly memory is off on this service (frameguard.memory.max-entries=0): nothing to show.';
    scheduleRedraw(true);
    return;
  }
  while (!abort.signal.aborted) {
    setLinkState('waiting', 'connecting');
    try {
      const res = await fetch('/api/anomalies/feed', {
        headers: { 'Authorization': 'Bearer ' + state.token, 'Accept': 'text/event-stream' }, signal: abort.signal,
      });
      if (res.status === 401) {
        if (!abort.signal.aborted) signOut('The token was refused: sign in again.');
        return;
      }
      if (!res.ok) {
        let why = res.status + ' ' + res.statusText;
        try { why = (await res.json()).error || why; } catch (_) { /* not JSON */ }
        throw new FeedRefused(why);
      }
      serviceUp();
      setLinkState('live', 'live');
      wait = RECONNECT_MS;
      // subscribed first, listed second: what arrives meanwhile waits in the stream, nothing falls between the two
      await loadFeed();
      await readEvents(res.body, answer => {
        const known = state.incidents.has(answer.incident && answer.incident.id);
        if (!keep(answer)) return;
        if (!known && admits(filters(), answer)) state.matching += 1;
        if ($('feed').hidden) {
          state.fullRedraw = true; // drawn in full when the feed is shown again
        } else {
          state.pending.delete(answer.incident.id);
          state.pending.set(answer.incident.id, answer);
          scheduleRedraw(false);
        }
        countsSoon();
        if (currentAnomaly && answer.members.includes(currentAnomaly)) refreshAnomaly();
      });
    } catch (e) {
      if (abort.signal.aborted) return;
      if (e instanceof FeedRefused) {
        setLinkState('waiting', 'feed paused');
        state.feedProblem = 'The live feed is paused: ' + e.message;
        scheduleRedraw(true);
      } else {
        serviceDown(e.message);
      }
    }
    if (abort.signal.aborted) return;
    await new Promise(r => setTimeout(r, wait));
    wait = Math.min(RECONNECT_MAX_MS, wait * 2);
  }
}
async function readEvents(stream, onData) {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value.replace(/\r\n/g, '\n');
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = block.split('\n').filter(l => l.startsWith('data:')).map(l => l.slice(5).replace(/^ /, '')).join('\n');
      if (data) {
        try { onData(JSON.parse(data)); } catch (e) { console.warn('unreadable feed event', e); }
      }
    }
  }
}

// ---------------------------------------------------------------- one anomaly
let currentAnomaly = null;
/** An object URL for a picture of the open anomaly, released when another anomaly opens. */
function blobUrl(blob) {
  const url = URL.createObjectURL(blob);
  state.blobs.push(url);
  return url;
}
/**
 * Shows one anomaly; {@code refresh}: the same one again (its incident grew or was judged): the facts are redrawn, the
 * pictures only when its latest event changed, and the verdict form (what the operator may be typing) is kept.
 */
async function showAnomaly(id, refresh) {
  currentAnomaly = id;
  const box = $('anomaly');
  if (!refresh) {
    state.blobs.forEach(URL.revokeObjectURL);
    state.blobs = [];
    box.replaceChildren(el('p', { class: 'muted', text: 'Loading ' + id + '…' }));
  }
  let a;
  let sources;
  try {
    [a, sources] = await Promise.all([get('/api/anomalies/' + eventPath(id)),
      get('/api/anomalies/sources').catch(() => ({ sources: [] }))]);
  } catch (e) {
    if (currentAnomaly === id && !refresh) {
      box.replaceChildren(el('p', { class: 'error', text: e.message }), el('a', { href: '#/feed', text: '← back to the feed' }));
    }
    return;
  }
  if (currentAnomaly !== id || !validId(a.event.eventId)) return;
  const e = a.event;
  const drift = sources.sources.find(s => s.source === e.source);
  const head = el('div', { class: 'card', id: 'anomaly-head', 'data-event-id': e.eventId },
    el('a', { href: '#/feed', text: '← feed' }),
    el('h2', {}, e.source + ' · ', el('span', { class: 'sev ' + e.severity, text: e.severity }), ' ',
      el('span', { class: 'status ' + a.status, id: 'anomaly-status', text: statusLabel(a.status) })),
    el('dl', { class: 'facts' },
      el('dt', { text: 'Event' }), el('dd', { text: e.eventId }),
      el('dt', { text: 'Incident' }), el('dd', { text: a.incident.id + ' · ' + a.incident.count + ' events since ' + fmtTime(a.incident.firstSeen) }),
      el('dt', { text: 'Detected' }), el('dd', { text: fmtTime(e.detectedTimestamp) + ' (captured ' + fmtTime(e.captureTimestamp) + ')' }),
      el('dt', { text: 'Score' }), el('dd', { text: fmtNum(e.score) + ' against the source\'s threshold ' + fmtNum(e.threshold)
        + ' (' + fmtNum(e.score / e.threshold, 1) + '×; the model\'s own ' + fmtNum(e.modelThreshold) + ')' }),
      el('dt', { text: 'Model' }), el('dd', { text: e.modelVersion }),
      el('dt', { text: 'Drift' }), el('dd', { text: !drift || !drift.drift ? 'no drift reported for this source'
        : drift.drift === 'drift' ? 'drifting since ' + fmtTime(drift.driftSince) : 'recovered at ' + fmtTime(drift.driftSince) }),
      e.recognisedAs ? el('dt', { text: 'Recognised' }) : null,
      e.recognisedAs ? el('dd', { text: 'like confirmed "' + e.recognisedAs.label + '"' }) : null,
      e.suppressed ? el('dt', { text: 'Suppressed' }) : null,
      e.suppressed ? el('dd', { text: 'like past false alarms of this source' }) : null,
      a.verdict ? el('dt', { text: 'Verdict' }) : null,
      a.verdict ? el('dd', { id: 'anomaly-verdict', text: statusLabel(a.verdict.verdict) + (a.verdict.label ? ': ' + a.verdict.label : '')
        + (a.verdict.note ? ' — ' + a.verdict.note : '') + ' (' + a.verdict.givenBy + ', ' + a.verdict.givenAt + ')' }) : null));
  const shown = $('anomaly-head');
  if (refresh && shown && $('judge')) {
    const sameEvent = shown.dataset.eventId === e.eventId;
    shown.replaceWith(head);
    if (sameEvent) return;
  }
  const pictures = el('div', { class: 'card', id: 'anomaly-pictures' }, el('h3', { text: 'The frame' }), el('p', { class: 'muted', text: 'Loading…' }));
  const history = el('div', { class: 'card', id: 'score-history' }, el('h3', { text: 'This source: score against its threshold' }));
  const similar = el('div', { class: 'card', id: 'similar' }, el('h3', { text: 'Similar past anomalies' }));
  const judge = refresh && $('judge') ? $('judge') : judgeCard(a);
  box.replaceChildren(el('div', { class: 'grid' }, head, judge), pictures, el('div', { class: 'grid' }, history, similar));
  drawPictures(pictures, a);
  drawHistory(history, e);
  drawSimilar(similar, e.eventId);
}
/** How often an open anomaly is redrawn at most while its incident keeps changing (ms). */
const ANOMALY_REFRESH_MS = 5000;
function refreshAnomaly() {
  if (state.anomalyRefresh) return;
  state.anomalyRefresh = setTimeout(() => {
    state.anomalyRefresh = null;
    if (currentAnomaly && !$('anomaly').hidden) showAnomaly(currentAnomaly, true);
  }, ANOMALY_REFRESH_MS);
}
function judgeCard(a) {
  const card = el('div', { class: 'card', id: 'judge' }, el('h3', { text: 'Verdict' }));
  if (!state.session || state.session.role !== 'admin') {
    card.append(el('p', { class: 'muted', text: 'Judging needs the admin token (signed in read only).' }));
    return card;
  }
  const label = el('input', { id: 'verdict-label', list: 'labels-in-use', placeholder: 'label, e.g. bearing-wear', maxlength: '64' });
  const note = el('textarea', { id: 'verdict-note', placeholder: 'note (optional)', maxlength: '1000' });
  // a verdict replaces the one before, label and note included: the boxes start with the current ones, so a verdict
  // given again (to add a note, or by a second operator) keeps the label unless the operator changes it
  label.value = (a.verdict && a.verdict.label) || '';
  note.value = (a.verdict && a.verdict.note) || '';
  // the page is redrawn when the verdict comes back through the feed: what was written stays said
  const said = state.verdictSaid && state.verdictSaid.id === a.event.eventId ? state.verdictSaid.text : '';
  const message = el('p', { id: 'verdict-message', class: 'muted', role: 'status', text: said });
  const list = el('datalist', { id: 'labels-in-use' });
  get('/api/anomalies/labels').then(l => list.replaceChildren(...Object.keys(l.labels).map(x => el('option', { value: x }))))
    .catch(() => {});
  const give = async verdict => {
    message.className = 'muted';
    message.textContent = 'Writing…';
    try {
      // on the incident's first event, its id: it stays among the incident's events however long the incident grows
      // (the newest events are kept 32 at a time), so the verdict holds for the whole incident
      const v = await post('/api/anomalies/' + eventPath(a.incident ? a.incident.id : a.event.eventId) + '/verdict',
        { verdict, label: label.value.trim() || null, note: note.value.trim() || null });
      message.textContent = 'Written: ' + statusLabel(v.verdict) + (v.label ? ' (' + v.label + ')' : '')
        + '. Every replica learns it from the verdicts topic.';
      state.verdictSaid = { id: a.event.eventId, text: message.textContent };
      refreshAnomaly();
    } catch (e) {
      message.className = 'error';
      message.textContent = e.message;
    }
  };
  card.append(el('div', { class: 'judge' },
    el('button', { id: 'verdict-false-alarm', type: 'button', onclick: () => give('false-alarm') }, 'False alarm'),
    el('button', { id: 'verdict-confirmed', type: 'button', class: 'danger', onclick: () => give('confirmed') }, 'Confirmed'),
    label, list), note, message);
  return card;
}
async function drawPictures(card, a) {
  await drawPicturesOf(card, a);
  performance.mark('frameguard:anomaly-rendered');
}
async function drawPicturesOf(card, a) {
  let p;
  try {
    p = await get('/api/anomalies/' + eventPath(a.event.eventId) + '/picture');
  } catch (e) {
    card.replaceChildren(el('h3', { text: 'The frame' }), el('p', { class: 'muted', text: e.message }));
    return;
  }
  if (p.height > 1) {
    card.replaceChildren(el('h3', { text: 'The frame, where it is wrong' }), await imagePictures(a, p));
  } else if (p.windowChannels) {
    card.replaceChildren(el('h3', { text: 'The window, channel by channel' }),
      el('p', { class: 'muted', text: 'Each channel over time (white), the model\'s reconstruction (dashed blue'
        + (p.reconstruction ? '' : ': not given by this model') + '); the shading is each value\'s error (red: large). '
        + 'The channels the score rests on are outlined, with their share of the error.' }), channelPlots(a, p));
  } else {
    card.replaceChildren(el('h3', { text: 'The frame, value by value' }), valueBars(a, p));
  }
}
/** A canvas of an image picture's values (the frame, or its reconstruction), each cell {@code scale} pixels wide. */
function imageCanvas(p, values, scale, id) {
  const canvas = el('canvas', { class: 'frame', id, width: String(p.width * scale), height: String(p.height * scale) });
  const g = canvas.getContext('2d');
  const img = g.createImageData(p.width, p.height);
  for (let i = 0; i < p.width * p.height; i++) {
    const rgb = p.channels === 3 ? [values[3 * i], values[3 * i + 1], values[3 * i + 2]] : [values[i], values[i], values[i]];
    img.data.set(rgb.map(v => Math.round(255 * Math.max(0, Math.min(1, v)))), 4 * i);
    img.data[4 * i + 3] = 255;
  }
  const small = el('canvas', { width: String(p.width), height: String(p.height) });
  small.getContext('2d').putImageData(img, 0, 0);
  g.imageSmoothingEnabled = false;
  g.drawImage(small, 0, 0, p.width * scale, p.height * scale);
  return canvas;
}
async function imagePictures(a, p) {
  const scale = Math.max(1, Math.ceil(280 / Math.max(p.width, p.height)));
  const canvas = imageCanvas(p, p.values, scale, 'frame-canvas');
  if (p.region) {
    const g = canvas.getContext('2d');
    g.strokeStyle = '#00e5ff';
    g.lineWidth = Math.max(1, scale / 4);
    g.strokeRect(p.region.x * scale, p.region.y * scale, p.region.width * scale, p.region.height * scale);
  }
  const rebuilt = p.reconstruction ? imageCanvas(p, p.reconstruction, scale, 'reconstruction-canvas') : null;
  const heat = el('img', { class: 'heatmap', id: 'heatmap', alt: 'heatmap of ' + a.event.eventId });
  const blob = await getBlob('/api/anomalies/' + eventPath(a.event.eventId) + '/heatmap.png').catch(() => null);
  if (blob) heat.src = blobUrl(blob);
  const region = p.region ? 'region ' + p.region.width + '×' + p.region.height + ' at (' + p.region.x + ', ' + p.region.y
    + ') holds ' + Math.round(100 * p.region.share) + ' % of the error' : 'no single region';
  return el('div', { class: 'pictures' },
    el('figure', {}, canvas, el('figcaption', { text: 'the frame, ' + region })),
    rebuilt ? el('figure', {}, rebuilt, el('figcaption', { text: 'as the model rebuilt it' })) : null,
    el('figure', {}, heat, el('figcaption', { text: 'the error over the frame (heatmap)' })));
}
function channelPlots(a, p) {
  const C = p.windowChannels;
  const T = p.width / C;
  const top = new Map(((a.event.explanation || {}).topChannels || []).map(c => [c.index, c]));
  let peak = 0;
  p.errors.forEach(x => { peak = Math.max(peak, x); });
  const W = 260, H = 70;
  const plots = [];
  const order = [...Array(C).keys()].sort((x, y) => (top.has(y) ? 1 : 0) - (top.has(x) ? 1 : 0));
  for (const c of order) {
    let lo = Infinity, hi = -Infinity;
    for (let s = 0; s < T; s++) {
      for (const v of p.reconstruction ? [p.values[s * C + c], p.reconstruction[s * C + c]] : [p.values[s * C + c]]) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
    const span = hi > lo ? hi - lo : 1;
    const x = s => (s + 0.5) * W / T;
    const y = v => H - 4 - (H - 8) * (v - lo) / span;
    const shades = [];
    for (let s = 0; s < T; s++) {
      const t = peak > 0 ? p.errors[s * C + c] / peak : 0;
      if (t > 0.05) shades.push(svg('rect', { x: s * W / T, y: 0, width: Math.max(1, W / T), height: H, fill: 'rgba(255,77,79,' + (0.8 * t).toFixed(3) + ')' }));
    }
    let d = '';
    for (let s = 0; s < T; s++) d += (s ? 'L' : 'M') + x(s).toFixed(1) + ' ' + y(p.values[s * C + c]).toFixed(1);
    let r = '';
    if (p.reconstruction) {
      for (let s = 0; s < T; s++) r += (s ? 'L' : 'M') + x(s).toFixed(1) + ' ' + y(p.reconstruction[s * C + c]).toFixed(1);
    }
    const t = top.get(c);
    plots.push(el('div', { class: 'plot' + (t ? ' top' : ''), 'data-channel': p.channelNames[c] },
      el('div', { class: 'name' }, el('span', { text: p.channelNames[c] }),
        el('span', { class: t ? 'error' : 'muted', text: t ? Math.round(100 * t.share) + ' % of the error' : '' })),
      svg('svg', { width: '100%', viewBox: '0 0 ' + W + ' ' + H, preserveAspectRatio: 'none', height: String(H) },
        shades, r ? svg('path', { d: r, class: 'reconstruction', fill: 'none', stroke: '#4fb3ff', 'stroke-width': '1.2',
          'stroke-dasharray': '3 2', 'vector-effect': 'non-scaling-stroke' }) : null,
        svg('path', { d, fill: 'none', stroke: '#dde3ea', 'stroke-width': '1.2', 'vector-effect': 'non-scaling-stroke' }))));
  }
  return el('div', { class: 'plots', id: 'channel-plots' }, plots);
}
function valueBars(a, p) {
  const n = p.width, W = 640, H = 160;
  let peak = 0;
  p.errors.forEach(x => { peak = Math.max(peak, x); });
  // With the model's reconstruction, each channel's bar is how far its value is from what the model expected, in its
  // typical errors (the error map is each value's squared error over its channel's typical one): channels in units as
  // unlike as kPa and mm/s are then drawn on one scale, and the channels the model finds off stand out. Without it, the
  // values themselves, on the frame's one scale.
  const off = p.reconstruction ? p.values.map((v, i) => (v < p.reconstruction[i] ? -1 : 1) * Math.sqrt(Math.max(0, p.errors[i]))) : null;
  const shown = off || p.values;
  const all = off ? off.concat([3, -3]) : (p.reconstruction ? p.values.concat(p.reconstruction) : p.values);
  const lo = Math.min(0, ...all), hi = Math.max(0, ...all);
  const span = hi > lo ? hi - lo : 1;
  const bars = [];
  const ticks = [];
  const y = v => H - (v - lo) / span * H;
  if (off) { // the model's expectation: the zero line
    ticks.push(svg('line', { class: 'reconstruction', x1: 0, x2: W, y1: y(0), y2: y(0), stroke: '#4fb3ff', 'stroke-width': '1' }));
  } else if (p.reconstruction) { // the model's value for each: a tick across its bar
    for (let i = 0; i < n; i++) {
      const yr = y(p.reconstruction[i]);
      ticks.push(svg('line', { class: 'reconstruction', x1: i * W / n, x2: (i + 1) * W / n - 1, y1: yr, y2: yr, stroke: '#4fb3ff', 'stroke-width': '2' }));
    }
  }
  // the channels the event names, in its order: for a row, those whose fault alone would explain most of its error,
  // which need not be the reddest (a fault of one channel also raises the errors of the channels rebuilt from it)
  const named = ((a.event.explanation || {}).topChannels || []).filter(c => c && Number.isInteger(c.index) && c.index >= 0 && c.index < n);
  const top = new Set(named.map(c => c.index));
  const name = i => p.channelNames[i] || 'value ' + i;
  for (let i = 0; i < n; i++) {
    const t = peak > 0 ? p.errors[i] / peak : 0;
    const y0 = y(0), y1 = y(shown[i]);
    bars.push(svg('rect', { x: i * W / n, y: Math.min(y0, y1), width: Math.max(1, W / n - 1), height: Math.max(1, Math.abs(y1 - y0)),
      class: top.has(i) ? 'top' : null, 'data-channel': p.channelNames[i] || null,
      stroke: top.has(i) ? '#00e5ff' : null, 'stroke-width': top.has(i) ? '2' : null, 'vector-effect': 'non-scaling-stroke',
      fill: 'rgb(' + Math.round(120 + 135 * t) + ',' + Math.round(160 - 100 * t) + ',' + Math.round(200 - 150 * t) + ')' },
      svg('title', { text: name(i) + ': ' + fmtNum(p.values[i]) + (p.reconstruction ? ', expected ' + fmtNum(p.reconstruction[i]) : '')
        + ', error ' + fmtNum(p.errors[i]) + ' times its typical one' })));
  }
  // the channels' names under their bars, where they fit
  const labels = n <= MAX_LABELLED_BARS ? el('div', { class: 'bar-names', style: { gridTemplateColumns: 'repeat(' + n + ', 1fr)' } },
    ...Array.from({ length: n }, (_, i) => el('span', { class: top.has(i) ? 'error' : 'muted', title: name(i), text: name(i) }))) : null;
  return el('div', { id: 'channel-plots' }, svg('svg', { width: '100%', height: String(H), viewBox: '0 0 ' + W + ' ' + H, preserveAspectRatio: 'none' }, bars, ticks),
    labels,
    named.length ? el('p', { class: 'named' }, 'The event names ', ...named.flatMap((c, k) => [k ? ', ' : '',
      el('span', { class: 'error', text: name(c.index) + (Number.isFinite(c.share) ? ' (' + Math.round(100 * c.share) + ' %)' : '') })]),
      ' (outlined), with each one\'s share of the error: for models that rank channels by contribution (card\'s '
      + 'scoring.attribution), the part a fault of that channel alone would explain.') : null,
    el('p', { class: 'muted', text: off
      ? 'Each channel\'s value against what the model expected (the blue line), in its typical errors, so that channels in '
        + 'different units compare; the redder, the larger its error. Hover a bar for its value.'
      : 'Each value of the frame; the redder, the larger its own error'
        + (p.reconstruction ? '; the blue tick is what the model expected.' : '.') }));
}
/** Most bars of a frame that carry their channel's name underneath (more would not be legible). */
const MAX_LABELLED_BARS = 24;
async function drawHistory(card, e) {
  const hours = 6;
  const since = Date.now() - hours * 3600 * 1000;
  let answer;
  let minutes;
  try {
    [answer, minutes] = await Promise.all([
      get('/api/anomalies?' + new URLSearchParams({ source: e.source, since: String(since), limit: '1000' })),
      get('/api/anomalies/history?' + new URLSearchParams({ source: e.source, hours: String(hours) }))]);
  } catch (err) {
    card.append(el('p', { class: 'muted', text: err.message }));
    return;
  }
  const points = answer.anomalies.map(x => x.event).filter(x => x.threshold > 0).sort((x, y) => x.detectedTimestamp - y.detectedTimestamp);
  const m = minutes.minutes;
  const W = 600, H = 180, L = 40;
  // from the source's first minute on (a source seen for ten minutes gets ten minutes, not six hours), at least 15 min
  const first = Math.min(...m.map(x => x.minute), ...points.map(x => x.detectedTimestamp), Date.now());
  const t1 = Date.now();
  const t0 = Math.max(since, Math.min(first - 60000, t1 - 15 * 60000));
  // the scale: three times the highest threshold, where normal and borderline scores lie; a score far above is drawn
  // at the top, its value in its tooltip
  const hi = Math.max(...m.map(x => x.threshold), ...points.map(x => x.threshold), 0) * 3 || Math.max(e.score, 1);
  const X = t => L + (W - L - 4) * (t - t0) / (t1 - t0);
  const Y = v => H - 16 - (H - 24) * Math.min(v, hi) / hi;
  const line = (values, at) => values.map((v, i) => (i ? 'L' : 'M') + X(at(v)).toFixed(1) + ' ' + Y(v.y).toFixed(1)).join('');
  const mid = x => x.minute + 30000;
  card.append(svg('svg', { width: '100%', viewBox: '0 0 ' + W + ' ' + H, id: 'score-chart' },
    svg('line', { x1: L, x2: W, y1: H - 16, y2: H - 16, stroke: '#2b3440' }),
    svg('text', { x: 2, y: Y(hi) + 8, text: fmtNum(hi, 2) }), svg('text', { x: 2, y: H - 16, text: '0' }),
    svg('text', { x: L, y: H - 2, text: fmtTime(t0) }), svg('text', { x: W - 110, y: H - 2, text: 'now' }),
    svg('path', { class: 'scores', d: line(m.map(x => ({ y: x.maxScore, minute: x.minute })), mid), fill: 'none', stroke: '#f08a24', 'stroke-width': '1' }),
    svg('path', { class: 'mean-scores', d: line(m.map(x => ({ y: x.meanScore, minute: x.minute })), mid), fill: 'none', stroke: '#8b97a5', 'stroke-width': '1' }),
    svg('path', { class: 'thresholds', d: line(m.map(x => ({ y: x.threshold, minute: x.minute })), mid), fill: 'none', stroke: '#4fb3ff', 'stroke-width': '1.5', 'stroke-dasharray': '4 3' }),
    m.map(x => svg('rect', { x: X(mid(x)) - 1.5, y: Y(x.maxScore) - 1.5, width: 3, height: 3, fill: '#f08a24' },
      svg('title', { text: fmtTime(x.minute) + ': ' + x.frames + ' frames, highest ' + fmtNum(x.maxScore) + ', mean '
        + fmtNum(x.meanScore) + ', threshold ' + fmtNum(x.threshold) + ', ' + x.anomalies + ' anomalies' }))),
    points.map(x => svg('circle', { cx: X(x.detectedTimestamp), cy: Y(x.score), r: x.eventId === e.eventId ? 5 : 3,
      fill: x.eventId === e.eventId ? '#ff4d4f' : '#f08a24' }, svg('title', { text: fmtTime(x.detectedTimestamp) + ': ' + fmtNum(x.score) })))),
  el('p', { class: 'muted', text: 'Since ' + fmtTime(t0) + ' (at most ' + hours + ' hours), ' + e.source + ' minute by minute: highest score (orange), mean score (grey), '
    + 'rolling threshold (dashed blue); dots are its anomalies (red: this one), drawn at the top when far above.'
    + (m.length === 0 ? ' No minutes recorded yet.' : '') }));
}
async function drawSimilar(card, id) {
  let answer;
  try {
    answer = await get('/api/anomalies/' + eventPath(id) + '/similar?k=' + SIMILAR_K);
  } catch (e) {
    card.append(el('p', { class: 'muted', text: e.message }));
    return;
  }
  if (answer.similar.length === 0) {
    card.append(el('p', { class: 'muted', text: 'Nothing like it in the memory.' }));
    return;
  }
  const items = answer.similar.filter(s => validId(s.eventId)).map(s => {
    const img = el('img', { alt: 'heatmap of ' + s.eventId, loading: 'lazy' });
    getBlob('/api/anomalies/' + eventPath(s.eventId) + '/heatmap.png').then(b => { img.src = blobUrl(b); }).catch(() => img.remove());
    return el('div', { class: 'item', 'data-event-id': s.eventId, onclick: () => { location.hash = '#/anomaly/' + eventPath(s.eventId); } },
      img, el('div', { text: Math.round(100 * s.similarity) + ' % alike · ' + s.source }),
      el('div', {}, el('span', { class: 'status ' + (s.verdict || 'unjudged'), text: statusLabel(s.verdict || 'unjudged') }),
        s.label ? ' ' + s.label : ''),
      el('div', { class: 'muted', text: fmtTime(s.detectedTimestamp) + ' · ' + s.count + ' events' }));
  });
  card.append(el('div', { class: 'similar' }, items));
}

// ---------------------------------------------------------------- families
/** A view's data: {@code waiting} shown in {@code box} meanwhile, the error instead when it fails (then null). */
async function loadInto(box, waiting, path) {
  box.replaceChildren(el('p', { class: 'muted', text: waiting }));
  try {
    return await get(path);
  } catch (e) {
    box.replaceChildren(el('p', { class: 'error', text: e.message }));
    return null;
  }
}
const PALETTE = ['#4fb3ff', '#f08a24', '#49c27b', '#c77dff', '#ff4d4f', '#f0c020', '#2ec4b6', '#ff85c0', '#9ba3ff', '#a3e635'];
const STATUS_COLOURS = { 'unjudged': '#f0c020', 'false-alarm': '#49c27b', 'confirmed': '#ff4d4f', 'suppressed': '#8b97a5' };
async function showFamilies() {
  const box = $('families');
  const m = await loadInto(box, 'Grouping the memory\'s signatures…', '/api/anomalies/families?limit=2000');
  if (!m) return;
  state.familyMap = m;
  const colourBy = el('select', { id: 'colour-by' }, el('option', { value: 'family', text: 'family' }),
    el('option', { value: 'status', text: 'verdict' }), el('option', { value: 'label', text: 'label' }));
  const mapCard = el('div', { class: 'card' }, el('h3', { text: 'Map of the newest ' + m.considered + ' anomalies (' + (m.kind || 'no signatures') + ')' }),
    el('label', {}, 'Colour by ', colourBy), el('div', { id: 'family-map' }));
  const listCard = el('div', { class: 'card' }, el('h3', { text: m.families.length + ' families (incidents at least '
    + Math.round(100 * m.similarity) + ' % alike)' }), familyTable(m));
  const members = el('div', { class: 'card', id: 'family-members' }, el('p', { class: 'muted', text: 'Select a family to see its members.' }));
  box.replaceChildren(el('div', { class: 'grid' }, mapCard, listCard), members);
  const redraw = () => drawMap(m, colourBy.value, null);
  colourBy.addEventListener('change', redraw);
  redraw();
}
function colourOf(p, by, labels) {
  if (by === 'status') return STATUS_COLOURS[p.status] || '#8b97a5';
  if (by === 'label') return p.label ? PALETTE[labels.indexOf(p.label) % PALETTE.length] : '#3a4656';
  return p.family < 0 ? '#3a4656' : PALETTE[p.family % PALETTE.length];
}
function drawMap(m, by, selected) {
  const W = 520, H = 380, pad = 12;
  const xs = m.points.map(p => p.x), ys = m.points.map(p => p.y);
  const x0 = Math.min(...xs, 0), x1 = Math.max(...xs, 0), y0 = Math.min(...ys, 0), y1 = Math.max(...ys, 0);
  const X = x => pad + (W - 2 * pad) * (x - x0) / ((x1 - x0) || 1);
  const Y = y => H - pad - (H - 2 * pad) * (y - y0) / ((y1 - y0) || 1);
  const labels = [...new Set(m.points.map(p => p.label).filter(Boolean))];
  const dots = m.points.map(p => svg('circle', {
    cx: X(p.x).toFixed(1), cy: Y(p.y).toFixed(1), r: p.family >= 0 ? 4 : 3, fill: colourOf(p, by, labels),
    class: selected !== null && p.family !== selected ? 'dim' : '', 'data-family': String(p.family),
    onclick: () => p.family >= 0 ? selectFamily(p.family) : (location.hash = '#/anomaly/' + eventPath(p.incidentId)),
  }, svg('title', { text: p.source + ' · ' + statusLabel(p.status) + (p.label ? ' · ' + p.label : '')
    + (p.family >= 0 ? ' · family ' + p.family : '') + ' · ' + fmtTime(p.lastSeen) })));
  const legend = by === 'status' ? Object.entries(STATUS_COLOURS).map(([k, c]) => [statusLabel(k), c])
    : by === 'label' ? labels.map((l, i) => [l, PALETTE[i % PALETTE.length]]).concat([['no label', '#3a4656']])
      : m.families.slice(0, 10).map(f => ['family ' + f.id, PALETTE[f.id % PALETTE.length]]).concat([['in no family', '#3a4656']]);
  $('family-map').replaceChildren(svg('svg', { class: 'map', width: '100%', viewBox: '0 0 ' + W + ' ' + H }, dots),
    el('div', { class: 'legend' }, legend.map(([t, c]) => el('span', {}, el('i', { style: { background: c } }), t))));
}
function familyTable(m) {
  return el('table', { class: 'list', id: 'family-table' },
    el('thead', {}, el('tr', {}, ['Family', 'Incidents', 'Events', 'First seen', 'Last seen', 'Sources', 'Verdicts', 'Labels'].map(h => el('th', { text: h })))),
    el('tbody', {}, m.families.map(f => el('tr', { 'data-family': String(f.id), onclick: () => selectFamily(f.id) },
      el('td', {}, el('i', { class: 'dot', style: { background: PALETTE[f.id % PALETTE.length] } }), ' ' + f.id),
      el('td', { text: String(f.incidents) }), el('td', { text: String(f.events) }),
      el('td', { text: fmtTime(f.firstSeen) }), el('td', { text: fmtTime(f.lastSeen) }),
      el('td', { text: f.sources.slice(0, 4).join(', ') + (f.sources.length > 4 ? ' +' + (f.sources.length - 4) : '') }),
      el('td', { text: Object.entries(f.statuses).map(([k, v]) => v + ' ' + statusLabel(k)).join(', ') }),
      el('td', { text: Object.keys(f.labels).join(', ') })))));
}
function selectFamily(id) {
  const m = state.familyMap;
  drawMap(m, $('colour-by').value, id);
  const members = m.points.filter(p => p.family === id).sort((a, b) => b.lastSeen - a.lastSeen);
  const card = $('family-members');
  const rows = members.map(p => el('tr', { 'data-event-id': p.incidentId, onclick: () => { location.hash = '#/anomaly/' + eventPath(p.incidentId); } },
    el('td', { text: fmtTime(p.lastSeen) }), el('td', { text: p.source }), el('td', {}, el('span', { class: 'sev ' + p.severity, text: p.severity })),
    el('td', { text: String(p.count) }), el('td', {}, el('span', { class: 'status ' + p.status, text: statusLabel(p.status) })),
    el('td', { text: p.label || '' })));
  card.replaceChildren(el('h3', { text: 'Family ' + id + ': ' + members.length + ' incidents' }));
  if (state.session.role === 'admin') {
    const label = el('input', { id: 'family-label', placeholder: 'label for all of them', maxlength: '64' });
    const message = el('p', { id: 'family-message', class: 'muted', role: 'status' });
    const give = async verdict => {
      try {
        // a verdict replaces the one before, label included: with no label typed, each incident keeps its own
        const given = label.value.trim() || null;
        const judged = members.filter(p => validId(p.incidentId));
        const byLabel = new Map(); // label (null: none) -> incident ids
        judged.forEach(p => {
          const l = given || p.label || null;
          byLabel.set(l, (byLabel.get(l) || []).concat(p.incidentId));
        });
        const total = judged.length;
        const kept = given ? 0 : judged.filter(p => p.label).length;
        let written = 0;
        for (const [l, ids] of byLabel) {
          for (let i = 0; i < ids.length; i += BULK_VERDICTS) { // the API takes at most 1,000 at once
            const answer = await post('/api/anomalies/verdicts', { eventIds: ids.slice(i, i + BULK_VERDICTS), verdict, label: l });
            written += answer.verdicts.length;
            message.className = 'muted';
            message.textContent = written + ' of ' + total + ' verdicts written'
              + (kept ? ' (' + kept + ' with the label each had)' : '') + '.';
          }
        }
        setTimeout(showFamilies, 6000); // the map is computed anew at most every 5 s
      } catch (e) {
        message.className = 'error';
        message.textContent = e.message;
      }
    };
    card.append(el('div', { class: 'judge' }, el('button', { type: 'button', onclick: () => give('false-alarm') }, 'All false alarms'),
      el('button', { type: 'button', class: 'danger', onclick: () => give('confirmed') }, 'All confirmed'), label), message);
  }
  card.append(el('table', { class: 'list' }, el('thead', {}, el('tr', {}, ['Last seen', 'Source', 'Severity', 'Events', 'Verdict', 'Label'].map(h => el('th', { text: h })))),
    el('tbody', {}, rows)));
}

// ---------------------------------------------------------------- models
async function showModels() {
  const box = $('models');
  if (!state.session.registry) {
    box.replaceChildren(el('p', { class: 'muted', text: 'This service serves a model from a directory and follows no model '
      + 'registry (frameguard.registry.enabled=false): there are no versions to manage here.' }));
    return;
  }
  const m = await loadInto(box, 'Reading the registry…', '/api/models');
  if (!m) return;
  const admin = state.session.role === 'admin';
  box.replaceChildren(el('p', { class: 'muted', text: 'Registry topic ' + m.registryTopic + '; this replica serves ' + (m.serving || 'nothing yet') + '.' }),
    ...m.models.map(model => modelCard(model, admin, m.serving)));
}
function modelCard(model, admin, serving) {
  const active = model.active ? model.active.version : null;
  const reason = el('input', { placeholder: 'reason (kept with the change)', class: 'model-reason' });
  const message = el('p', { class: 'muted', role: 'status' });
  const change = async (path, body) => {
    try {
      const a = await post('/api/models/' + encodeURIComponent(model.name) + path, Object.assign(body, { reason: reason.value.trim() || null }));
      message.className = 'muted';
      message.textContent = 'Now active: ' + a.version + '. Every replica following the registry swaps to it.';
      setTimeout(showModels, 1500);
    } catch (e) {
      message.className = 'error';
      message.textContent = e.message;
    }
  };
  const versions = model.versions.slice().sort((a, b) => (b.createdAt || '').localeCompare(a.createdAt || ''));
  return el('div', { class: 'card' },
    el('h2', { text: model.name }),
    el('p', {}, 'Active: ', el('strong', { text: active || 'none' }), model.active && model.active.reason ? ' — ' + model.active.reason : ''),
    admin ? el('div', { class: 'judge' }, reason, el('button', { type: 'button', onclick: () => confirm('Roll ' + model.name + ' back on every replica?') && change('/rollback', {}) }, 'Roll back'), message)
      : el('p', { class: 'muted', text: 'Activation and rollback need the admin token.' }),
    el('table', { class: 'list' },
      el('thead', {}, el('tr', {}, ['Version', 'Created', 'Architecture', 'Threshold', 'Champion / challenger', ''].map(h => el('th', { text: h })))),
      el('tbody', {}, versions.map(v => el('tr', {},
        el('td', {}, v.version, v.version === active ? el('span', { class: 'status confirmed', text: 'active' }) : null,
          v.version === serving ? el('span', { class: 'status', text: 'served here' }) : null),
        el('td', { text: v.createdAt }), el('td', { text: (v.architecture || '') + ' · ' + v.kind + ' ' + v.dim }),
        el('td', { text: fmtNum(v.threshold) }), el('td', {}, comparison(v)),
        el('td', {}, admin && v.version !== active ? el('button', { type: 'button', onclick: () => confirm('Serve ' + v.version + ' on every replica?') && change('/activate', { version: v.version }) }, 'Activate') : null))))));
}
function comparison(v) {
  const c = v.comparison;
  if (c) {
    const row = (who, x) => x ? who + ' ' + x.version + ': AUROC ' + fmtNum(x.syntheticAuroc) + ', false alarms ' + fmtNum(100 * x.falseAlarmRate, 2) + ' %' : who + ': none';
    return el('div', {}, el('div', { text: row('champion', c.champion) }), el('div', { text: row('challenger', c.candidate) }),
      el('div', { class: c.accepted ? 'muted' : 'error', text: (c.accepted ? 'accepted: ' : 'refused: ') + c.reason }));
  }
  if (v.selection) {
    return el('div', {}, el('div', { text: 'chose ' + v.selection.chosen + ' of ' + v.selection.tried.length + ' architectures' }),
      el('div', { class: 'muted', text: v.selection.tried.map(t => t.name + ' ' + fmtNum(t.syntheticAuroc)).join(' · ') }));
  }
  return el('span', { class: 'muted', text: 'trained by hand' });
}

// ---------------------------------------------------------------- start
$('login-form').addEventListener('submit', async ev => {
  ev.preventDefault();
  $('login-error').textContent = '';
  try {
    await signIn($('token').value.trim());
  } catch (e) {
    if (e.status !== 401) $('login-error').textContent = e.message;
    else signOut('That token was refused.');
  }
});
$('sign-out').addEventListener('click', () => signOut(''));
for (const id of ['filter-source', 'filter-severity', 'filter-status', 'filter-time']) $(id).addEventListener('change', refilter);
window.addEventListener('hashchange', () => { currentAnomaly = null; route(); });
if (state.token) {
  // a reload while the service restarts keeps the token and tries again; only a refused token signs out
  const resume = () => signIn(state.token).catch(e => {
    if (e.status === 0) setTimeout(resume, RECONNECT_MAX_MS); // unreachable: the banner says so
    else if (e.status !== 401) signOut(e.message);
  });
  resume();
} else {
  signOut('');
}
