/**
 * Property-based tests (fast-check) over what tenants send: submitJob and analyzeDocuments
 * inputs, chain templates and metadata with odd keys, NUL, deep nesting, huge numbers and
 * long strings. Whatever the input: never INTERNAL_SERVER_ERROR, and an accepted job is
 * stored and read back exactly. Run counts stay modest so the suite stays fast.
 */
import fc from 'fast-check';
import { startTestApp, type TestApp } from '../../support/app.js';
import { gql } from '../../support/graphql-client.js';

const RUNS = 25;
let app: TestApp;
/** How many inputs were accepted: a property that only ever saw refusals would prove little. */
const accepted = { submit: 0, batch: 0 };

beforeAll(async () => {
  // ROLE=api: accepted jobs stay queued, so what is read back is exactly what was stored.
  app = await startTestApp({ role: 'api', env: { MAX_DOCUMENT_BYTES: '20000', MAX_BATCH_DOCUMENTS: '5' } });
}, 60_000);
afterAll(async () => {
  await app?.stop();
}, 30_000);

/** Keys that trouble stores and objects: dots, dollars, prototype names, NUL, empty, unicode. */
const oddKey = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'toString', '$where', 'a.b', '.', '$', '', '\u0000', 'ключ', '🔑', '_id'),
  fc.string({ maxLength: 12 }),
);
const oddString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom('\u0000', 'a\u0000b', '{{steps.a}}', '{{variables.__proto__}}', '{{ steps.constructor }}', '{{}}', '\uD800', 'x'.repeat(3000)),
);
const hugeNumber = fc.oneof(
  fc.constantFrom(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2, 1e308, -1e308, 5e-324, 2 ** 63, -(2 ** 31)),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);
const { json } = fc.letrec((tie) => ({
  json: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    oddString,
    hugeNumber,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('json'), { maxLength: 4 }),
    fc.dictionary(oddKey, tie('json'), { maxKeys: 4 }),
  ),
}));
/** Nesting past MAX_JSON_DEPTH (32) now and then. */
const deep = fc.integer({ min: 1, max: 40 }).map((n) => {
  let v: unknown = 'bottom';
  for (let i = 0; i < n; i++) v = { [`k${i % 3 === 0 ? '.' : ''}${i}`]: v };
  return v;
});
const metadata = fc.option(fc.oneof(json, deep), { nil: undefined });
const stepName = fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/), oddKey);
const template = fc.array(fc.oneof(oddString, stepName.map((n) => `{{steps.${n}}}`), oddKey.map((k) => `{{variables.${k}}}`)), { minLength: 1, maxLength: 4 }).map((parts) => parts.join(' '));
const chainInput = fc.record(
  {
    steps: fc.array(fc.record({ name: stepName, prompt: template, json: fc.option(fc.boolean(), { nil: undefined }) }, { requiredKeys: ['name', 'prompt'] }), { minLength: 1, maxLength: 4 }),
    variables: fc.dictionary(oddKey, json, { maxKeys: 4 }),
  },
  { requiredKeys: ['steps'] },
);
/** Chains meant to be valid: unique names, references to earlier steps and given variables, odd text around them. */
const plainText = fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('\u0000', 'a\u0000b', '{ }', '}}{', 'x'.repeat(3000), '😀'.repeat(50))).filter((t) => !t.includes('{{') && !t.endsWith('{') && !t.startsWith('}'));
const validChain = fc
  .record({
    count: fc.integer({ min: 1, max: 4 }),
    variables: fc.dictionary(fc.stringMatching(/^[A-Za-z0-9_-]{1,6}$/).filter((k) => !(k in Object.prototype)), json, { minKeys: 1, maxKeys: 3 }),
    texts: fc.array(plainText, { minLength: 8, maxLength: 8 }),
    json: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
  })
  .map(({ count, variables, texts, json: asJsonFlags }) => {
    const keys = Object.keys(variables);
    const steps = Array.from({ length: count }, (_, i) => {
      const refs = [`{{variables.${keys[i % keys.length]}}}`, ...(i > 0 ? [`{{steps.s${i - 1}}}`] : [])];
      return { name: `s${i}`, prompt: `${texts[i]} ${refs.join(' ')} ${texts[i + 4]}`, ...(asJsonFlags[i] ? { json: true } : {}) };
    });
    return { steps, variables };
  });
const anyInput = fc.oneof(chainInput, json, fc.record({ text: oddString, name: fc.option(oddString, { nil: undefined }) }));

type Errors = Array<{ message: string; extensions?: Record<string, unknown> }> | undefined;
function noInternalError(errors: Errors): void {
  const internal = (errors ?? []).filter((e) => e.extensions?.code === 'INTERNAL_SERVER_ERROR' || !e.extensions?.code);
  expect(internal).toEqual([]);
}

/** What JSON makes of a value (-0 → 0, undefined keys dropped): the service can only see that. */
const asJson = (v: unknown): unknown => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));

it('submitJob: any kind of input and metadata is accepted and stored exactly, or refused with a code — never INTERNAL_SERVER_ERROR', async () => {
  await fc.assert(
    // Half valid chains (so that many are accepted and read back), half anything at all.
    fc.asyncProperty(fc.oneof(fc.tuple(fc.constant('chain'), validChain), fc.tuple(fc.constantFrom('chain', 'document.analyze', 'nope'), anyInput)), metadata, async ([kind, input], meta) => {
      const res = await gql(app.url, app.key, 'mutation($input: SubmitJobInput!) { submitJob(input: $input) { id input metadata } }', {
        input: { kind, input, ...(meta === undefined ? {} : { metadata: meta }) },
      });
      noInternalError(res.errors as Errors);
      if (res.errors) {
        expect(res.data?.submitJob ?? null).toBeNull();
        return;
      }
      accepted.submit++;
      const id = res.data!.submitJob.id as string;
      const read = await gql(app.url, app.key, 'query($id: ID!) { job(id: $id) { id status input metadata } }', { id });
      noInternalError(read.errors as Errors);
      expect(read.data?.job).toMatchObject({ id, status: 'QUEUED' });
      expect(read.data!.job.input).toEqual(asJson(input));
      expect(read.data!.job.metadata ?? null).toEqual(asJson(meta) ?? null);
    }),
    { numRuns: RUNS },
  );
  expect(accepted.submit).toBeGreaterThan(0);
}, 120_000);

it('analyzeDocuments: odd names, texts and metadata never give INTERNAL_SERVER_ERROR, and every accepted document becomes a job', async () => {
  const doc = fc.record({ name: oddString, text: oddString });
  await fc.assert(
    fc.asyncProperty(fc.array(doc, { maxLength: 6 }), fc.option(oddString, { nil: undefined }), metadata, async (documents, instructions, meta) => {
      const res = await gql(app.url, app.key, 'mutation($input: AnalyzeDocumentsInput!) { analyzeDocuments(input: $input) { id total jobs(first: 10) { edges { node { id input } } } } }', {
        input: { documents, ...(instructions === undefined ? {} : { instructions }), ...(meta === undefined ? {} : { metadata: meta }) },
      });
      noInternalError(res.errors as Errors);
      if (res.errors) return;
      accepted.batch++;
      const batch = res.data!.analyzeDocuments;
      expect(batch.total).toBe(documents.length);
      expect(batch.jobs.edges).toHaveLength(documents.length);
    }),
    { numRuns: RUNS },
  );
}, 120_000);

it('chain templates: accepted chains with odd templates and variables run to SUCCEEDED, never to an INTERNAL error', async () => {
  const worker = await startTestApp({ role: 'all', env: { MAX_DOCUMENT_BYTES: '20000' } });
  try {
    let ran = 0;
    await fc.assert(
      fc.asyncProperty(validChain, async (input) => {
        const res = await gql(worker.url, worker.key, 'mutation($input: SubmitJobInput!) { submitJob(input: $input) { id } }', { input: { kind: 'chain', input } });
        noInternalError(res.errors as Errors);
        if (res.errors) return;
        ran++;
        const id = res.data!.submitJob.id as string;
        const deadline = Date.now() + 20_000;
        let job: { status: string; error: { code: string } | null } | undefined;
        while (Date.now() < deadline) {
          job = (await gql(worker.url, worker.key, 'query($id: ID!) { job(id: $id) { status error { code } } }', { id })).data?.job;
          if (job && ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(job.status)) break;
          await new Promise((r) => setTimeout(r, 50)); // a bounded poll, not a synchronising sleep
        }
        expect(job?.status).toBe('SUCCEEDED');
      }),
      { numRuns: 10 },
    );
    expect(ran).toBeGreaterThan(0);
  } finally {
    await worker.stop();
  }
}, 300_000);
