/**
 * The emitted schema serves the contract's Subscription type: same fields, same argument
 * names and types, same payload types, and no breaking or dangerous change to them.
 */
import { buildSchema, getNamedType, type GraphQLObjectType, type GraphQLSchema } from 'graphql';
import { contractSchema, describeChange, emittedSdl, incompatibleChanges } from '../../support/contract.js';

const emitted = buildSchema(emittedSdl());
const contract = contractSchema();

const subscriptionOf = (schema: GraphQLSchema): GraphQLObjectType => {
  const type = schema.getSubscriptionType();
  if (!type) throw new Error('the schema has no subscription type');
  return type;
};

/** A field's shape: its type and its arguments (type and default), as SDL strings. */
function shape(type: GraphQLObjectType): Record<string, { type: string; args: Record<string, { type: string; default: unknown }> }> {
  return Object.fromEntries(
    Object.values(type.getFields()).map((f) => [
      f.name,
      { type: String(f.type), args: Object.fromEntries(f.args.map((a) => [a.name, { type: String(a.type), default: a.defaultValue }])) },
    ]),
  );
}

test('the emitted schema has a Subscription type with every contract field, argument and type', () => {
  expect(subscriptionOf(emitted).name).toBe('Subscription');
  const want = shape(subscriptionOf(contract));
  const have = shape(subscriptionOf(emitted));
  expect(Object.keys(want).sort()).toEqual(['batchProgress', 'jobEvents', 'tenantJobEvents']);
  for (const [name, field] of Object.entries(want)) {
    expect({ name, ...have[name] }).toEqual({ name, type: field.type, args: expect.objectContaining(field.args) });
    // Anything the code adds must be optional, or existing clients break.
    for (const [arg, a] of Object.entries(have[name]!.args)) if (!(arg in field.args)) expect(a.type.endsWith('!')).toBe(false);
  }
});

test('no breaking or dangerous change to Subscription or to the types it delivers', () => {
  const payloadTypes = new Set(Object.values(subscriptionOf(contract).getFields()).map((f) => getNamedType(f.type).name));
  expect([...payloadTypes].sort()).toEqual(['Batch', 'JobEvent']);
  const concerned = (c: { description: string }) =>
    ['Subscription', ...payloadTypes].some((t) => c.description.startsWith(`${t}.`) || c.description.startsWith(`${t} `));
  expect(incompatibleChanges(contract, emitted).filter(concerned).map(describeChange)).toEqual([]);
});

test('jobEvents is ordered by an Int sequence and its afterSequence is an optional Int', () => {
  const jobEvents = subscriptionOf(emitted).getFields().jobEvents!;
  expect(jobEvents.args.map((a) => `${a.name}: ${String(a.type)}`).sort()).toEqual(['afterSequence: Int', 'jobId: ID!']);
  const event = emitted.getType('JobEvent') as GraphQLObjectType;
  expect(String(event.getFields().sequence!.type)).toBe('Int!');
});
