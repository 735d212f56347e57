/**
 * The import rules of ARCHITECTURE.md, checked in the test run (test/foundation/architecture).
 * The domain (ai, jobs, webhooks, files) knows nothing of GraphQL; resolvers reach storage and
 * the network only through the domain; `log` may be used by every layer below `server`;
 * `client/` and `console/` speak only GraphQL; nothing imports in a circle.
 */
const GRAPHQL_LIBS = '^node_modules/(type-graphql|graphql|graphql-ws|graphql-scalars|@apollo|@as-integrations|@graphql-yoga)/';

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'config-is-a-leaf',
      severity: 'error',
      from: { path: '^src/config/' },
      to: { path: '^src/', pathNot: '^src/config/' },
    },
    {
      name: 'errors-is-a-leaf',
      severity: 'error',
      from: { path: '^src/errors/' },
      to: { path: '^src/', pathNot: '^src/errors/' },
    },
    {
      name: 'metrics-is-a-leaf',
      comment: 'Metric definitions only: any layer may count, so they may import nothing of ours.',
      severity: 'error',
      from: { path: '^src/metrics/' },
      to: { path: '^src/', pathNot: '^src/metrics/' },
    },
    {
      name: 'tracing-is-a-leaf',
      comment: 'Span adapters over the OpenTelemetry API: any layer may trace, so tracing imports nothing of ours but config.',
      severity: 'error',
      from: { path: '^src/tracing/' },
      to: { path: '^src/', pathNot: '^src/(tracing|config)/' },
    },
    {
      name: 'db-uses-only-config-errors-and-log',
      severity: 'error',
      from: { path: '^src/db/' },
      to: { path: '^src/', pathNot: '^src/(db|config|errors|log)/' },
    },
    {
      name: 'log-uses-only-config',
      severity: 'error',
      from: { path: '^src/log/' },
      to: { path: '^src/', pathNot: '^src/(log|config|tracing)/' },
    },
    {
      name: 'auth-uses-only-config-db-errors-and-log',
      severity: 'error',
      from: { path: '^src/auth/' },
      to: { path: '^src/', pathNot: '^src/(auth|config|db|errors|log)/' },
    },
    {
      name: 'ai-uses-only-config-errors-and-log',
      severity: 'error',
      from: { path: '^src/ai/' },
      to: { path: '^src/', pathNot: '^src/(ai|config|errors|log|metrics)/' },
    },
    {
      name: 'jobs-use-only-ai-db-config-errors-log-and-auth-types',
      severity: 'error',
      from: { path: '^src/jobs/' },
      to: { path: '^src/', pathNot: '^src/(jobs|ai|db|config|errors|log|metrics|tracing)/|^src/auth/' },
    },
    {
      name: 'jobs-use-auth-types-only',
      severity: 'error',
      comment: 'The domain takes a tenant as a value; checking keys is the edge\'s business.',
      from: { path: '^src/jobs/' },
      to: { path: '^src/auth/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'files-use-storage-config-and-the-address-guard',
      severity: 'error',
      comment: 'Files reach the database through db/, the network through the webhooks\' address guard, and jobs only as the JobFiles port they implement.',
      from: { path: '^src/files/' },
      to: {
        path: '^src/',
        pathNot: '^src/(files|db|config|errors|log|metrics|tracing)/|^src/webhooks/(address-guard|guarded-connector)\\.ts$|^src/jobs/index\\.ts$',
      },
    },
    {
      name: 'files-name-only-jobs-types',
      severity: 'error',
      from: { path: '^src/files/' },
      to: { path: '^src/jobs/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'jobs-reach-files-only-through-their-port',
      severity: 'error',
      comment: 'Pipelines and the runner read files through JobFiles (src/jobs/pipelines/files.ts), never GridFS or HTTP.',
      from: { path: '^src/jobs/' },
      to: { path: ['^src/(files|db/files)/', '^node_modules/(busboy|unpdf|mammoth|file-type|html-to-text)/'] },
    },
    {
      name: 'domain-knows-no-graphql',
      severity: 'error',
      from: { path: '^src/(ai|jobs|webhooks|files|db|auth|config|errors|log|metrics|tracing)/' },
      to: { path: [GRAPHQL_LIBS, '^src/(schema|resolvers|server)/'] },
    },
    {
      name: 'webhooks-do-not-reach-into-jobs-internals',
      comment: 'The outbox implements the jobs domain\'s JobNotifier port; nothing else of jobs is theirs to use.',
      severity: 'error',
      from: { path: '^src/webhooks/' },
      to: { path: '^src/', pathNot: '^src/(webhooks|db|config|errors|log|metrics|tracing)/|^src/jobs/index\\.ts$' },
    },
    {
      name: 'webhooks-name-only-jobs-types',
      severity: 'error',
      from: { path: '^src/webhooks/' },
      to: { path: '^src/jobs/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'jobs-are-entered-through-their-index',
      severity: 'error',
      comment: 'Outside code sees only src/jobs/index.ts, the domain\'s small public surface.',
      from: { path: '^src/', pathNot: '^src/jobs/' },
      to: { path: '^src/jobs/', pathNot: '^src/jobs/index\\.ts$' },
    },
    {
      name: 'jobs-folders-meet-through-their-index',
      severity: 'error',
      comment: 'Inside src/jobs a folder reaches a sibling only through the sibling\'s index.ts.',
      from: { path: '^src/jobs/([^/]+)/' },
      to: { path: '^src/jobs/[^/]+/', pathNot: ['^src/jobs/$1/', '^src/jobs/[^/]+/index\\.ts$'] },
    },
    {
      name: 'jobs-folders-do-not-use-the-entry-point',
      severity: 'error',
      from: { path: '^src/jobs/[^/]+/' },
      to: { path: '^src/jobs/(index|create-jobs)\\.ts$' },
    },
    {
      name: 'commands-and-run-stand-above',
      severity: 'error',
      comment: 'lifecycle, ai-control, live and pipelines are used by commands and run, never the other way.',
      from: { path: '^src/jobs/(lifecycle|ai-control|live|pipelines)/' },
      to: { path: '^src/jobs/(commands|run)/' },
    },
    {
      name: 'batch-path-stands-above-lifecycle',
      severity: 'error',
      comment: 'The Batch API path uses lifecycle (parking, waking) and ai-control; only run and the composition use it.',
      from: { path: '^src/jobs/(lifecycle|ai-control|live|pipelines)/' },
      to: { path: '^src/jobs/batch/' },
    },
    {
      name: 'server-builds-no-repository',
      severity: 'error',
      comment: 'Each domain composes its own repositories (createJobs, createAuth, createWebhooks, createRetention, createFiles).',
      from: { path: '^src/server/' },
      to: { path: '^src/db/', pathNot: '^src/db/(client|local-server)\\.ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'schema-is-types-only',
      severity: 'error',
      from: { path: '^src/schema/' },
      to: { path: '^src/', pathNot: '^src/(schema|errors)/' },
    },
    {
      name: 'resolvers-stay-thin',
      severity: 'error',
      comment: 'Resolvers call the domain; they never touch storage, HTTP or the AI SDK themselves.',
      from: { path: '^src/resolvers/' },
      to: { path: ['^src/', '^node_modules/(mongodb|undici|openai|@agendajs|agenda)/'], pathNot: '^src/(resolvers|schema|auth|jobs|webhooks|errors|log|db|tracing)/|^src/files/index\\.ts$' },
    },
    {
      name: 'resolvers-name-stored-shapes-only',
      severity: 'error',
      comment: 'A mapper may name a stored document type (erased at build), never call storage.',
      from: { path: '^src/resolvers/' },
      to: { path: '^src/db/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'client-and-console-speak-only-graphql',
      severity: 'error',
      comment: 'Like any frontend: the console may use the client, and neither imports anything of src/.',
      from: { path: '^(client|console)/' },
      to: { path: '^src/' },
    },
    {
      name: 'client-does-not-import-the-console',
      severity: 'error',
      from: { path: '^client/' },
      to: { path: '^console/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
  },
};
