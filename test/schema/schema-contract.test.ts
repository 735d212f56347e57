/**
 * The emitted schema must be a compatible superset of the contract: no breaking or
 * dangerous change from the contract to what the code serves (an added enum value is
 * allowed), and every contract type and field present.
 */
import { buildSchema, isObjectType, type GraphQLSchema } from 'graphql';
import { contractSchema, describeChange, emittedSdl, incompatibleChanges } from '../support/contract.js';

function missingFields(contract: GraphQLSchema, emitted: GraphQLSchema): string[] {
  const missing: string[] = [];
  for (const type of Object.values(contract.getTypeMap())) {
    if (type.name.startsWith('__')) continue;
    const other = emitted.getType(type.name);
    if (!other) {
      missing.push(type.name);
      continue;
    }
    if (isObjectType(type) && isObjectType(other)) {
      for (const field of Object.keys(type.getFields())) if (!other.getFields()[field]) missing.push(`${type.name}.${field}`);
    }
  }
  return missing;
}

describe('schema contract', () => {
  const sdl = emittedSdl();
  const emitted = buildSchema(sdl);
  const contract = contractSchema();

  test('the printed SDL is a whole, valid schema and nothing else', () => {
    expect(sdl.trimStart().startsWith('type') || sdl.trimStart().startsWith('"""') || sdl.trimStart().startsWith('schema')).toBe(true);
    expect(emitted.getQueryType()?.name).toBe('Query');
  });

  test('every contract type and field is implemented', () => {
    const missing = missingFields(contract, emitted);
    if (missing.length > 0) console.log(`contract fields not implemented yet:\n  ${missing.join('\n  ')}`);
    expect(missing).toEqual([]);
  });

  test('no breaking or dangerous change from the contract to the emitted schema (added enum values, optional arguments and optional input fields allowed)', () => {
    expect(incompatibleChanges(contract, emitted).map(describeChange)).toEqual([]);
  });
});

describe('what counts as an incompatible change', () => {
  const base = `enum Color { RED GREEN }
    type Query { paint(color: Color, coats: Int = 1): Color! }`;
  const changes = (next: string) => incompatibleChanges(buildSchema(base), buildSchema(next)).map((c) => c.type);

  test('an added enum value and an added optional argument are allowed', () => {
    expect(changes(base.replace('GREEN }', 'GREEN BLUE }'))).toEqual([]);
    expect(changes(base.replace('coats: Int = 1', 'coats: Int = 1, brush: String'))).toEqual([]);
  });

  test('a removed enum value, a changed default and a new required argument are all refused', () => {
    expect(changes(base.replace(' GREEN }', ' }'))).toEqual(['VALUE_REMOVED_FROM_ENUM']);
    expect(changes(base.replace('= 1', '= 2'))).toEqual(['ARG_DEFAULT_VALUE_CHANGE']);
    expect(changes(base.replace('coats: Int = 1', 'coats: Int = 1, brush: String!'))).toEqual(['REQUIRED_ARG_ADDED']);
  });
});
