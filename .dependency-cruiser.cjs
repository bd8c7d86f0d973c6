// The direction of imports, checked inside `npm test`. Layers, from the outside in:
//   transport and composition (src/api, src/cli, src/app.ts, src/server.ts, web/; src/ops wires
//   metrics and logs, src/demo seeds through the app) -> domain (ingest, meter, query, auth,
//   customer, correction, alert) ->
//   storage ports (src/store/ports.ts) <- stores (src/store/embedded, src/store/clickhouse).
//   src/contract holds the wire vocabulary every layer may read; src/lib and src/errors are leaves.
const DOMAIN = '^src/(ingest|meter|query|auth|customer|correction|alert)/';
const TRANSPORT = '^src/(api|cli|ops|demo)/|^src/(app|server|http-limits)\\.ts$';
const STORES = '^src/store/(embedded|clickhouse)/';
/** The domain model a store reads and writes: types and the value rules shared with ingest. */
const MODEL =
  '^src/(meter/(meter-definition|value-rules)|query/planned-query|ingest/stored-event|auth/account-and-key)\\.ts$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'A cycle makes two modules one: split the shared part out.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'lib-is-a-leaf',
      comment: 'src/lib holds generic helpers (time, hashing, JSONPath): it imports nothing of ours.',
      severity: 'error',
      from: { path: '^src/lib/' },
      to: { path: '^src/', pathNot: '^src/lib/' },
    },
    {
      name: 'errors-are-a-leaf',
      comment: 'The closed set of domain errors depends on nothing but the vocabulary and lib.',
      severity: 'error',
      from: { path: '^src/errors/' },
      to: { path: '^src/', pathNot: '^src/(errors|lib|contract/vocabulary)' },
    },
    {
      name: 'contract-is-wire-only',
      comment: 'The wire schemas are read by every layer, so they read only the vocabulary, lib and errors.',
      severity: 'error',
      from: { path: '^src/contract/' },
      to: { path: '^src/', pathNot: '^src/(contract|lib|errors)/' },
    },
    {
      name: 'domain-does-not-know-transport',
      comment: 'Ingest, meters, queries and auth are called by HTTP and the CLI, never the reverse.',
      severity: 'error',
      from: { path: DOMAIN },
      to: { path: TRANSPORT },
    },
    {
      name: 'domain-sees-only-store-ports',
      comment: 'The domain talks to storage through src/store/ports.ts; open-store.ts wires a store.',
      severity: 'error',
      from: { path: DOMAIN, pathNot: '\\.test\\.ts$' },
      to: { path: `${STORES}|^src/store/open-store\\.ts$` },
    },
    {
      name: 'stores-implement-ports-only',
      comment:
        'A store implements the ports: it uses the domain model (MODEL) and reads other domain modules as types only; it never calls a domain service or the transport.',
      severity: 'error',
      from: { path: '^src/store/', pathNot: '\\.test\\.ts$' },
      to: { path: `${DOMAIN}|${TRANSPORT}`, pathNot: MODEL, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'stores-do-not-share-code',
      comment: 'The embedded store and the ClickHouse store meet only at the ports.',
      severity: 'error',
      from: { path: '^src/store/embedded/' },
      to: { path: '^src/store/clickhouse/' },
    },
    {
      name: 'stores-do-not-share-code-back',
      severity: 'error',
      from: { path: '^src/store/clickhouse/' },
      to: { path: '^src/store/embedded/' },
    },
    {
      name: 'source-does-not-import-tests',
      severity: 'error',
      from: { path: '^src/', pathNot: '\\.test(-support)?\\.ts$' },
      to: { path: '^test/|\\.test(-support)?\\.ts$' },
    },
    {
      name: 'web-reads-the-contract-as-types',
      comment: 'The dashboard bundle must not pull server code: it imports wire types only.',
      severity: 'error',
      from: { path: '^web/src/' },
      to: { path: '^src/', dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '(^|/)node_modules/|^web/dist/' },
  },
};
