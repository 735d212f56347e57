/**
 * The public contract as the tests see it: the repository's own copy (`contract/`), the SDL
 * the code emits, and the one rule for what counts as an incompatible change between them.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildSchema, DangerousChangeType, findBreakingChanges, findDangerousChanges, type GraphQLSchema } from 'graphql';

export const ROOT = resolve(import.meta.dirname, '..', '..');

/** The contract's GraphQL half, from `contract/schema.graphql` in this repository. */
export function contractSchema(): GraphQLSchema {
  return buildSchema(readFileSync(resolve(ROOT, 'contract', 'schema.graphql'), 'utf8'));
}

/**
 * The SDL that `npm run --silent schema` prints: `dist/server/print-schema.js`, built once before
 * the tests (building again here would rewrite dist/ under service processes other tests start).
 */
export function emittedSdl(): string {
  return execFileSync(process.execPath, [resolve(ROOT, 'dist', 'server', 'print-schema.js')], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '' }, // no MONGODB_URI: printing needs no database
    timeout: 60_000,
  });
}

export interface SchemaChange {
  type: string;
  description: string;
}

/**
 * Dangerous kinds that are additions the contract allows ("add freely"): a client never sends
 * an argument or input field it does not know, and must tolerate a new enum value.
 */
const ALLOWED_ADDITIONS: ReadonlySet<string> = new Set([
  DangerousChangeType.VALUE_ADDED_TO_ENUM,
  DangerousChangeType.OPTIONAL_ARG_ADDED,
  DangerousChangeType.OPTIONAL_INPUT_FIELD_ADDED,
]);

/** graphql-js' dangerous changes from the contract to `schema`, except the allowed additions. */
export function dangerousChanges(contract: GraphQLSchema, schema: GraphQLSchema): SchemaChange[] {
  return findDangerousChanges(contract, schema).filter((c) => !ALLOWED_ADDITIONS.has(c.type));
}

/** Every change from the contract to `schema` that could break a client: breaking and dangerous. */
export function incompatibleChanges(contract: GraphQLSchema, schema: GraphQLSchema): SchemaChange[] {
  return [...findBreakingChanges(contract, schema), ...dangerousChanges(contract, schema)];
}

export const describeChange = (c: SchemaChange): string => `${c.type}: ${c.description}`;
