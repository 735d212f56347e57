/**
 * Checks that the type-graphql classes of `src/schema/` emit a compatible superset
 * of the public contract (`contract/schema.graphql`), using graphql-js' `findBreakingChanges`
 * and `findDangerousChanges` (an added enum value allowed) and a comparison of descriptions.
 *
 * The root fields (Query/Mutation/Subscription) and the relational fields that other
 * resolvers add with `@FieldResolver` are filtered out by name and printed. A second
 * schema adds throwaway field resolvers for the relational fields (type-schemas.ts) to
 * check their argument types and defaults.
 */
import 'reflect-metadata';
import {
  findBreakingChanges,
  GraphQLEnumType,
  GraphQLInputObjectType,
  GraphQLInterfaceType,
  GraphQLObjectType,
  GraphQLScalarType,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';
import { contractSchema, dangerousChanges } from '../support/contract.js';
import { buildTypeSchemas, RELATIONAL_FIELDS, ROOT_TYPES } from './type-schemas.js';

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const ROOT_RE = new RegExp(`^(${ROOT_TYPES.join('|')})(\\.|\\s)`);
const RELATIONAL_RE = new RegExp(`^(${RELATIONAL_FIELDS.map(escape).join('|')})(\\s|$)`);

interface Change {
  type: string;
  description: string;
}

function split(changes: readonly Change[], filterRelational: boolean) {
  const kept: Change[] = [];
  const filtered: Change[] = [];
  for (const c of changes) {
    if (ROOT_RE.test(c.description) || (filterRelational && RELATIONAL_RE.test(c.description))) {
      filtered.push(c);
    } else {
      kept.push(c);
    }
  }
  return { kept, filtered };
}

const fmt = (cs: readonly Change[]): string => cs.map((c) => `  ${c.type}: ${c.description}`).join('\n');

let contract: GraphQLSchema;
let typesOnly: GraphQLSchema;
let withRelations: GraphQLSchema;

beforeAll(async () => {
  contract = contractSchema();
  ({ typesOnly, withRelations } = await buildTypeSchemas());
});

describe('src/schema against the contract', () => {
  it('has no breaking changes apart from root and relational fields', () => {
    const breaking = split(findBreakingChanges(contract, typesOnly), true);
    const dangerous = split(dangerousChanges(contract, typesOnly), true);
    // Root and relational fields come from resolvers; test/foundation/schema-contract
    // checks the whole emitted schema, those included.
    expect(fmt(breaking.kept)).toBe('');
    expect(fmt(dangerous.kept)).toBe('');
    // Every relational field is indeed absent from the type classes.
    for (const name of RELATIONAL_FIELDS) {
      expect(breaking.filtered.map((c) => c.description)).toContain(`${name} was removed.`);
    }
  });

  it('args classes match the contract arguments of the relational fields', () => {
    const breaking = split(findBreakingChanges(contract, withRelations), false);
    const dangerous = split(dangerousChanges(contract, withRelations), false);
    expect(fmt(breaking.kept)).toBe('');
    // Catches a missing or different default (ARG_DEFAULT_VALUE_CHANGE is "dangerous").
    expect(fmt(dangerous.kept)).toBe('');
  });

  it('PageArgs emits first: Int = 20, after: String like Query.jobs/batches', () => {
    const emitted = (typesOnly.getQueryType()!.getFields().tBatches!.args ?? []).map((a) => [
      a.name,
      String(a.type),
      a.defaultValue,
    ]);
    const wanted = contract
      .getQueryType()!
      .getFields()
      .batches!.args.map((a) => [a.name, String(a.type), a.defaultValue]);
    expect(emitted).toEqual(wanted);
  });

  it('carries over the contract descriptions', () => {
    const missing: string[] = [];
    const check = (what: string, want: string | null | undefined, got: string | null | undefined) => {
      if (want && want !== got) missing.push(`${what}: want ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
    };
    for (const type of Object.values(contract.getTypeMap()) as GraphQLNamedType[]) {
      if (type.name.startsWith('__') || ROOT_TYPES.includes(type.name)) continue;
      const emitted = withRelations.getType(type.name);
      if (!emitted) {
        missing.push(`${type.name}: type missing`);
        continue;
      }
      if (type instanceof GraphQLScalarType && ['String', 'Int', 'Float', 'Boolean', 'ID'].includes(type.name)) {
        continue;
      }
      check(type.name, type.description, emitted.description);
      if (type instanceof GraphQLEnumType && emitted instanceof GraphQLEnumType) {
        for (const v of type.getValues()) check(`${type.name}.${v.name}`, v.description, emitted.getValue(v.name)?.description);
      }
      if (
        (type instanceof GraphQLObjectType || type instanceof GraphQLInterfaceType || type instanceof GraphQLInputObjectType) &&
        (emitted instanceof GraphQLObjectType || emitted instanceof GraphQLInterfaceType || emitted instanceof GraphQLInputObjectType)
      ) {
        const got = emitted.getFields();
        for (const f of Object.values(type.getFields())) {
          if (RELATIONAL_FIELDS.includes(`${type.name}.${f.name}`)) continue; // the resolvers' job
          check(`${type.name}.${f.name}`, f.description, got[f.name]?.description);
        }
      }
    }
    expect(missing).toEqual([]);
  });
});
