/**
 * Apollo plugin for the request limits: a response that outgrew MAX_RESPONSE_BYTES becomes
 * one PAYLOAD_TOO_LARGE error, a RATE_LIMITED answer gets 429 with Retry-After, and a
 * TIMEOUT answer (the deadline stopped it before it changed anything) gets 504 without
 * Retry-After: it is not a rate limit, and the body still carries the error and any data.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { ErrorCode } from '../errors/index.js';
import type { GraphQLContext } from '../resolvers/context.js';
import { RequestBudget } from './request-budget.js';

export function limitsPlugin(): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue }) {
          if (response.body.kind !== 'single') return;
          const budget = contextValue.request;
          if (budget instanceof RequestBudget && budget.tooLarge) {
            response.body.singleResult = { data: null, errors: [budget.tooLargeError().toJSON()] };
            return;
          }
          const errors = response.body.singleResult.errors;
          if (errors?.some((e) => e.extensions?.code === ErrorCode.TIMEOUT)) {
            response.http.status = 504;
            return;
          }
          const limited = errors?.find((e) => e.extensions?.code === ErrorCode.RATE_LIMITED);
          const retryAfter = limited?.extensions?.retryAfter;
          if (typeof retryAfter === 'number') {
            response.http.status = 429;
            response.http.headers.set('retry-after', String(retryAfter));
          }
        },
      };
    },
  };
}
