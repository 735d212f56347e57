/**
 * The import rules of ARCHITECTURE.md, checked in the test run (test/architecture).
 * The domain (ai, jobs, webhooks) knows nothing of GraphQL; resolvers reach storage and
 * the network only through the domain; nothing imports in a circle.
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
      name: 'db-uses-only-config-and-errors',
      severity: 'error',
      from: { path: '^src/db/' },
      to: { path: '^src/', pathNot: '^src/(db|config|errors)/' },
    },
    {
      name: 'ai-uses-only-errors',
      severity: 'error',
      from: { path: '^src/ai/' },
      to: { path: '^src/', pathNot: '^src/(ai|errors)/' },
    },
    {
      name: 'domain-knows-no-graphql',
      severity: 'error',
      from: { path: '^src/(ai|jobs|webhooks|db|auth|config|errors)/' },
      to: { path: [GRAPHQL_LIBS, '^src/(schema|resolvers|server)/'] },
    },
    {
      name: 'webhooks-do-not-reach-into-jobs-internals',
      severity: 'error',
      from: { path: '^src/webhooks/' },
      to: { path: '^src/', pathNot: '^src/(webhooks|db|config|errors|log)/|^src/jobs/notifier\\.ts$' },
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
      to: { path: ['^src/(db|server)/', '^node_modules/(mongodb|undici|openai|@agendajs|agenda)/'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
  },
};
