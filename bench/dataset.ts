// The benchmark's events: deterministic (fixed seed), columnar in typed arrays so the baseline loop,
// the raw engine and the HTTP client all see the identical rows, rendered to JSON only when sent.

export const YEAR_START = Date.UTC(2025, 0, 1);
export const YEAR_END = Date.UTC(2026, 0, 1);
export const SUBJECTS = 1000;
export const USERS_PER_SUBJECT = 60;
export const PROJECTS_PER_SUBJECT = 3;
export const MODELS = [
  'gpt-4o',
  'gpt-4o-mini',
  'o3-mini',
  'claude-sonnet',
  'claude-haiku',
  'llama-3-70b',
  'mistral-large',
  'gemini-flash',
];
export const REGIONS = [
  'us-east-1',
  'us-west-2',
  'eu-west-1',
  'eu-central-1',
  'ap-south-1',
  'ap-southeast-2',
  'sa-east-1',
  'ca-central-1',
  'af-south-1',
  'me-south-1',
  'ap-northeast-1',
  'eu-north-1',
];
export const ENVS = ['production', 'staging', 'development'];
export const EVENT_TYPE = 'llm_call';
export const SOURCE = 'bench';

/** Columns of `n` events; every dimension is a small integer code into the tables above. */
export interface Dataset {
  n: number;
  time: Float64Array;
  subject: Uint16Array;
  model: Uint8Array;
  region: Uint8Array;
  /** 0..PROJECTS_PER_SUBJECT-1 within the subject. */
  project: Uint8Array;
  env: Uint8Array;
  /** Global user number: subject * USERS_PER_SUBJECT + local user. */
  user: Uint32Array;
  tokens: Float64Array;
}

/** xorshift32: fast and deterministic; quality is ample for synthetic load. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

function zipfCdf(k: number, exponent: number): Float64Array {
  const cdf = new Float64Array(k);
  let total = 0;
  for (let i = 0; i < k; i++) total += 1 / (i + 1) ** exponent;
  let acc = 0;
  for (let i = 0; i < k; i++) {
    acc += 1 / (i + 1) ** exponent / total;
    cdf[i] = acc;
  }
  return cdf;
}

function pick(cdf: Float64Array, u: number): number {
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((cdf[mid] ?? 1) < u) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * `n` events spread over 2025 in time order. Subjects follow Zipf(1.0) over 1000 customers, and
 * dimensions are correlated per subject as in real data (home region 90%, main model 70%).
 */
export function generateDataset(n: number, seed = 42): Dataset {
  const r = rng(seed);
  const subjectCdf = zipfCdf(SUBJECTS, 1.0);
  const userCdf = zipfCdf(USERS_PER_SUBJECT, 0.8);
  const d: Dataset = {
    n,
    time: new Float64Array(n),
    subject: new Uint16Array(n),
    model: new Uint8Array(n),
    region: new Uint8Array(n),
    project: new Uint8Array(n),
    env: new Uint8Array(n),
    user: new Uint32Array(n),
    tokens: new Float64Array(n),
  };
  const span = YEAR_END - YEAR_START;
  for (let i = 0; i < n; i++) {
    const s = pick(subjectCdf, r());
    d.time[i] = YEAR_START + Math.floor(((i + r()) * span) / n);
    d.subject[i] = s;
    d.model[i] = r() < 0.7 ? s % MODELS.length : Math.floor(r() * MODELS.length);
    d.region[i] = r() < 0.9 ? (s * 7) % REGIONS.length : Math.floor(r() * REGIONS.length);
    d.project[i] = Math.floor(r() * PROJECTS_PER_SUBJECT);
    const e = r();
    d.env[i] = e < 0.8 ? 0 : e < 0.95 ? 1 : 2;
    d.user[i] = s * USERS_PER_SUBJECT + pick(userCdf, r());
    d.tokens[i] = Math.floor(-Math.log(1 - r()) * 100) + 1;
  }
  return d;
}

export function subjectName(s: number): string {
  return `cust_${String(s).padStart(4, '0')}`;
}

export function projectName(s: number, p: number): string {
  return `p${String(s).padStart(4, '0')}_${p}`;
}

export function userName(u: number): string {
  return `u${String(u).padStart(6, '0')}`;
}

/** Event ids carry a run tag so repeated runs against one server never collide with dedupe. */
export function eventId(tag: string, i: number): string {
  return `${tag}-${i}`;
}

/** The `data` object exactly as the server stores it (JSON.stringify of the parsed object). */
export function dataJson(d: Dataset, i: number): string {
  const s = d.subject[i] ?? 0;
  return `{"tokens":${d.tokens[i]},"model":"${MODELS[d.model[i] ?? 0]}","region":"${REGIONS[d.region[i] ?? 0]}","project":"${projectName(s, d.project[i] ?? 0)}","env":"${ENVS[d.env[i] ?? 0]}","user":"${userName(d.user[i] ?? 0)}"}`;
}

export function eventJson(d: Dataset, i: number, tag: string, timeOverride?: number): string {
  const t = new Date(timeOverride ?? d.time[i] ?? 0).toISOString();
  return `{"specversion":"1.0","id":"${eventId(tag, i)}","source":"${SOURCE}","type":"${EVENT_TYPE}","subject":"${subjectName(d.subject[i] ?? 0)}","time":"${t}","data":${dataJson(d, i)}}`;
}

/** One cloudevents-batch body for events [from, to). */
export function batchBody(d: Dataset, from: number, to: number, tag: string): Buffer {
  const parts: string[] = [];
  for (let i = from; i < to; i++) parts.push(eventJson(d, i, tag));
  return Buffer.from(`[${parts.join(',')}]`);
}

/** Events [from, to) as a dataset of their own, sharing memory with `d`. */
export function sliceOf(d: Dataset, from: number, to: number): Dataset {
  const a = Math.max(0, Math.min(from, d.n));
  const b = Math.max(a, Math.min(to, d.n));
  return {
    n: b - a,
    time: d.time.subarray(a, b),
    subject: d.subject.subarray(a, b),
    model: d.model.subarray(a, b),
    region: d.region.subarray(a, b),
    project: d.project.subarray(a, b),
    env: d.env.subarray(a, b),
    user: d.user.subarray(a, b),
    tokens: d.tokens.subarray(a, b),
  };
}

/** The first `n` events, sharing memory with `d`. */
export function headOf(d: Dataset, n: number): Dataset {
  return sliceOf(d, 0, n);
}
