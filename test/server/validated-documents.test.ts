/** ValidatedDocuments: one parse and validation per text over WebSocket, errors never kept. */
import { buildSchema, specifiedRules } from 'graphql';
import { ValidatedDocuments } from '../../src/server/validated-documents.js';

const schema = buildSchema('type Query { a: Int, b: Int } type Subscription { tick: Int }');

test('the same text gives the same document; another text another; an invalid one its errors, each time', () => {
  const docs = new ValidatedDocuments({ schema, rules: specifiedRules, maxTokens: 100 });
  const first = docs.get('subscription { tick }');
  expect('document' in first).toBe(true);
  expect(docs.get('subscription { tick }')).toEqual(first);
  expect((docs.get('subscription { tick }') as { document: unknown }).document).toBe((first as { document: unknown }).document);
  expect((docs.get('{ a }') as { document: unknown }).document).not.toBe((first as { document: unknown }).document);
  for (let i = 0; i < 2; i++) {
    const bad = docs.get('{ nope }');
    expect('errors' in bad && bad.errors.map((e) => e.message)).toEqual(['Cannot query field "nope" on type "Query".']);
  }
  const tooLong = docs.get(`{ ${'a '.repeat(200)}}`);
  expect('errors' in tooLong && tooLong.errors[0]!.message).toMatch(/Document contains more tha[nt] 100 tokens/);
});

test('it keeps the most recently used texts, at most maxEntries, and none longer than maxTextLength', () => {
  const docs = new ValidatedDocuments({ schema, rules: specifiedRules, maxTokens: 1000, maxEntries: 2, maxTextLength: 20 });
  const doc = (text: string) => (docs.get(text) as { document: unknown }).document;
  const a = doc('{ a }');
  const b = doc('{ b }');
  expect(doc('{ a }')).toBe(a); // a is now the most recent
  doc('{ a b }'); // evicts b, the least recent
  expect(doc('{ a }')).toBe(a);
  expect(doc('{ b }')).not.toBe(b);
  const long = '{ a         b         }';
  expect(doc(long)).not.toBe(doc(long));
});
