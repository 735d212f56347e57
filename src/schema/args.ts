/**
 * Reusable `@ArgsType` classes for resolvers of paginated and relational fields.
 *
 * A default only reaches the SDL as `first: Int = 20` with `nullable: true` set
 * explicitly: type-graphql 2 does not make a field with a default nullable, and
 * `Int! = 20` would be a breaking change against the contract. A client may still
 * pass `first: null` explicitly, hence `number | null`.
 */
import { ArgsType, Field, Int } from 'type-graphql';
import { JobStatus, WebhookDeliveryStatus } from './enums.js';

/** `first: Int = 20, after: String` (e.g. `Query.jobs`, `Query.batches`). */
@ArgsType()
export class PageArgs {
  @Field(() => Int, { nullable: true })
  first: number | null = 20;

  @Field(() => String, { nullable: true })
  after?: string | null;
}

/** `Batch.jobs(status: JobStatus, first: Int = 50, after: String)`. */
@ArgsType()
export class BatchJobsArgs {
  @Field(() => JobStatus, { nullable: true })
  status?: JobStatus | null;

  @Field(() => Int, { nullable: true })
  first: number | null = 50;

  @Field(() => String, { nullable: true })
  after?: string | null;
}

/** `WebhookEndpoint.deliveries(status: WebhookDeliveryStatus, first: Int = 20, after: String)`. */
@ArgsType()
export class DeliveriesArgs {
  @Field(() => WebhookDeliveryStatus, { nullable: true })
  status?: WebhookDeliveryStatus | null;

  @Field(() => Int, { nullable: true })
  first: number | null = 20;

  @Field(() => String, { nullable: true })
  after?: string | null;
}

/** `Job.events(afterSequence: Int, limit: Int = 100)`: a page; the next one starts after its last sequence. */
@ArgsType()
export class JobEventsArgs {
  @Field(() => Int, { nullable: true })
  afterSequence?: number | null;

  @Field(() => Int, { nullable: true, description: 'At most this many events (1 to 1000); continue with afterSequence set to the last one.' })
  limit: number | null = 100;
}
