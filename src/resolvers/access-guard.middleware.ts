/**
 * What a scoped access token may call at the top level: reading one job or batch, the
 * kinds, submitting, and following a job or batch. Everything else — lists, control,
 * webhooks, usage, minting, and any field added later — is FORBIDDEN to a token unless
 * it is named here, so new features are closed to tokens by default.
 */
import type { MiddlewareFn } from 'type-graphql';
import { assertApiKey } from '../auth/access-scope.js';
import type { GraphQLContext } from './context.js';

const ROOT_TYPES = new Set(['Query', 'Mutation', 'Subscription']);
const TOKEN_ROOT_FIELDS = new Set([
  'Query.job',
  'Query.batch',
  'Query.jobKinds',
  'Mutation.submitJob',
  'Mutation.analyzeDocuments',
  // Reviews of the token's own jobs (the resolver checks the scope).
  'Mutation.reviewJob',
  'Subscription.jobEvents',
  'Subscription.jobOutput',
  'Subscription.batchProgress',
]);

export const accessGuard: MiddlewareFn<GraphQLContext> = ({ context, info }, next) => {
  if (context.access?.kind === 'token' && ROOT_TYPES.has(info.parentType.name)) {
    const field = `${info.parentType.name}.${info.fieldName}`;
    if (!TOKEN_ROOT_FIELDS.has(field)) assertApiKey(context.access, field);
  }
  return next();
};

/** The same rule for a subscription's `subscribe`, which middlewares do not wrap. */
export function assertTokenMaySubscribe(context: GraphQLContext, field: string): void {
  if (context.access?.kind === 'token' && !TOKEN_ROOT_FIELDS.has(`Subscription.${field}`)) assertApiKey(context.access, `Subscription.${field}`);
}
