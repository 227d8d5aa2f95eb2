// The dashboard's allocation-candidates form, as a query of Placement's own
// GET /allocation_candidates (so the answer, and any refusal, is exactly the API's), and the
// answer turned into what the trees mark: which providers each candidate takes, and how much.
// Pure: the page bundles it, the unit tests call it.

export interface CandidateForm {
  /** `SRIOV_NET_VF:2,VCPU:1` (the unsuffixed group). */
  resources: string;
  /** `CUSTOM_PHYSNET_PUBLIC,!CUSTOM_X` or `in:A,B`. */
  required: string;
  /** One granular group per line: `<suffix> <resources> [<required>]`, e.g. `1 SRIOV_NET_VF:1 CUSTOM_PHYSNET_PUBLIC`. */
  groups: string;
  /** '', 'none' or 'isolate'. */
  groupPolicy: string;
  limit: string;
  /** Resource classes whose amount may be split over providers of one tree (vfnet's can_split). */
  canSplit: string;
}

export class FormError extends Error {}

const SUFFIX = /^[A-Za-z0-9_-]{1,64}$/;

/** The query string (no `?`); a form that cannot become a query is a FormError naming the field. */
export function candidateQuery(f: CandidateForm): string {
  const q = new URLSearchParams();
  const resources = f.resources.replace(/\s+/g, '');
  if (resources) q.append('resources', resources);
  const required = f.required.replace(/\s+/g, '');
  if (required) q.append('required', required);
  const lines = f.groups
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  for (const line of lines) {
    const [suffix, res, req, ...rest] = line.split(/\s+/);
    if (!suffix || !SUFFIX.test(suffix) || !res || rest.length) {
      throw new FormError(`granular group "${line}": write "<suffix> <resources> [<required traits>]"`);
    }
    q.append(`resources${suffix}`, res);
    if (req) q.append(`required${suffix}`, req);
  }
  if (f.groupPolicy) q.append('group_policy', f.groupPolicy);
  const limit = f.limit.trim();
  // Placement checks the value itself; only an empty field is left out.
  if (limit) q.append('limit', limit);
  const split = f.canSplit.replace(/\s+/g, '');
  if (split) q.append('can_split', split);
  return q.toString();
}

export interface CandidateMark {
  /** 1-based, in the answer's order. */
  index: number;
  /** provider uuid → class → amount this candidate takes from it */
  providers: Record<string, Record<string, number>>;
}

interface CandidatesAnswer {
  allocation_requests?: { allocations?: Record<string, { resources?: Record<string, number> }> }[];
}

export function candidateMarks(answer: unknown): CandidateMark[] {
  const reqs = (answer as CandidatesAnswer | null)?.allocation_requests ?? [];
  return reqs.map((r, i) => {
    const providers: CandidateMark['providers'] = {};
    for (const [uuid, a] of Object.entries(r.allocations ?? {})) providers[uuid] = { ...(a.resources ?? {}) };
    return { index: i + 1, providers };
  });
}

/** Placement's error text from an error answer: each error's detail, or the body's message/title. */
export function errorText(status: number, body: unknown): string {
  const b = body as {
    errors?: { title?: string; detail?: string }[];
    message?: string;
    title?: string;
    error?: { message?: string };
  } | null;
  const texts = (b?.errors ?? []).map((e) => e.detail || e.title || '').filter(Boolean);
  if (texts.length) return `${status}: ${texts.join('; ')}`;
  const plain = b?.error?.message ?? b?.message ?? b?.title;
  // webob's 401 message ends in HTML line breaks.
  return `${status}: ${plain ? plain.replace(/<br \/>/g, ' ').trim() : 'no answer body'}`;
}
