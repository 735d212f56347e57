/**
 * The limits every GraphQL operation passes before it runs, over HTTP and WebSocket alike:
 * tokens (at parse), depth, aliases and estimated cost (as validation rules).
 */
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { GraphQLError, type ValidationContext, type ValidationRule } from 'graphql';
import type { ApiLimits } from '../config/index.js';
import { ErrorCode } from '../errors/index.js';
import { MAX_EVENTS_PAGE, MAX_PAGE_SIZE } from '../jobs/index.js';
import { queryCostRule } from './query-cost-rule.js';

/** Assumed length of a list field without paging arguments (e.g. Job.steps, Job.webhookDeliveries). */
const UNPAGED_LIST_SIZE = 10;

/**
 * Work that grows with the data, beyond the fields asked for: a batch not yet settled counts
 * its jobs by reading each one's status (MAX_BATCH_DOCUMENTS, 500 by default, at most), and
 * its usage sums its jobs. Charged as that many objects, at a typical batch's size.
 */
const BATCH_JOBS_COST = 50;

/** A refusal: BAD_USER_INPUT naming the limit and its value in the message and in extensions.limit. */
export function queryLimitError(message: string, limit: string, value: number): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.BAD_USER_INPUT, reason: 'QUERY_LIMIT', limit: { name: limit, value } } });
}

export function queryLimitRules(limits: ApiLimits): ValidationRule[] {
  // graphql-armor throws its own error by default; report ours instead, with the code and limit.
  const report = (name: string, value: number, what: string) => ({
    propagateOnRejection: false,
    exposeLimits: true,
    onReject: [
      (ctx: ValidationContext | null, err: GraphQLError) => {
        const found = /found (\d+)/.exec(err.message)?.[1];
        ctx?.reportError(queryLimitError(`the query's ${what}${found ? ` ${found}` : ''} is over the limit ${name}=${value}`, name, value));
      },
    ],
  });
  return [
    maxDepthRule({ n: limits.maxDepth, flattenFragments: true, ignoreIntrospection: true, ...report('GRAPHQL_MAX_DEPTH', limits.maxDepth, 'depth') }),
    maxAliasesRule({ n: limits.maxAliases, ...report('GRAPHQL_MAX_ALIASES', limits.maxAliases, 'number of aliases') }),
    queryCostRule({
      maxCost: limits.maxCost,
      maxPage: { first: MAX_PAGE_SIZE, limit: MAX_EVENTS_PAGE },
      unpagedListSize: UNPAGED_LIST_SIZE,
      extraCost: { Batch: BATCH_JOBS_COST, 'Batch.usage': BATCH_JOBS_COST },
      refuse: queryLimitError,
    }),
  ];
}

/** graphql-js stops lexing past maxTokens; its message names the number, ours names the variable too. */
export function parseOptions(limits: ApiLimits): { maxTokens: number } {
  return { maxTokens: limits.maxTokens };
}
