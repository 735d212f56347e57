/**
 * Submitting work through GraphQL, on an API-only process (no worker, so what was
 * enqueued stays visible): idempotency keys for jobs and batches, and every bad input
 * refused with BAD_USER_INPUT naming its path, with nothing stored.
 */
import { AGENDA_COLLECTION } from '../../../src/jobs/lifecycle/queue.js';
import { startTestApp, type TestApp } from '../../support/app.js';
import { gql, gqlData } from '../../support/graphql-client.js';
import { getEvents, gqlErrors } from '../jobs-harness.js';

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({
    role: 'api',
    env: { MAX_DOCUMENT_BYTES: '2000', MAX_BATCH_DOCUMENTS: '5', MAX_CHAIN_STEPS: '3', MAX_JSON_DEPTH: '6' },
  });
});
afterAll(() => app?.stop());

const SUBMIT = `mutation($input: SubmitJobInput!) { submitJob(input: $input) { id status kind idempotencyKey input metadata priority maxAttempts attempt } }`;
const ANALYZE = `mutation($input: AnalyzeDocumentsInput!) { analyzeDocuments(input: $input) { id total status idempotencyKey metadata } }`;
const chainInput = (prompt: string) => ({ steps: [{ name: 'a', prompt }] });

// A job's wake-ups wherever it waits: handed to Agenda, or in the backlog in front of it
// (this app has no worker, so nothing is admitted from the backlog).
const agendaRuns = async (jobId: string) =>
  (await app.db.db.collection(AGENDA_COLLECTION).countDocuments({ 'data.jobId': jobId })) +
  (await app.db.db.collection('job_backlog').countDocuments({ jobId }));
const jobCount = async (key = app.key) => (await gqlData(app.url, key, `{ jobs { totalCount } }`)).jobs.totalCount as number;

describe('idempotency', () => {
  test('the same key returns the same job and enqueues nothing more', async () => {
    const input = { kind: 'chain', input: chainInput('once'), idempotencyKey: 'order-17', metadata: { order: 17 }, priority: 5, maxAttempts: 2 };
    const first = (await gqlData(app.url, app.key, SUBMIT, { input })).submitJob;
    expect(first).toMatchObject({ status: 'QUEUED', kind: 'chain', idempotencyKey: 'order-17', metadata: { order: 17 }, priority: 5, maxAttempts: 2, attempt: 1 });
    const before = await jobCount();
    const again = (await gqlData(app.url, app.key, SUBMIT, { input })).submitJob;
    expect(again.id).toBe(first.id);
    expect(await jobCount()).toBe(before);
    expect(await agendaRuns(first.id)).toBe(1);
    expect((await getEvents(app, first.id)).map((e) => e.type)).toEqual(['QUEUED']);
  });

  test('the same key with another input or kind is a CONFLICT', async () => {
    const key = 'conflicting-key';
    await gqlData(app.url, app.key, SUBMIT, { input: { kind: 'chain', input: chainInput('first'), idempotencyKey: key } });
    const before = await jobCount();
    const otherInput = await gqlErrors(app, SUBMIT, { input: { kind: 'chain', input: chainInput('second'), idempotencyKey: key } });
    expect(otherInput[0]!.extensions?.code).toBe('CONFLICT');
    const otherKind = await gqlErrors(app, SUBMIT, { input: { kind: 'document.analyze', input: { text: 'first' }, idempotencyKey: key } });
    expect(otherKind[0]!.extensions?.code).toBe('CONFLICT');
    expect(await jobCount()).toBe(before);
  });

  test('the same key with another option is a CONFLICT naming it; the same input with keys reordered is the same job', async () => {
    const key = 'options-key';
    const first = (await gqlData(app.url, app.key, SUBMIT, { input: { kind: 'chain', input: { steps: [{ name: 'a', prompt: 'p' }], variables: { x: 1, y: 2 } }, idempotencyKey: key } })).submitJob;
    const reordered = (await gqlData(app.url, app.key, SUBMIT, { input: { idempotencyKey: key, input: { variables: { y: 2, x: 1 }, steps: [{ prompt: 'p', name: 'a' }] }, kind: 'chain' } })).submitJob;
    expect(reordered.id).toBe(first.id);
    const before = await jobCount();
    for (const [field, value] of [['priority', 7], ['maxAttempts', 1], ['metadata', { a: 1 }], ['budget', { maxTokens: 1000 }]] as const) {
      const errors = await gqlErrors(app, SUBMIT, { input: { kind: 'chain', input: { steps: [{ name: 'a', prompt: 'p' }], variables: { x: 1, y: 2 } }, idempotencyKey: key, [field]: value } });
      expect(errors[0]!.extensions).toMatchObject({ code: 'CONFLICT', path: ['input', field] });
      expect(errors[0]!.message).toContain(field);
    }
    expect(await jobCount()).toBe(before);
  });

  test('concurrent requests with one key make one job', async () => {
    const input = { kind: 'chain', input: chainInput('racing'), idempotencyKey: 'race-1' };
    const results = await Promise.all(Array.from({ length: 6 }, () => gqlData(app.url, app.key, SUBMIT, { input })));
    const ids = new Set(results.map((r) => r.submitJob.id));
    expect(ids.size).toBe(1);
    expect(await agendaRuns([...ids][0]!)).toBe(1);
  });

  test("keys are per tenant: another tenant's same key makes its own job", async () => {
    const other = await app.newTenantKey('idem-other');
    const input = { kind: 'chain', input: chainInput('once'), idempotencyKey: 'order-17', metadata: { order: 17 }, priority: 5, maxAttempts: 2 };
    const mine = (await gqlData(app.url, app.key, SUBMIT, { input })).submitJob;
    const theirs = (await gqlData(app.url, other, SUBMIT, { input })).submitJob;
    expect(theirs.id).not.toBe(mine.id);
  });

  test('a batch with the same key is the same batch; other documents with that key are a CONFLICT', async () => {
    const documents = [
      { name: 'a.txt', text: 'Alpha.' },
      { name: 'b.txt', text: 'Beta.' },
    ];
    const first = (await gqlData(app.url, app.key, ANALYZE, { input: { documents, idempotencyKey: 'batch-1', metadata: { n: 1 } } })).analyzeDocuments;
    expect(first).toMatchObject({ total: 2, status: 'RUNNING', idempotencyKey: 'batch-1', metadata: { n: 1 } });
    const before = await jobCount();
    const again = (await gqlData(app.url, app.key, ANALYZE, { input: { documents, idempotencyKey: 'batch-1', metadata: { n: 1 } } })).analyzeDocuments;
    expect(again.id).toBe(first.id);
    expect(await jobCount()).toBe(before);
    const { jobs } = await gqlData(app.url, app.key, `query($b: ID!) { jobs(filter: { batchId: $b }) { totalCount edges { node { id } } } }`, { b: first.id });
    expect(jobs.totalCount).toBe(2);
    for (const { node } of jobs.edges) expect(await agendaRuns(node.id)).toBe(1);

    const conflict = await gqlErrors(app, ANALYZE, { input: { documents: [documents[0]], idempotencyKey: 'batch-1' } });
    expect(conflict[0]!.extensions?.code).toBe('CONFLICT');
    const otherMetadata = await gqlErrors(app, ANALYZE, { input: { documents, idempotencyKey: 'batch-1' } });
    expect(otherMetadata[0]!.extensions).toMatchObject({ code: 'CONFLICT', path: ['input', 'metadata'] });
    const otherInstructions = await gqlErrors(app, ANALYZE, { input: { documents, instructions: 'be brief', idempotencyKey: 'batch-1', metadata: { n: 1 } } });
    expect(otherInstructions[0]!.extensions?.code).toBe('CONFLICT');
    expect(await jobCount()).toBe(before);
  });
});

describe('bad input is BAD_USER_INPUT with the path of the offending value, and nothing is stored', () => {
  let deep: unknown = 'bottom';
  for (let i = 0; i < 10; i++) deep = { nested: deep };
  const big = 'x'.repeat(2001);

  const cases: Array<[string, string, Record<string, unknown>, Array<string | number>]> = [
    ['unknown kind', SUBMIT, { input: { kind: 'video.render', input: {} } }, ['input', 'kind']],
    ['missing text', SUBMIT, { input: { kind: 'document.analyze', input: { name: 'x' } } }, ['input', 'input', 'text']],
    ['text of the wrong type', SUBMIT, { input: { kind: 'document.analyze', input: { text: 42 } } }, ['input', 'input', 'text']],
    ['an unknown field', SUBMIT, { input: { kind: 'document.analyze', input: { text: 'x', colour: 'red' } } }, ['input', 'input', 'colour']],
    ['input that is not an object', SUBMIT, { input: { kind: 'chain', input: 'just a string' } }, ['input', 'input']],
    ['steps of the wrong type', SUBMIT, { input: { kind: 'chain', input: { steps: 'abc' } } }, ['input', 'input', 'steps']],
    ['a prompt of the wrong type', SUBMIT, { input: { kind: 'chain', input: { steps: [{ name: 'a', prompt: 1 }] } } }, ['input', 'input', 'steps', 0, 'prompt']],
    ['no steps', SUBMIT, { input: { kind: 'chain', input: { steps: [] } } }, ['input', 'input', 'steps']],
    ['a document too large (MAX_DOCUMENT_BYTES)', SUBMIT, { input: { kind: 'document.analyze', input: { text: big } } }, ['input', 'input', 'text']],
    [
      'too many chain steps (MAX_CHAIN_STEPS)',
      SUBMIT,
      { input: { kind: 'chain', input: { steps: ['a', 'b', 'c', 'd'].map((name) => ({ name, prompt: 'p' })) } } },
      ['input', 'input', 'steps'],
    ],
    [
      'JSON nested too deep (MAX_JSON_DEPTH)',
      SUBMIT,
      { input: { kind: 'chain', input: { steps: [{ name: 'a', prompt: 'p' }], variables: { v: deep } } } },
      ['input', 'input'],
    ],
    ['metadata nested too deep', SUBMIT, { input: { kind: 'chain', input: chainInput('p'), metadata: deep } }, ['input', 'metadata']],
    [
      'a reference to an unknown variable',
      SUBMIT,
      { input: { kind: 'chain', input: { steps: [{ name: 'a', prompt: 'Hi {{variables.who}}' }] } } },
      ['input', 'input', 'steps', 0, 'prompt'],
    ],
    [
      'a reference to a later step',
      SUBMIT,
      { input: { kind: 'chain', input: { steps: [{ name: 'a', prompt: 'p' }, { name: 'b', prompt: '{{steps.c}}' }, { name: 'c', prompt: 'q' }] } } },
      ['input', 'input', 'steps', 1, 'prompt'],
    ],
    [
      'a malformed placeholder',
      SUBMIT,
      { input: { kind: 'chain', input: { steps: [{ name: 'a', prompt: 'p', system: 'Be {{tone}}' }] } } },
      ['input', 'input', 'steps', 0, 'system'],
    ],
    ['maxAttempts out of range', SUBMIT, { input: { kind: 'chain', input: chainInput('p'), maxAttempts: 0 } }, ['input', 'maxAttempts']],
    ['priority out of range', SUBMIT, { input: { kind: 'chain', input: chainInput('p'), priority: 100000 } }, ['input', 'priority']],
    ['an empty idempotency key', SUBMIT, { input: { kind: 'chain', input: chainInput('p'), idempotencyKey: '' } }, ['input', 'idempotencyKey']],
    ['no documents', ANALYZE, { input: { documents: [] } }, ['input', 'documents']],
    [
      'too many documents (MAX_BATCH_DOCUMENTS)',
      ANALYZE,
      { input: { documents: Array.from({ length: 6 }, (_, i) => ({ name: `d${i}`, text: 'x' })) } },
      ['input', 'documents'],
    ],
    [
      'a document in a batch too large',
      ANALYZE,
      { input: { documents: [{ name: 'ok', text: 'fine' }, { name: 'big', text: big }] } },
      ['input', 'documents', 1, 'text'],
    ],
    ['an empty document in a batch', ANALYZE, { input: { documents: [{ name: 'empty', text: '' }] } }, ['input', 'documents', 0, 'text']],
    ['a blank document in a batch', ANALYZE, { input: { documents: [{ name: 'blank', text: ' \n\t ' }] } }, ['input', 'documents', 0, 'text']],
  ];

  test.each(cases)('%s', async (_name, mutation, variables, path) => {
    const before = await jobCount();
    const errors = await gqlErrors(app, mutation, variables);
    expect(errors[0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', path });
    expect(errors[0]!.message.length).toBeGreaterThan(0);
    expect(await jobCount()).toBe(before);
  });

  test.each([
    ['first below 0', `{ jobs(first: -1) { totalCount } }`, ['first']],
    ['first above the page limit', `{ jobs(first: 1000) { totalCount } }`, ['first']],
    ['a cursor this API did not make', `{ jobs(after: "not-a-cursor") { totalCount } }`, ['after']],
    ['batches: first below 0', `{ batches(first: -5) { totalCount } }`, ['first']],
    ['batches: a bad cursor', `{ batches(after: "%%%") { totalCount } }`, ['after']],
  ])('%s', async (_name, query, path) => {
    const res = await gql(app.url, app.key, query as string);
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', path });
  });
});
