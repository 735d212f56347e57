/** The request fingerprint behind idempotency keys, and the JSON checks on submitted input. */
import { fingerprint } from '../../../src/jobs/commands/idempotency.js';
import { checkJsonLimits, excerpt } from '../../../src/jobs/commands/input-limits.js';

it('is the same for the same request with its keys in another order', () => {
  const a = fingerprint({ kind: 'chain', input: { steps: [{ name: 'a', prompt: 'p' }], variables: { x: 1, y: 2 } }, priority: 0 });
  const b = fingerprint({ priority: 0, input: { variables: { y: 2, x: 1 }, steps: [{ prompt: 'p', name: 'a' }] }, kind: 'chain' });
  expect(a).toEqual(b);
});

it('differs when an option differs, field by field', () => {
  const a = fingerprint({ kind: 'chain', input: {}, model: 'gpt-4o-mini', priority: 0 });
  const b = fingerprint({ kind: 'chain', input: {}, model: 'gpt-4o', priority: 0 });
  expect(a.hash).not.toBe(b.hash);
  const differing = a.fields.split(',').filter((f) => !b.fields.split(',').includes(f)).map((f) => f.split(':')[0]);
  expect(differing).toEqual(['model']);
});

it('refuses a non-finite number naming its field, instead of storing null', () => {
  expect(() => checkJsonLimits({ a: { b: [1, Infinity] } }, ['input', 'input'], { maxDepth: 32, maxBytes: 1e6 })).toThrow(
    expect.objectContaining({ path: ['input', 'input', 'a', 'b', 1] }),
  );
});

it('cuts a huge value down in messages', () => {
  const huge = 'k'.repeat(7_000_000);
  expect(excerpt(huge).length).toBeLessThan(200);
});
