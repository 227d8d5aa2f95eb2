// The dashboard page's script (bundled for the browser by scripts/build.mjs into
// dist/dashboard/app.js). It reads the live state from /dashboard/api/events with fetch, not
// EventSource, because EventSource cannot send the X-Auth-Token header and the token must never
// be in a URL (URLs end up in logs and history). The token is kept in sessionStorage: gone with
// the tab. Data is only ever put in the page as text (textContent), never as markup.
import { type CandidateForm, type CandidateMark, candidateMarks, candidateQuery, errorText } from '../candidates.js';
import type { Bar, DashboardView, Holder, TreeNode } from '../view-model.js';

const TOKEN_KEY = 'vfnet.dashboard.token';
const RETRY_MS = 2000;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string | null)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c !== null) e.append(c);
  return e;
}

const state = {
  view: null as DashboardView | null,
  marks: [] as CandidateMark[],
  selected: null as number | null,
  abort: null as AbortController | null,
  retry: null as number | null,
};

function headers(): Record<string, string> {
  const h: Record<string, string> = { 'openstack-api-version': 'placement 1.39', accept: 'application/json' };
  const token = sessionStorage.getItem(TOKEN_KEY) ?? noauthToken();
  if (token) h['x-auth-token'] = token;
  return h;
}

/** What a noauth2 service lets the page call itself (page-shell.ts), until a token is typed in. */
function noauthToken(): string | null {
  return document.querySelector<HTMLMetaElement>('meta[name="vfnet-noauth-token"]')?.content ?? null;
}

function setStatus(s: 'starting' | 'live' | 'reconnecting' | 'refused' | 'error', text: string) {
  const e = $('status');
  e.dataset.state = s;
  e.textContent = text;
}

async function bodyOf(res: Response): Promise<unknown> {
  try {
    return await res.json();
  } catch {
    return null;
  }
}

function showRefusal(text: string) {
  const trees = $('trees');
  trees.replaceChildren(el('div', { class: 'refusal', id: 'refusal' }, text));
}

// ---------------------------------------------------------------- the live stream

async function connect(): Promise<void> {
  state.abort?.abort();
  if (state.retry !== null) clearTimeout(state.retry);
  const abort = new AbortController();
  state.abort = abort;
  setStatus('starting', 'connecting');
  let res: Response;
  try {
    res = await fetch('/dashboard/api/events', { headers: headers(), signal: abort.signal, cache: 'no-store' });
  } catch {
    if (!abort.signal.aborted) later();
    return;
  }
  if (!res.ok) {
    const text = errorText(res.status, await bodyOf(res));
    if (res.status === 401 || res.status === 403) {
      // A new token is needed: asking again with the same one would only be refused again.
      setStatus('refused', `refused (${res.status})`);
      showRefusal(`The service refused this page's token. ${text}`);
      return;
    }
    setStatus('error', `error ${res.status}`);
    later();
    return;
  }
  setStatus('live', 'live');
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += value;
      let end = buf.indexOf('\n\n');
      while (end >= 0) {
        onFrame(buf.slice(0, end));
        buf = buf.slice(end + 2);
        end = buf.indexOf('\n\n');
      }
    }
  } catch {
    // aborted or cut: reconnect below unless we aborted it ourselves
  }
  if (!abort.signal.aborted) later();
}

function later() {
  setStatus('reconnecting', 'reconnecting');
  state.retry = window.setTimeout(() => void connect(), RETRY_MS);
}

function onFrame(frame: string) {
  let event = 'message';
  const data: string[] = [];
  for (const line of frame.split('\n')) {
    if (line.startsWith('event:')) event = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
  }
  if (event !== 'state' || data.length === 0) return;
  state.view = JSON.parse(data.join('\n')) as DashboardView;
  render();
}

// ---------------------------------------------------------------- the trees

function barRow(b: Bar): HTMLElement {
  const pct = (n: number) => `${b.total > 0 ? (100 * n) / b.total : 0}%`;
  const used = el('div', { class: 'used', title: `used ${b.used}` });
  used.style.width = pct(Math.min(b.used, b.total));
  const reserved = el('div', { class: 'reserved', title: `reserved ${b.reserved}` });
  reserved.style.width = pct(Math.min(b.reserved, Math.max(0, b.total - b.used)));
  const label = `${b.used} / ${b.total} used${b.reserved ? `, ${b.reserved} reserved` : ''}`;
  return el(
    'div',
    { class: 'bar-row', 'data-class': b.resourceClass, 'data-used': String(b.used), 'data-total': String(b.total) },
    el('span', { class: 'mono' }, b.resourceClass),
    el('div', { class: 'bar', role: 'img', 'aria-label': `${b.resourceClass} ${label}` }, used, reserved),
    el('span', { class: 'bar-label' }, label),
  );
}

function traitList(traits: string[], collapseAfter: number): HTMLElement | null {
  if (traits.length === 0) return null;
  const chip = (t: string) => el('span', { class: t.startsWith('CUSTOM_PHYSNET_') ? 'trait physnet' : 'trait' }, t);
  // Physnets first: they are what a request names.
  const sorted = [...traits].sort(
    (a, b) => Number(b.startsWith('CUSTOM_PHYSNET_')) - Number(a.startsWith('CUSTOM_PHYSNET_')),
  );
  if (sorted.length <= collapseAfter) return el('div', { class: 'traits' }, ...sorted.map(chip));
  const more = el('details', { class: 'more' }, el('summary', {}, `${sorted.length - collapseAfter} more traits`));
  more.append(el('div', { class: 'traits' }, ...sorted.slice(collapseAfter).map(chip)));
  return el('div', {}, el('div', { class: 'traits' }, ...sorted.slice(0, collapseAfter).map(chip)), more);
}

function holderItem(h: Holder): HTMLElement {
  const amounts = Object.entries(h.resources)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const attrs: Record<string, string> = { 'data-consumer': h.consumer, 'data-kind': h.kind };
  if (h.kind === 'container') {
    if (h.containerId) attrs['data-container'] = h.containerId;
    return el(
      'li',
      attrs,
      el('span', { class: 'holder-kind' }, 'container'),
      el('span', {}, `network ${h.network ?? ''}`),
      h.containerId ? el('span', { class: 'mono' }, `${h.containerId}${h.ifname ? ` ${h.ifname}` : ''}`) : null,
      h.vf ? el('span', { class: 'mono' }, `VF ${h.vf}`) : null,
      el('span', { class: 'bar-label' }, amounts),
    );
  }
  const label = h.kind === 'instance' ? 'instance' : (h.consumerType ?? 'consumer').toLowerCase();
  return el(
    'li',
    attrs,
    el('span', { class: `holder-kind ${h.kind}` }, label),
    el('span', { class: 'mono' }, h.consumer),
    el('span', { class: 'bar-label' }, amounts),
  );
}

function nodeEl(n: TreeNode): HTMLElement {
  const cls = n.kind === 'host' ? 'host' : n.kind === 'pf' ? 'node pf' : 'node';
  const box = el(
    'div',
    { class: cls, 'data-uuid': n.uuid, 'data-kind': n.kind, 'data-name': n.name },
    el(
      'div',
      { class: 'node-head' },
      el('span', { class: 'kind' }, n.kind === 'provider' ? 'provider' : n.kind.toUpperCase()),
      el('span', { class: 'name' }, n.name),
      el('span', { class: 'uuid' }, n.uuid),
      el('span', { class: 'badges' }),
    ),
    traitList(n.traits, n.kind === 'pf' ? 8 : 3),
  );
  for (const b of n.bars) box.append(barRow(b));
  if (n.holders.length) box.append(el('ul', { class: 'holders' }, ...n.holders.map(holderItem)));
  if (n.children.length) box.append(el('div', { class: 'children' }, ...n.children.map(nodeEl)));
  return box;
}

function names(view: DashboardView): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (n: TreeNode) => {
    out.set(n.uuid, n.name);
    n.children.forEach(walk);
  };
  view.trees.forEach(walk);
  return out;
}

function render() {
  const v = state.view;
  if (!v) return;
  const t = v.totals;
  $('summary').textContent =
    `${t.hosts} host${t.hosts === 1 ? '' : 's'}, ${t.pfs} PFs, VFs ${t.vfUsed} used / ${t.vfTotal}` +
    `${t.vfReserved ? ` (${t.vfReserved} reserved)` : ''} · generation ${v.generation}`;
  const trees = $('trees');
  if (v.trees.length === 0) trees.replaceChildren(el('p', { class: 'note' }, 'No resource providers yet.'));
  else trees.replaceChildren(...v.trees.map(nodeEl));
  applyMarks();
}

// ---------------------------------------------------------------- candidates

function applyMarks() {
  const shown = state.selected === null ? state.marks : state.marks.filter((m) => m.index === state.selected);
  for (const node of document.querySelectorAll<HTMLElement>('[data-uuid]')) {
    const uuid = node.dataset.uuid!;
    const mine = shown.filter((m) => m.providers[uuid]);
    node.classList.toggle('marked', mine.length > 0);
    node.classList.toggle('dim', state.marks.length > 0 && node.dataset.kind === 'pf' && mine.length === 0);
    const badges = node.querySelector(':scope > .node-head > .badges')!;
    badges.replaceChildren(
      ...mine.map((m) => {
        const amounts = Object.entries(m.providers[uuid]!)
          .map(([k, n]) => `${k === 'SRIOV_NET_VF' ? 'VF' : k}×${n}`)
          .join(' ');
        return el('span', { class: 'badge', 'data-candidate': String(m.index) }, `#${m.index} ${amounts}`);
      }),
    );
  }
}

function showCandidates(list: HTMLElement | string) {
  $('candidates-result').replaceChildren(list);
}

function candidateList(): HTMLElement {
  const known = state.view ? names(state.view) : new Map<string, string>();
  if (state.marks.length === 0) return el('p', { id: 'candidates-none' }, 'No candidate: nothing fits this request.');
  const items = state.marks.map((m) => {
    const parts = Object.entries(m.providers).map(
      ([uuid, res]) =>
        `${known.get(uuid) ?? uuid} (${Object.entries(res)
          .map(([k, n]) => `${k} ${n}`)
          .join(', ')})`,
    );
    const li = el('li', { 'data-candidate': String(m.index) }, parts.join(' + '));
    if (state.selected === m.index) li.className = 'selected';
    li.addEventListener('click', () => {
      state.selected = state.selected === m.index ? null : m.index;
      showCandidates(candidateList());
      applyMarks();
    });
    return li;
  });
  return el(
    'div',
    { id: 'candidates-list' },
    el('p', {}, `${state.marks.length} candidate${state.marks.length === 1 ? '' : 's'} (click one to show it alone):`),
    el('ol', {}, ...items),
  );
}

async function askCandidates(form: HTMLFormElement) {
  const data = new FormData(form);
  const f = Object.fromEntries(
    ['resources', 'required', 'groups', 'groupPolicy', 'limit', 'canSplit'].map((k) => [k, String(data.get(k) ?? '')]),
  ) as unknown as CandidateForm;
  let query: string;
  try {
    query = candidateQuery(f);
  } catch (e) {
    showCandidates(el('p', { class: 'error', id: 'candidates-error' }, (e as Error).message));
    return;
  }
  let res: Response;
  try {
    res = await fetch(`/allocation_candidates?${query}`, { headers: headers(), cache: 'no-store' });
  } catch (e) {
    showCandidates(el('p', { class: 'error', id: 'candidates-error' }, `The service did not answer: ${String(e)}`));
    return;
  }
  const body = await bodyOf(res);
  state.selected = null;
  if (!res.ok) {
    state.marks = [];
    applyMarks();
    showCandidates(
      el('p', { class: 'error', id: 'candidates-error' }, `Placement answered ${errorText(res.status, body)}`),
    );
    return;
  }
  state.marks = candidateMarks(body);
  showCandidates(candidateList());
  applyMarks();
}

// ---------------------------------------------------------------- start

function start() {
  $('no-script').remove();
  const tokenInput = $<HTMLInputElement>('token');
  $('token-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const t = tokenInput.value.trim();
    if (t) sessionStorage.setItem(TOKEN_KEY, t);
    else sessionStorage.removeItem(TOKEN_KEY);
    tokenInput.value = '';
    void connect();
  });
  $('token-forget').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    void connect();
  });
  const form = $<HTMLFormElement>('candidates-form');
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void askCandidates(form);
  });
  $('candidates-clear').addEventListener('click', () => {
    state.marks = [];
    state.selected = null;
    showCandidates('');
    applyMarks();
  });
  void connect();
}

start();
