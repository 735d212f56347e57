/**
 * What the classes of src/schema emit beyond the contract's shapes: no tenant id on a job,
 * and the service's own DateTime and JSON scalars.
 */
import 'reflect-metadata';
import type { GraphQLObjectType, GraphQLSchema } from 'graphql';
import { DateTimeScalar, JSONScalar } from '../../src/schema/index.js';
import { buildTypeSchemas } from './type-schemas.js';

let typesOnly: GraphQLSchema;

beforeAll(async () => {
  ({ typesOnly } = await buildTypeSchemas());
});

describe('src/schema beyond the contract', () => {
  it('does not expose Job.tenantId', () => {
    const job = typesOnly.getType('Job') as GraphQLObjectType;
    expect(Object.keys(job.getFields())).not.toContain('tenantId');
  });

  it('uses exactly the DateTime and JSON scalars of src/schema/scalars.ts', () => {
    expect(typesOnly.getType('DateTime')).toBe(DateTimeScalar);
    expect(typesOnly.getType('JSON')).toBe(JSONScalar);
    // type-graphql's own Date scalar must not sneak in through inferred metadata.
    expect(typesOnly.getType('DateTimeISO')).toBeUndefined();
  });

  it('DateTime serializes to an ISO-8601 UTC string and parses to a Date', () => {
    expect(DateTimeScalar.serialize(new Date(Date.UTC(2026, 10, 27, 12)))).toBe('2026-11-27T12:00:00.000Z');
    expect(DateTimeScalar.serialize('2026-11-27T13:00:00+01:00')).toBe('2026-11-27T12:00:00.000Z');
    const parsed = DateTimeScalar.parseValue('2026-11-27T12:00:00.000Z');
    expect(parsed).toBeInstanceOf(Date);
    expect(() => DateTimeScalar.serialize('not a date')).toThrow();
  });
});
