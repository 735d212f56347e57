/** Relay-style connections and edges: jobs, batches and webhook deliveries. */
import { Field, Int, ObjectType } from 'type-graphql';
import { Batch } from './batch.type.js';
import { Job } from './job.type.js';
import { PageInfo } from './page-info.type.js';
import { WebhookDelivery } from './webhook-delivery.type.js';

@ObjectType('JobEdge')
export class JobEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => Job)
  node!: Job;
}

@ObjectType('JobConnection')
export class JobConnection {
  @Field(() => [JobEdge])
  edges!: JobEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  @Field(() => Int)
  totalCount!: number;
}

@ObjectType('BatchEdge')
export class BatchEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => Batch)
  node!: Batch;
}

@ObjectType('BatchConnection')
export class BatchConnection {
  @Field(() => [BatchEdge])
  edges!: BatchEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  @Field(() => Int)
  totalCount!: number;
}

@ObjectType('WebhookDeliveryEdge')
export class WebhookDeliveryEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => WebhookDelivery)
  node!: WebhookDelivery;
}

@ObjectType('WebhookDeliveryConnection')
export class WebhookDeliveryConnection {
  @Field(() => [WebhookDeliveryEdge])
  edges!: WebhookDeliveryEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  @Field(() => Int)
  totalCount!: number;
}
