/**
 * The type-graphql classes of the public contract (`contract/schema.graphql`):
 * scalars, enums, object types, connections, inputs and reusable args.
 * Relational fields are added by resolvers with `@FieldResolver`.
 */
export * from './scalars.js';
export * from './enums.js';
export * from './usage.type.js';
export * from './progress.type.js';
export * from './job-error.type.js';
export * from './step-review.type.js';
export * from './job-step.type.js';
export * from './job.type.js';
export * from './agent-activity.type.js';
export * from './job-event.type.js';
export * from './batch.type.js';
export * from './job-kind.type.js';
export * from './tenant.type.js';
export * from './page-info.type.js';
export * from './connections.js';
export * from './webhook-endpoint.type.js';
export * from './created-webhook-endpoint.type.js';
export * from './webhook-delivery.type.js';
export * from './webhook-attempt.type.js';
export * from './webhook-recovery.type.js';
export * from './recover-webhook-deliveries.args.js';
export * from './inputs/index.js';
export * from './args.js';
export * from './access-token.type.js';
export * from './tenant-budget.type.js';
export * from './job-output.type.js';
export * from './schedule.type.js';
