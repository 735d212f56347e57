/**
 * The contract's custom scalars, `DateTime` and `JSON`, built on graphql-scalars.
 *
 * Always reference them explicitly in decorators (`@Field(() => DateTimeScalar)`),
 * never through inferred `Date`/`Object` metadata: type-graphql 2 maps an inferred
 * `Date` to its own `DateTimeISO` scalar (test/schema-types checks that none sneaks in).
 */
import { GraphQLScalarType } from 'graphql';
import { DateTimeResolver, JSONResolver } from 'graphql-scalars';

/**
 * "DateTime": graphql-scalars' `DateTimeResolver` (same validation and input
 * parsing to a `Date`), but serialized as an ISO-8601 string in UTC with
 * milliseconds, e.g. 2026-11-27T12:00:00.000Z. (graphql-scalars 1.26 serializes to a
 * `Date` object, which only becomes a string when JSON-encoded.)
 */
export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  ...DateTimeResolver.toConfig(),
  name: 'DateTime',
  description: 'An ISO-8601 instant in UTC, e.g. 2026-11-27T12:00:00.000Z.',
  serialize(value: unknown): string {
    return (DateTimeResolver.serialize(value) as Date).toISOString();
  },
});

/** "JSON": graphql-scalars' `JSONResolver`, any JSON value. */
export const JSONScalar = new GraphQLScalarType({
  ...JSONResolver.toConfig(),
  name: 'JSON',
  description: 'Any JSON value.',
});
