/**
 * The emitted schema must be a compatible superset of the contract: no breaking or
 * dangerous change from the contract to what the code serves, and every contract type
 * and field present.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildSchema, findBreakingChanges, findDangerousChanges, isObjectType, type GraphQLSchema } from 'graphql';

const ROOT = resolve(import.meta.dirname, '..', '..');
const contractPath = resolve(ROOT, '..', 'shared', 'contract', 'schema.graphql');

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
  // `npm run --silent schema` is `build && node dist/server/print-schema.js`; the build ran in pretest.
  const sdl = execFileSync(process.execPath, [resolve(ROOT, 'dist', 'server', 'print-schema.js')], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '' }, // no MONGODB_URI: printing needs no database
  });
  const emitted = buildSchema(sdl);
  const contract = buildSchema(readFileSync(contractPath, 'utf8'));

  test('the printed SDL is a whole, valid schema and nothing else', () => {
    expect(sdl.trimStart().startsWith('type') || sdl.trimStart().startsWith('"""') || sdl.trimStart().startsWith('schema')).toBe(true);
    expect(emitted.getQueryType()?.name).toBe('Query');
  });

  test('every contract type and field is implemented', () => {
    const missing = missingFields(contract, emitted);
    if (missing.length > 0) console.log(`contract fields not implemented yet:\n  ${missing.join('\n  ')}`);
    expect(missing).toEqual([]);
  });

  test('no breaking or dangerous change from the contract to the emitted schema', () => {
    const describe = (c: { type: string; description: string }) => `${c.type}: ${c.description}`;
    expect(findBreakingChanges(contract, emitted).map(describe)).toEqual([]);
    // An added optional argument (Job.events' limit) is an addition the contract allows.
    expect(findDangerousChanges(contract, emitted).filter((c) => c.type !== 'OPTIONAL_ARG_ADDED').map(describe)).toEqual([]);
  });
});
