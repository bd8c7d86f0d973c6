// The key matrix: every route (native, portal, admin, ops, every compat profile's routes) x every
// key kind (secret, ingest, publishable, admin token, none, revoked, and the subject-bound secret
// key older versions made) x bound/unbound x own/other account x own/other subject, against one
// real server holding demo-like data for two accounts.
//
// The expectations come from the policy table below, written from the documented rules, not from
// the code under test. Every read is checked three ways:
//   - its status is one the policy allows;
//   - its body names no subject or dimension value the caller may not see (every name in the
//     data carries its subject's tag, so a leak shows as a foreign tag);
//   - its body does not change when only data the caller may not see changes. The data arrives in
//     phases (a subject of each account, then the other subjects, then a subject of B only, then
//     one of A only), and every read is repeated after each phase: a number that includes anything
//     foreign, however a profile transforms it, moves when the foreign data arrives.
// fast-check picks, for each route and caller, which account, subject and meter the request
// names (seeded, so a failure replays).

import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compatProfiles } from '../../src/api/compat/index.js';
import type { CloudEventInput, CompatDeps } from '../../src/api/compat/profile.js';
import { createHttpApp } from '../../src/api/http.js';
import { sha256Hex } from '../../src/lib/hash.js';
import {
  jsonInit,
  startTestServer,
  type TestAccount,
  type TestServer,
} from '../support/test-server.js';

const SEED = 20_241_101;
const FROM = Date.UTC(2024, 1, 1);
const TO = Date.UTC(2024, 2, 1);
const T0 = Date.UTC(2024, 1, 10);
const RANGE = `from=${new Date(FROM).toISOString()}&to=${new Date(TO).toISOString()}`;

// Subjects are their own tags. Phase 1: alpha (A) and gamma (B); phase 2: beta (A), delta (B);
// phase 3: epsilon (B only); phase 4: zeta (A only).
const PHASES: { account: 'A' | 'B'; tag: string }[][] = [
  [
    { account: 'A', tag: 'acmealpha' },
    { account: 'B', tag: 'globexgamma' },
  ],
  [
    { account: 'A', tag: 'acmebeta' },
    { account: 'B', tag: 'globexdelta' },
  ],
  [{ account: 'B', tag: 'globexepsilon' }],
  [{ account: 'A', tag: 'acmezeta' }],
];
const ALL_TAGS = PHASES.flat().map((p) => p.tag);
const TAGS_OF = {
  A: PHASES.flat()
    .filter((p) => p.account === 'A')
    .map((p) => p.tag),
  B: PHASES.flat()
    .filter((p) => p.account === 'B')
    .map((p) => p.tag),
};
/** The subject a bound key of each account is bound to, and the account's other subject. */
const OWN_SUBJECT = { A: 'acmealpha', B: 'globexgamma' } as const;
const OTHER_SUBJECT = { A: 'acmebeta', B: 'globexdelta' } as const;

// ---------------------------------------------------------------------------------------------
// Demo-like data: the first event of each type the profiles' demo generators make, with every
// name (id, key, label) prefixed by the subject's tag and the numbers scaled per subject.

/** Fields whose values are enums the presets filter on: tagging them would only hide data. */
const ENUM_FIELDS = new Set([
  'contextKind',
  'anonymous',
  'sdkType',
  'direction',
  'source',
  'kind',
  'eventKind',
  'category',
  'connectionType',
  'variation',
  'archived',
  'type',
  'transcoder_type',
  'billing_mode',
  'deviceType',
  'errorType',
  'streamingFormat',
  'environment',
  'relayVersion',
]);

function tagValue(v: unknown, tag: string, scale: number, field: string): unknown {
  if (typeof v === 'string') return ENUM_FIELDS.has(field) || v === '' ? v : `${tag}-${v}`;
  if (typeof v === 'number') return v * scale;
  if (Array.isArray(v)) return v.map((x) => tagValue(x, tag, scale, field));
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, tagValue(x, tag, scale, k)]));
  }
  return v;
}

const TEMPLATES: CloudEventInput[] = [
  {
    id: 'use',
    source: 'matrix',
    specversion: '1.0',
    type: 'use',
    subject: '',
    time: '',
    data: { n: 7, region: 'region' },
  },
  ...compatProfiles.flatMap((p) => {
    const seen = new Map<string, CloudEventInput>();
    for (const e of p.demoEvents({ now: TO, days: 2, seed: 1 })) {
      if (!seen.has(e.type)) seen.set(e.type, e);
    }
    return [...seen.values()];
  }),
];

function eventsFor(tag: string): CloudEventInput[] {
  const scale = ALL_TAGS.indexOf(tag) + 2;
  return TEMPLATES.map((t, i) => ({
    ...t,
    id: `${tag}-${i}`,
    source: 'matrix',
    subject: tag,
    time: new Date(T0 + i * 60_000).toISOString(),
    data: tagValue(t.data, tag, scale, '') as Record<string, unknown>,
  }));
}

/** A name in the tagged data: the template's value of `field` (first event that has it). */
function named(tag: string, field: string): string {
  for (const t of TEMPLATES) {
    const v = (t.data as Record<string, unknown>)[field];
    if (typeof v === 'string') return `${tag}-${v}`;
  }
  throw new Error(`no template has ${field}`);
}

// ---------------------------------------------------------------------------------------------
// Callers and targets.

type Kind = 'secret' | 'ingest' | 'publishable' | 'admin' | 'none' | 'revoked' | 'legacy';
interface Caller {
  label: string;
  kind: Kind;
  account: 'A' | 'B';
  subject?: string;
  /** A customer-bound publishable key: the subjects of its customer. */
  customer?: string[];
}

const CALLERS: Caller[] = [
  { label: 'secret A', kind: 'secret', account: 'A' },
  { label: 'secret B', kind: 'secret', account: 'B' },
  { label: 'legacy bound secret A', kind: 'legacy', account: 'A', subject: OWN_SUBJECT.A },
  { label: 'ingest A', kind: 'ingest', account: 'A' },
  { label: 'bound ingest A', kind: 'ingest', account: 'A', subject: OWN_SUBJECT.A },
  { label: 'publishable A', kind: 'publishable', account: 'A' },
  { label: 'publishable B', kind: 'publishable', account: 'B' },
  { label: 'bound publishable A', kind: 'publishable', account: 'A', subject: OWN_SUBJECT.A },
  { label: 'bound publishable B', kind: 'publishable', account: 'B', subject: OWN_SUBJECT.B },
  // Bound to a customer of A's first subject and of one that arrives only in the last phase.
  {
    label: 'customer publishable A',
    kind: 'publishable',
    account: 'A',
    customer: [OWN_SUBJECT.A, 'acmezeta'],
  },
  { label: 'admin token', kind: 'admin', account: 'A' },
  { label: 'no key', kind: 'none', account: 'A' },
  { label: 'revoked secret A', kind: 'revoked', account: 'A' },
];

/** What a request names: whose meter and subject, and which meter of the account. */
interface Target {
  account: 'own' | 'other';
  subject: 'own' | 'other';
  meter: 'private' | 'public';
}

interface Names {
  accountId: string;
  subject: string;
  meter: string;
  meterPublic: boolean;
}

// ---------------------------------------------------------------------------------------------
// Routes. `access` says which rule of the policy table governs the route.

type Access =
  | 'ops'
  | 'admin'
  | 'me'
  | 'meter-list'
  | 'meter-def'
  | 'meter-data'
  | 'portal'
  | 'events-read'
  | 'event-explain'
  | 'compat'
  | 'compat-public'
  | 'customers'
  | 'alerts'
  | 'alert-rule'
  | 'corrections';

interface RouteSpec {
  method: 'GET' | 'POST';
  /** The route as the router declares it (checked against the app's own route list). */
  pattern: string;
  access: Access;
  url: (n: Names) => string;
  body?: (n: Names) => unknown;
  /** How the profile reads the key. */
  auth?: 'bearer' | 'raw';
  /** Statuses a permitted caller may get (data-dependent 404s). */
  okStatuses?: number[];
  /** Bodies that change on their own (metrics): checked for names only. */
  volatile?: boolean;
}

const NATIVE_ROUTES: RouteSpec[] = [
  { method: 'GET', pattern: '/healthz', access: 'ops', url: () => '/healthz' },
  { method: 'GET', pattern: '/readyz', access: 'ops', url: () => '/readyz' },
  { method: 'GET', pattern: '/metrics', access: 'ops', url: () => '/metrics', volatile: true },
  { method: 'GET', pattern: '/api/v1/me', access: 'me', url: () => '/api/v1/me' },
  { method: 'GET', pattern: '/api/v1/meters', access: 'meter-list', url: () => '/api/v1/meters' },
  {
    method: 'GET',
    pattern: '/api/v1/meters/:meterIdOrSlug',
    access: 'meter-def',
    url: (n) => `/api/v1/meters/${n.meter}`,
  },
  {
    method: 'GET',
    pattern: '/api/v1/meters/:meterIdOrSlug/query',
    access: 'meter-data',
    url: (n) =>
      `/api/v1/meters/${n.meter}/query?${RANGE}&windowSize=DAY&fill=zero&groupBy=subject&groupBy=region&subject=${n.subject}`,
  },
  {
    method: 'POST',
    pattern: '/api/v1/meters/:meterIdOrSlug/query',
    access: 'meter-data',
    url: (n) => `/api/v1/meters/${n.meter}/query`,
    body: () => ({
      from: new Date(FROM).toISOString(),
      to: new Date(TO).toISOString(),
      groupBy: ['subject', 'region'],
    }),
  },
  {
    method: 'GET',
    pattern: '/api/v1/meters/:meterIdOrSlug/subjects',
    access: 'meter-data',
    url: (n) => `/api/v1/meters/${n.meter}/subjects?${RANGE}`,
  },
  {
    method: 'GET',
    pattern: '/api/v1/meters/:meterIdOrSlug/group-by/:groupByKey/values',
    access: 'meter-data',
    url: (n) => `/api/v1/meters/${n.meter}/group-by/region/values?${RANGE}`,
  },
  {
    method: 'GET',
    pattern: '/api/v1/portal/meters/:meterSlug/query',
    access: 'portal',
    url: (n) => `/api/v1/portal/meters/${n.meter}/query?${RANGE}&groupBy=region&fill=zero`,
  },
  {
    method: 'GET',
    pattern: '/api/v1/events',
    access: 'events-read',
    url: (n) => `/api/v1/events?${RANGE}&subject=${n.subject}`,
  },
  {
    method: 'GET',
    pattern: '/api/v1/events',
    access: 'events-read',
    url: () => `/api/v1/events?${RANGE}`,
  },
  {
    method: 'GET',
    pattern: '/api/v2/events',
    access: 'events-read',
    url: (n) =>
      `/api/v2/events?filter=${encodeURIComponent(JSON.stringify({ subject: { $eq: n.subject }, time: { $gte: new Date(FROM).toISOString(), $lt: new Date(TO).toISOString() } }))}`,
  },
  {
    method: 'GET',
    pattern: '/api/v2/events',
    access: 'events-read',
    url: () => '/api/v2/events?limit=100',
  },
  {
    method: 'GET',
    pattern: '/api/v1/events/explain',
    access: 'event-explain',
    url: (n) => `/api/v1/events/explain?source=matrix&id=${n.subject}-0`,
  },
  {
    method: 'GET',
    pattern: '/api/v1/customers',
    access: 'customers',
    url: (n) => `/api/v1/customers?subject=${n.subject}`,
  },
  {
    method: 'GET',
    pattern: '/api/v1/customers/:customerIdOrKey',
    access: 'customers',
    // No account has customers here: a secret key gets 404 for any name.
    url: (n) => `/api/v1/customers/${n.subject}`,
    okStatuses: [404],
  },
  {
    method: 'GET',
    pattern: '/api/v1/corrections',
    access: 'corrections',
    url: () => '/api/v1/corrections',
  },
  {
    method: 'GET',
    pattern: '/api/v1/alerts/rules',
    access: 'alerts',
    url: () => '/api/v1/alerts/rules',
  },
  {
    method: 'GET',
    pattern: '/api/v1/alerts/endpoints',
    access: 'alerts',
    url: () => '/api/v1/alerts/endpoints',
  },
  {
    method: 'GET',
    pattern: '/api/v1/alerts/deliveries',
    access: 'alerts',
    url: (n) => `/api/v1/alerts/deliveries?ruleId=${ruleIdOf(n.accountId)}`,
  },
  {
    method: 'GET',
    pattern: '/api/v1/alerts/rules/:ruleId',
    access: 'alert-rule',
    url: (n) => `/api/v1/alerts/rules/${ruleIdOf(n.accountId)}`,
  },
  {
    method: 'GET',
    pattern: '/api/v1/alerts/rules/:ruleId/state',
    access: 'alert-rule',
    url: (n) => `/api/v1/alerts/rules/${ruleIdOf(n.accountId)}/state`,
    // It tells when the rule was last evaluated, which the periodic sweep moves.
    volatile: true,
  },
  {
    method: 'GET',
    pattern: '/admin/v1/accounts',
    access: 'admin',
    url: () => '/admin/v1/accounts',
  },
  {
    method: 'GET',
    pattern: '/admin/v1/accounts/:id/keys',
    access: 'admin',
    url: (n) => `/admin/v1/accounts/${n.accountId}/keys`,
  },
];

/** Writes (checked once each, after the read phases, so that they cannot disturb them). */
const WRITE_PATTERNS = [
  'POST /api/v1/events',
  'POST /api/v1/meters',
  'PUT /api/v1/meters/:meterIdOrSlug',
  'DELETE /api/v1/meters/:meterIdOrSlug',
  // Customer writes (secret keys only) are checked in test/api/customers.cases.ts.
  'POST /api/v1/customers',
  'PUT /api/v1/customers/:customerIdOrKey',
  'DELETE /api/v1/customers/:customerIdOrKey',
  // Alert writes (secret keys of the account only) are checked in test/api/alerts.cases.ts.
  'POST /api/v1/alerts/rules',
  'PUT /api/v1/alerts/rules/:ruleId',
  'DELETE /api/v1/alerts/rules/:ruleId',
  'POST /api/v1/alerts/endpoints',
  'DELETE /api/v1/alerts/endpoints/:endpointId',
  'POST /api/v1/alerts/deliveries/:deliveryId/redeliver',
  // Corrections (secret keys only) are checked in test/api/corrections.cases.ts.
  'POST /api/v1/events/void',
  'POST /api/v1/events/replace',
  'POST /api/v1/events/void-by-filter',
  'POST /admin/v1/accounts',
  'PUT /admin/v1/accounts/:id/profiles',
  'POST /admin/v1/accounts/:id/keys',
  'DELETE /admin/v1/accounts/:id/keys/:keyId',
  // Its key policy (admin token only) is checked where a backup can be made safely:
  // test/store/backup.test.ts.
  'POST /admin/v1/backup',
];

const epoch = `from=${FROM}&to=${TO}`;
/** Query strings per compat route: each names the target's subject or dimension values. */
function compatUrl(profile: string, base: string, path: string, n: Names): string {
  const fill = path
    .replace(':playbackId{.+}', named(n.subject, 'playbackId'))
    .replace(':projectKey', named(n.subject, 'projectKey'))
    .replace(':environmentKey', named(n.subject, 'environmentKey'))
    .replace(':featureFlagKey', named(n.subject, 'flagKey'))
    .replace(':type', 'received')
    .replace(':source', 'server')
    .replace(':channelId', named(n.subject, 'channelId'))
    .replace(':id', named(n.subject, 'id'));
  let query = '';
  if (profile === 'livepeer') {
    if (path === '/data/views/now') query = 'breakdownBy[]=playbackId';
    else if (path === '/data/views/query')
      query = `${epoch}&breakdownBy[]=playbackId&creatorId=${n.subject}`;
    else if (path === '/data/views/query/creator')
      query = `${epoch}&assetId=${named(n.subject, 'assetId')}&breakdownBy[]=device`;
    else if (path === '/data/usage/query') query = `${epoch}&creatorId=${n.subject}`;
  } else if (profile === 'launchdarkly') {
    query = `${epoch}&projectKey=${named(n.subject, 'projectKey')}`;
  } else if (profile === 'opper') {
    query = 'from_date=2024-02-01&to_date=2024-03-01&granularity=day&group_by=model';
  } else if (profile === 'theo') {
    query = 'start=2024-02-01&end=2024-02-29&resolution=day&groupBy=channel';
  } else if (profile === 'wowza') {
    query = 'from=2024-02-01&to=2024-03-01';
  }
  return `${base}${fill}${query ? `?${query}` : ''}`;
}

const fakeDeps = {} as CompatDeps;
const COMPAT_ROUTES: RouteSpec[] = compatProfiles.flatMap((p) => {
  // Wowza mounts under a version segment: any version serves the same routes.
  const mount = p.basePath.replace('/:version', '/v2.0');
  return p
    .routes(fakeDeps)
    .routes.filter((r) => r.method === 'GET')
    .map((r): RouteSpec => {
      return {
        method: 'GET',
        pattern: `${p.basePath}${r.path}`,
        access:
          p.name === 'livepeer' && r.path.startsWith('/data/views/query/total/')
            ? 'compat-public'
            : 'compat',
        url: (n) => compatUrl(p.name, mount, r.path, n),
        auth: p.name === 'launchdarkly' ? 'raw' : 'bearer',
        // Wowza answers 404 for an entity without usage in the range.
        ...(p.name === 'wowza' && r.path.endsWith('/:id') ? { okStatuses: [200, 404] } : {}),
      };
    });
});

const READ_ROUTES = [...NATIVE_ROUTES, ...COMPAT_ROUTES];

// ---------------------------------------------------------------------------------------------
// The policy table: what each caller may get on each route. Written from the documented rules.

function expectedStatuses(route: RouteSpec, caller: Caller, target: Target): number[] {
  if (route.access === 'ops') return [200];
  if (route.access === 'admin') return caller.kind === 'admin' ? [200] : [401];
  // Public Livepeer total views need no key; any other route needs a valid API key.
  if (caller.kind === 'none') return route.access === 'compat-public' ? [200] : [401];
  // The admin token is not an API key; a revoked key is no key.
  if (caller.kind === 'admin' || caller.kind === 'revoked') return [401];
  // A subject-bound secret key from an older version is refused wherever a key is read.
  if (caller.kind === 'legacy') return [403];
  const bound = caller.subject !== undefined || caller.customer !== undefined;
  // A customer-bound key reads meters only; every other route refuses it.
  if (
    caller.customer &&
    !['me', 'meter-list', 'meter-def', 'meter-data', 'portal'].includes(route.access)
  ) {
    return [403];
  }
  switch (route.access) {
    case 'me':
      return [200];
    case 'compat-public':
      return caller.kind === 'ingest' ? [403] : [200];
    case 'compat':
      return caller.kind === 'secret' ? (route.okStatuses ?? [200]) : [403];
    case 'events-read':
      return caller.kind === 'secret' ? [200] : [403];
    case 'customers':
      return caller.kind === 'secret' ? (route.okStatuses ?? [200]) : [403];
    case 'alerts':
    case 'corrections':
      return caller.kind === 'secret' ? [200] : [403];
    case 'alert-rule':
      // Another account's rule does not exist for this key.
      if (caller.kind !== 'secret') return [403];
      return target.account === 'other' ? [404] : [200];
    case 'event-explain':
      // Another account's event does not exist for this key; an own one exists once its phase ran.
      if (caller.kind !== 'secret') return [403];
      return target.account === 'other' ? [404] : [200, 404];
    case 'meter-list':
      return caller.kind === 'ingest' ? [403] : [200];
    case 'meter-def':
    case 'meter-data':
    case 'portal': {
      if (caller.kind === 'ingest') return [403];
      if (route.access === 'portal' && !bound) return [403];
      // Another account's meter does not exist for this key.
      if (target.account === 'other') return [404];
      if (caller.kind === 'publishable' && !bound && target.meter === 'private') return [403];
      return [200];
    }
  }
}

/** Tags whose data the caller may see through the route (empty when refused). */
function visibleTags(route: RouteSpec, caller: Caller, status: number): string[] {
  if (status >= 300) return [];
  if (route.access === 'ops' || route.access === 'admin') return ALL_TAGS;
  if (route.access === 'compat-public' && (caller.kind === 'none' || !caller.subject)) {
    // Livepeer's public total views: any account's playback id, by design; a publishable key
    // sees its own account's.
    return caller.kind === 'none' ? ALL_TAGS : TAGS_OF[caller.account];
  }
  // A key may always see the name of the subject it is bound to (GET /me shows it).
  if (route.access === 'me' || route.access === 'meter-list' || route.access === 'meter-def')
    return caller.subject !== undefined ? [caller.subject] : [];
  if (caller.customer) return caller.customer;
  return caller.subject !== undefined ? [caller.subject] : TAGS_OF[caller.account];
}

// ---------------------------------------------------------------------------------------------

let server: TestServer;
const accounts: Record<'A' | 'B', TestAccount | undefined> = { A: undefined, B: undefined };
/** Each account's alert rule (it never fires: its threshold is out of reach). */
const alertRules = new Map<string, string>();
const ruleIdOf = (accountId: string) => alertRules.get(accountId) ?? 'none';
const meterIds: Record<'A' | 'B', Record<'private' | 'public', string>> = {
  A: { private: '', public: '' },
  B: { private: '', public: '' },
};
const keyOf = new Map<string, string | undefined>();

const account = (x: 'A' | 'B'): TestAccount => {
  const a = accounts[x];
  if (!a) throw new Error(`account ${x} not set up`);
  return a;
};

function namesFor(caller: Caller, target: Target): Names {
  const own = caller.account;
  const other = own === 'A' ? 'B' : 'A';
  const acct = target.account === 'own' ? own : other;
  const subject =
    target.account === 'other'
      ? OWN_SUBJECT[acct]
      : target.subject === 'own'
        ? OWN_SUBJECT[own]
        : OTHER_SUBJECT[own];
  // The other account's meter is named by id: its slug is also a meter of the caller's account.
  const meter =
    target.account === 'other'
      ? meterIds[acct][target.meter]
      : target.meter === 'private'
        ? 'usage'
        : 'pub';
  return { accountId: account(acct).id, subject, meter, meterPublic: target.meter === 'public' };
}

interface Sample {
  route: RouteSpec;
  caller: Caller;
  target: Target;
  url: string;
  init: RequestInit;
  expected: number[];
}

function buildSample(route: RouteSpec, caller: Caller, target: Target): Sample {
  const n = namesFor(caller, target);
  const headers = new Headers();
  const key = caller.kind === 'admin' ? server.adminToken : keyOf.get(caller.label);
  if (key !== undefined) {
    headers.set('authorization', route.auth === 'raw' ? key : `Bearer ${key}`);
  }
  const body = route.body?.(n);
  if (body !== undefined) headers.set('content-type', 'application/json');
  return {
    route,
    caller,
    target,
    url: route.url(n),
    init: {
      method: route.method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    },
    expected: expectedStatuses(route, caller, target),
  };
}

const targetArb = fc.record({
  account: fc.constantFrom('own' as const, 'other' as const),
  subject: fc.constantFrom('own' as const, 'other' as const),
  meter: fc.constantFrom('private' as const, 'public' as const),
});

/**
 * Every route x every caller, each with targets fast-check picks: two for native routes (where
 * the target decides the status), one for compat routes (the slowest to answer).
 */
function samples(): Sample[] {
  const out: Sample[] = [];
  const combos = READ_ROUTES.flatMap((route) => CALLERS.map((caller) => ({ route, caller })));
  const targets = fc.sample(fc.array(targetArb, { minLength: 2, maxLength: 2 }), {
    seed: SEED,
    numRuns: combos.length,
  });
  combos.forEach(({ route, caller }, i) => {
    const picked = targets[i] ?? [];
    const n = route.access === 'compat' || route.access === 'compat-public' ? 1 : 2;
    for (const t of picked.slice(0, n)) out.push(buildSample(route, caller, t));
  });
  return out;
}

interface Seen {
  status: number;
  body: string;
}

/** The body without what differs from one request to the next (request ids and times). */
function normalise(text: string): string {
  return text
    .replace(/urn:request:[^"]*/g, 'urn:request:*')
    .replace(/"(request_id|request_timestamp)":"[^"]*"/g, '"$1":"*"');
}

async function run(s: Sample): Promise<Seen> {
  const res = await fetch(`${server.url}${s.url}`, s.init);
  return { status: res.status, body: normalise(await res.text()) };
}

/** Runs `fn` over `items`, a few at a time (the server is shared with other test files). */
async function pool<T, R>(items: T[], width: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  return out;
}

async function ingest(x: 'A' | 'B', events: CloudEventInput[]) {
  const res = await server.request(
    '/api/v1/events',
    jsonInit(account(x).secretKey, 'POST', events),
  );
  expect(res.status, await res.text()).toBe(204);
}

function describeSample(s: Sample): string {
  return `${s.caller.label} ${s.route.method} ${s.url} (target ${JSON.stringify(s.target)})`;
}

beforeAll(async () => {
  server = await startTestServer();
  for (const x of ['A', 'B'] as const) {
    const a = await server.createAccount(x === 'A' ? 'acme-co' : 'globex-co');
    accounts[x] = a;
    const res = await server.request(
      `/admin/v1/accounts/${a.id}/profiles`,
      jsonInit(server.adminToken, 'PUT', { profiles: compatProfiles.map((p) => p.name) }),
    );
    expect(res.status).toBe(200);
    for (const [slug, kind] of [
      ['usage', 'private'],
      ['pub', 'public'],
    ] as const) {
      const created = await server.request(
        '/api/v1/meters',
        jsonInit(a.secretKey, 'POST', {
          slug,
          eventType: 'use',
          aggregation: 'SUM',
          valueProperty: '$.n',
          groupBy: { region: '$.region' },
          ...(kind === 'public' ? { metadata: { public: 'true' } } : {}),
        }),
      );
      expect(created.status).toBe(201);
      meterIds[x][kind] = ((await created.json()) as { id: string }).id;
    }
    const endpoint = await server.request(
      '/api/v1/alerts/endpoints',
      jsonInit(a.secretKey, 'POST', { url: 'http://127.0.0.1:9/hook' }),
    );
    expect(endpoint.status).toBe(201);
    const rule = await server.request(
      '/api/v1/alerts/rules',
      jsonInit(a.secretKey, 'POST', {
        name: 'watch',
        meter: 'usage',
        endpointId: ((await endpoint.json()) as { id: string }).id,
        kind: 'period',
        thresholds: [1e15],
      }),
    );
    expect(rule.status).toBe(201);
    alertRules.set(a.id, ((await rule.json()) as { id: string }).id);
  }
  for (const c of CALLERS) {
    const a = account(c.account);
    if (c.kind === 'secret') keyOf.set(c.label, a.secretKey);
    else if (c.customer) {
      const made = await server.request(
        '/api/v1/customers',
        jsonInit(a.secretKey, 'POST', {
          name: 'matrix customer',
          key: 'matrix',
          usageAttribution: { subjectKeys: c.customer },
        }),
      );
      expect(made.status).toBe(201);
      const res = await server.request(
        `/admin/v1/accounts/${a.id}/keys`,
        jsonInit(server.adminToken, 'POST', { kind: 'publishable', customerId: 'matrix' }),
      );
      expect(res.status).toBe(201);
      keyOf.set(c.label, ((await res.json()) as { key: string }).key);
    } else if (c.kind === 'ingest' || c.kind === 'publishable') {
      keyOf.set(c.label, (await a.createKey(c.kind, c.subject)).key);
    } else if (c.kind === 'revoked') {
      const k = await a.createKey('secret');
      const res = await server.request(`/admin/v1/accounts/${a.id}/keys/${k.id}`, {
        key: server.adminToken,
        method: 'DELETE',
      });
      expect(res.status).toBe(204);
      keyOf.set(c.label, k.key);
    } else if (c.kind === 'legacy') {
      // No route makes such a key any more; older versions stored it like this.
      const raw = `sk_legacy-${c.account}-0123456789abcdef`;
      await server.services.store.putKey({
        id: `legacy-${c.account}`,
        accountId: a.id,
        kind: 'secret',
        subject: c.subject ?? '',
        hash: sha256Hex(raw),
        prefix: raw.slice(0, 7),
        createdAt: new Date().toISOString(),
      });
      keyOf.set(c.label, raw);
    }
  }
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

describe('the key matrix', () => {
  it('covers every route the server declares', () => {
    const app = createHttpApp(server.services, pino({ level: 'silent' }));
    const declared = new Set(
      app.routes
        .filter((r) => r.method !== 'ALL' && r.method !== 'OPTIONS')
        .filter((r) => !r.path.includes('*'))
        // Static pages: the dashboard, the embeddable number and the API reference read no data.
        .filter((r) => !['/', '/embed', '/docs', '/docs/'].includes(r.path))
        .filter((r) => r.path !== '/openapi.json')
        .map((r) => `${r.method} ${r.path}`),
    );
    const covered = new Set([
      ...READ_ROUTES.map((r) => `${r.method} ${r.pattern}`),
      ...WRITE_PATTERNS,
    ]);
    expect([...declared].filter((r) => !covered.has(r))).toEqual([]);
  });

  it('reads: status per the policy, no foreign names, nothing moves when foreign data arrives', async () => {
    const list = samples();
    const history: Seen[][] = [];
    const failures: string[] = [];
    for (const [p, phase] of PHASES.entries()) {
      for (const { account: x, tag } of phase) await ingest(x, eventsFor(tag));
      const seen = await pool(list, 4, run);
      history.push(seen);
      const added = new Set(phase.map((e) => e.tag));
      seen.forEach((got, i) => {
        const s = list[i] as Sample;
        if (!s.expected.includes(got.status)) {
          failures.push(
            `${describeSample(s)}: ${got.status}, want ${s.expected}: ${got.body.slice(0, 200)}`,
          );
          return;
        }
        const visible = visibleTags(s.route, s.caller, got.status);
        const named = ALL_TAGS.filter((t) => s.url.includes(t));
        const foreign = ALL_TAGS.filter(
          (t) => !visible.includes(t) && !named.includes(t) && got.body.includes(t),
        );
        if (foreign.length > 0) {
          failures.push(`${describeSample(s)}: names ${foreign} in ${got.body.slice(0, 300)}`);
        }
        const before = history[p - 1]?.[i];
        const moved = before && (before.status !== got.status || before.body !== got.body);
        if (moved && !s.route.volatile && !visible.some((t) => added.has(t))) {
          failures.push(
            `${describeSample(s)}: changed when only ${[...added]} (not visible) arrived:\n  before ${before.body.slice(0, 300)}\n  after  ${got.body.slice(0, 300)}`,
          );
        }
      });
      expect(failures.slice(0, 20), `phase ${p + 1}: ${failures.length} failures`).toEqual([]);
    }
    // The data reached every reader that may see it: the check above is not vacuous.
    const ok = history
      .at(-1)
      ?.filter((r, i) => r.status === 200 && list[i]?.route.access === 'compat');
    expect(ok?.some((r) => ALL_TAGS.some((t) => r.body.includes(t)))).toBe(true);
  }, 600_000);

  it('writes: status per the policy, and exactly the accepted events are stored', async () => {
    type Write = 'events' | 'meter-create' | 'meter-update' | 'meter-delete' | 'admin';
    const expectedWrite = (w: Write, c: Caller, t: Target, subject: string): number[] => {
      if (w === 'admin') return c.kind === 'admin' ? [200, 201, 204] : [401];
      if (c.kind === 'none' || c.kind === 'admin' || c.kind === 'revoked') return [401];
      if (c.kind === 'legacy' || c.kind === 'publishable') return [403];
      if (w === 'events') {
        if (c.kind === 'secret') return [204];
        // An ingest key bound to a subject writes only that subject (the batch is refused or
        // the event rejected).
        return c.subject === undefined || c.subject === subject ? [204] : [400, 403];
      }
      if (c.kind === 'ingest') return [403];
      if (w === 'meter-create') return [201];
      if (t.account === 'other') return [404];
      return w === 'meter-update' ? [200] : [204];
    };
    const stored: Record<'A' | 'B', Set<string>> = { A: new Set(), B: new Set() };
    const failures: string[] = [];
    const targets = fc.sample(targetArb, { seed: SEED + 1, numRuns: 5 * CALLERS.length * 2 });
    let i = 0;
    for (const c of CALLERS) {
      const key = c.kind === 'admin' ? server.adminToken : keyOf.get(c.label);
      const auth = key === undefined ? {} : { key };
      const send = (method: string, path: string, body?: unknown) =>
        server.request(path, {
          method,
          ...auth,
          ...(body === undefined
            ? {}
            : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
        });
      for (const w of [
        'events',
        'meter-create',
        'meter-update',
        'meter-delete',
        'admin',
      ] as const) {
        for (let rep = 0; rep < 2; rep++) {
          const t = targets[i++] as Target;
          const n = namesFor(c, t);
          const other = c.account === 'A' ? 'B' : 'A';
          const owner = t.account === 'own' ? c.account : other;
          let res: Response;
          if (w === 'events') {
            const id = `write-${i}`;
            res = await send('POST', '/api/v1/events', [
              {
                id,
                source: 'matrix',
                specversion: '1.0',
                type: 'matrix.noop',
                subject: n.subject,
                time: '2020-01-02T00:00:00Z',
                data: {},
              },
            ]);
            if (res.status === 204) stored[c.account].add(`${n.subject}/${id}`);
          } else if (w === 'meter-create') {
            res = await send('POST', '/api/v1/meters', {
              slug: `scratch_${i}`,
              eventType: 'x',
              aggregation: 'COUNT',
            });
          } else if (w === 'admin') {
            res = await send('PUT', `/admin/v1/accounts/${account(c.account).id}/profiles`, {
              profiles: ['opper'],
            });
          } else {
            // A scratch meter of the target's account, made for this write alone.
            const made = await server.request(
              '/api/v1/meters',
              jsonInit(account(owner).secretKey, 'POST', {
                slug: `scratch_${i}`,
                eventType: 'x',
                aggregation: 'COUNT',
              }),
            );
            const meter = ((await made.json()) as { id: string }).id;
            const path = `/api/v1/meters/${t.account === 'own' ? `scratch_${i}` : meter}`;
            res =
              w === 'meter-update'
                ? await send('PUT', path, { name: 'renamed' })
                : await send('DELETE', path);
            const after = await server.request(`/api/v1/meters/${meter}`, {
              key: account(owner).secretKey,
            });
            const allowed = res.status < 300;
            const gone = after.status === 404;
            const renamed = gone
              ? false
              : ((await after.json()) as { name: string }).name === 'renamed';
            if ((w === 'meter-delete' ? gone : renamed) !== allowed) {
              failures.push(
                `${c.label} ${w} ${path}: answered ${res.status} but the meter ${gone ? 'is gone' : renamed ? 'was renamed' : 'is unchanged'}`,
              );
            }
          }
          const want = expectedWrite(w, c, t, n.subject);
          if (!want.includes(res.status)) {
            failures.push(
              `${c.label} ${w} (target ${JSON.stringify(t)}): ${res.status}, want ${want}: ${(await res.text()).slice(0, 200)}`,
            );
          }
        }
      }
    }
    // Exactly the acknowledged events were stored, each in its key's account.
    for (const x of ['A', 'B'] as const) {
      const res = await server.request(
        '/api/v1/events?from=2020-01-01T00:00:00Z&to=2020-02-01T00:00:00Z&limit=100',
        { key: account(x).secretKey },
      );
      const text = await res.text();
      expect(res.status, text).toBe(200);
      const listed = JSON.parse(text) as { event: { id: string; subject: string } }[];
      const ids = new Set(listed.map((e) => `${e.event.subject}/${e.event.id}`));
      expect(ids, `account ${x}`).toEqual(stored[x]);
    }
    expect(failures).toEqual([]);
  }, 300_000);
});
