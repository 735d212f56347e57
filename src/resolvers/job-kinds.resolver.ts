/** `jobKinds`: the pipelines this deployment runs, with their steps and input schema. */
import { Ctx, Query, Resolver } from 'type-graphql';
import { JobKind } from '../schema/index.js';
import type { GraphQLContext } from './context.js';

@Resolver(() => JobKind)
export class JobKindsResolver {
  @Query(() => [JobKind], { description: 'The pipelines this deployment runs, with their steps, and the tools an agent job may name.' })
  jobKinds(@Ctx() ctx: GraphQLContext): JobKind[] {
    return ctx.services.jobs.kinds().map((p) => ({
      name: p.kind,
      description: p.description,
      steps: [...p.stepNames],
      inputSchema: p.inputSchema,
      options: [...p.options],
      models: [...ctx.services.jobs.models()],
      tools: (p.tools?.() ?? []).map((t) => ({ name: t.name, description: t.description, parameters: t.parameters, server: t.server })),
    }));
  }
}
