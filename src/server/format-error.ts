/**
 * Every GraphQL error leaves with one of the contract's codes. An AppError keeps its
 * code (and its input path for BAD_USER_INPUT); Apollo's own request errors (parse,
 * validation, variable coercion) become BAD_USER_INPUT; anything else is
 * INTERNAL_SERVER_ERROR, its details shown only when NODE_ENV=development.
 */
import type { GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { AppError, ErrorCode } from '../errors/index.js';
import type { Logger } from '../log/logger.js';

const CONTRACT_CODES = new Set<string>(Object.values(ErrorCode));
const REQUEST_ERROR_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

export type ErrorFormatter = (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;

/** One per API process: Apollo (HTTP) and graphql-ws share it. */
export function createErrorFormatter(opts: { development: boolean; logger: Logger; maxTokens?: number }): ErrorFormatter {
  return (formatted, error) => {
    const original = unwrapResolverError(error);
    if (original instanceof AppError) {
      return {
        message: original.message,
        locations: formatted.locations,
        path: formatted.path,
        // The error's own extensions: its code, path, and e.g. a rate limit's retryAfter.
        extensions: { ...original.extensions },
      };
    }
    const code = String(formatted.extensions?.code ?? '');
    if (CONTRACT_CODES.has(code) && code !== ErrorCode.INTERNAL_SERVER_ERROR) return formatted;
    if (REQUEST_ERROR_CODES.has(code)) {
      if (opts.maxTokens !== undefined && /Document contains more tha[nt] \d+ tokens/.test(formatted.message)) {
        const limit = { name: 'GRAPHQL_MAX_TOKENS', value: opts.maxTokens };
        return { ...formatted, message: `${formatted.message} (GRAPHQL_MAX_TOKENS=${opts.maxTokens})`, extensions: { ...formatted.extensions, code: ErrorCode.BAD_USER_INPUT, reason: code, limit } };
      }
      return { ...formatted, extensions: { ...formatted.extensions, code: ErrorCode.BAD_USER_INPUT, reason: code } };
    }
    opts.logger.error({ err: original, path: formatted.path }, 'unexpected error in a GraphQL request');
    return {
      message: opts.development ? formatted.message : 'Internal server error',
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
    };
  };
}
