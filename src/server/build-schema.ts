/** Builds the executable GraphQL schema from the type-graphql classes; needs no database. */
import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { createPubSub } from '@graphql-yoga/subscription';
import { buildSchema } from 'type-graphql';
import { accessGuard } from '../resolvers/access-guard.middleware.js';
import { resolvers } from '../resolvers/index.js';
import { requestBudgetMiddleware } from './request-budget.js';

let cached: Promise<GraphQLSchema> | undefined;

export function buildAppSchema(): Promise<GraphQLSchema> {
  cached ??= buildSchema({
    resolvers: [...resolvers] as unknown as [Function, ...Function[]],
    // Inputs are checked by hand in the domain, with errors that name their path.
    validate: false,
    // Every @Subscription brings its own `subscribe`; type-graphql still insists on a pubSub.
    pubSub: createPubSub(),
    // Scoped access tokens reach only the root fields the guard names; then the request budget.
    globalMiddlewares: [accessGuard, requestBudgetMiddleware],
  });
  return cached;
}
