/** subscriptionShape: which subscriptions may share one payload per item (a pure function). */
import { parse } from 'graphql';
import type { Access } from '../../../src/auth/access-scope.js';
import { subscriptionShape, type ShapeInput } from '../../../src/server/fan-out/subscription-shape.js';

const EVENTS = 'subscription($jobId: ID!, $after: Int) { jobEvents(jobId: $jobId, afterSequence: $after) { sequence type job { id status } } }';

const key = (query: string, variables: Record<string, unknown> = {}, more: Partial<ShapeInput> = {}): string | undefined =>
  subscriptionShape({ document: parse(query), variables, tenantId: 't1', ...more })?.key;

const token = (tokenHash: string, jobIds: string[]): Access => ({
  kind: 'token',
  tokenHash,
  keyHash: 'k',
  jobIds: new Set(jobIds),
  batchIds: new Set(),
  submitKinds: new Set(),
  uploadFiles: false,
  fileIds: new Set(),
  allowance: { models: ['m'], maxPriority: 0, maxAttempts: 3, maxOutputTokens: 1000, budget: { maxCostUsd: null, maxTokens: 1000 } },
  expiresAt: new Date(0),
});

test('the resume point is not part of the shape: afterSequence given as a variable or inline', () => {
  const a = key(EVENTS, { jobId: 'j1', after: 0 });
  expect(a).toBeDefined();
  expect(key(EVENTS, { jobId: 'j1', after: 17 })).toBe(a);
  expect(key(EVENTS, { jobId: 'j1' })).toBe(a);
  const inline = (n: number) => `subscription($jobId: ID!) { jobEvents(jobId: $jobId, afterSequence: ${n}) { sequence type job { id status } } }`;
  expect(key(inline(0), { jobId: 'j1' })).toBe(key(inline(5), { jobId: 'j1' }));
});

test('formatting, comments and the operation name do not matter; the field, its arguments and the selection do', () => {
  const a = key(EVENTS, { jobId: 'j1' });
  const reformatted = `subscription Watch($jobId: ID!, $after: Int) {
    # the events
    jobEvents(jobId: $jobId, afterSequence: $after) {
      sequence
      type
      job { id, status }
    }
  }`;
  expect(key(reformatted, { jobId: 'j1' })).toBe(a);
  expect(key(EVENTS, { jobId: 'j2' })).not.toBe(a);
  expect(key(EVENTS.replace('sequence type', 'type sequence'), { jobId: 'j1' })).not.toBe(a);
  expect(key(EVENTS.replace('jobEvents(', 'e: jobEvents('), { jobId: 'j1' })).not.toBe(a);
  expect(key(EVENTS.replace('status }', 'status progress { percent } }'), { jobId: 'j1' })).not.toBe(a);
});

test('variables used below the root field are part of the shape, those not used are not', () => {
  const q = 'subscription($jobId: ID!, $n: Int, $unused: Int) { jobEvents(jobId: $jobId) { job { events(limit: $n) { sequence } } } }';
  expect(key(q, { jobId: 'j1', n: 1 })).not.toBe(key(q, { jobId: 'j1', n: 2 }));
  expect(key(q, { jobId: 'j1', n: 1, unused: 1 })).toBe(key(q, { jobId: 'j1', n: 1, unused: 2 }));
  // Left out and explicitly null can mean different things to an argument.
  expect(key(q, { jobId: 'j1' })).not.toBe(key(q, { jobId: 'j1', n: null }));
});

test('fragments: what they select counts, not the order they are written in', () => {
  const withFragments = (order: 'ab' | 'ba', field = 'status') => {
    const a = `fragment A on JobEvent { sequence job { ...B } }`;
    const b = `fragment B on Job { id ${field} }`;
    return `subscription($jobId: ID!) { jobEvents(jobId: $jobId) { ...A } } ${order === 'ab' ? `${a} ${b}` : `${b} ${a}`}`;
  };
  expect(key(withFragments('ab'), { jobId: 'j1' })).toBe(key(withFragments('ba'), { jobId: 'j1' }));
  expect(key(withFragments('ab'), { jobId: 'j1' })).not.toBe(key(withFragments('ab', 'progress { percent }'), { jobId: 'j1' }));
});

test('who asks: tenants never share; API keys of a tenant do; a token shares only with itself at the same scope', () => {
  const vars = { jobId: 'j1' };
  expect(key(EVENTS, vars, { tenantId: 't2' })).not.toBe(key(EVENTS, vars));
  expect(key(EVENTS, vars, { access: { kind: 'key', keyHash: 'a' } })).toBe(key(EVENTS, vars, { access: { kind: 'key', keyHash: 'b' } }));
  const t1 = key(EVENTS, vars, { access: token('tok1', ['j1']) });
  expect(t1).not.toBe(key(EVENTS, vars));
  expect(key(EVENTS, vars, { access: token('tok1', ['j1']) })).toBe(t1);
  expect(key(EVENTS, vars, { access: token('tok2', ['j1']) })).not.toBe(t1);
  expect(key(EVENTS, vars, { access: token('tok1', ['j1', 'j9']) })).not.toBe(t1);
});

test('the field is named for the metrics; a query, or a document without one operation to pick, has no shape', () => {
  expect(subscriptionShape({ document: parse(EVENTS), variables: { jobId: 'j' }, tenantId: 't' })?.field).toBe('jobEvents');
  expect(subscriptionShape({ document: parse('{ jobKinds { kind } }'), tenantId: 't' })).toBeNull();
  const two = parse('subscription A { tenantJobEvents { id } } subscription B { tenantJobEvents { sequence } }');
  expect(subscriptionShape({ document: two, tenantId: 't' })).toBeNull();
  expect(subscriptionShape({ document: two, operationName: 'B', tenantId: 't' })?.key).not.toBe(subscriptionShape({ document: two, operationName: 'A', tenantId: 't' })?.key);
});
