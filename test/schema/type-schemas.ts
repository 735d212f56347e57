/**
 * The classes of src/schema built into schemas of their own, for the contract checks of
 * schema-types.test.ts and schema-scalars.test.ts: throwaway root fields (test only) expose
 * every type, and throwaway field resolvers add the relational fields that other resolvers
 * add with `@FieldResolver`, using the args classes of `src/schema/args.ts`.
 */
import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { Arg, Args, buildSchema, FieldResolver, Mutation, Query, Resolver } from 'type-graphql';
import {
  AnalyzeDocumentsInput,
  Batch,
  BatchConnection,
  BatchEdge,
  BatchJobsArgs,
  CreatedWebhookEndpoint,
  CreateScheduleInput,
  CreateWebhookEndpointInput,
  DeliveriesArgs,
  DocumentInput,
  Job,
  JobConnection,
  JobEdge,
  JobError,
  JobEvent,
  JobEventsArgs,
  JobFilter,
  JobKind,
  JobStep,
  PageArgs,
  PageInfo,
  Progress,
  ReviewAnswer,
  ReviewInput,
  ReviewJobInput,
  Schedule,
  StepReview,
  SubmitJobInput,
  Tenant,
  UpdateScheduleInput,
  UpdateWebhookEndpointInput,
  Usage,
  WebhookAttempt,
  WebhookDelivery,
  WebhookDeliveryConnection,
  WebhookDeliveryEdge,
  WebhookEndpoint,
  File,
  FileConnection,
  FileEdge,
  FileRefInput,
} from '../../src/schema/index.js';

/** Added by other people's resolvers with @FieldResolver. */
export const RELATIONAL_FIELDS = [
  'Job.batch',
  'Job.events',
  'Job.webhookDeliveries',
  'JobEvent.job',
  'Batch.jobs',
  'WebhookEndpoint.deliveries',
  'WebhookDelivery.endpoint',
  'WebhookDelivery.job',
  'Tenant.usage',
  'StepReview.callbackUrl',
  'Schedule.recentJobs',
];
export const ROOT_TYPES = ['Query', 'Mutation', 'Subscription'];

@Resolver()
class ContractTypesResolver {
  @Query(() => Job, { nullable: true })
  tJob(): Job | null {
    return null;
  }
  @Query(() => JobConnection)
  tJobs(
    @Arg('filter', () => JobFilter, { nullable: true }) _filter: JobFilter,
    @Args(() => PageArgs) _page: PageArgs,
  ): JobConnection {
    throw new Error('unused');
  }
  @Query(() => Batch, { nullable: true })
  tBatch(): Batch | null {
    return null;
  }
  @Query(() => BatchConnection)
  tBatches(@Args(() => PageArgs) _page: PageArgs): BatchConnection {
    throw new Error('unused');
  }
  @Query(() => [JobKind])
  tJobKinds(): JobKind[] {
    return [];
  }
  @Query(() => Tenant)
  tViewer(): Tenant {
    throw new Error('unused');
  }
  @Query(() => [WebhookEndpoint])
  tWebhookEndpoints(): WebhookEndpoint[] {
    return [];
  }
  @Query(() => WebhookDelivery, { nullable: true })
  tWebhookDelivery(): WebhookDelivery | null {
    return null;
  }
  @Query(() => WebhookDeliveryConnection)
  tWebhookDeliveries(): WebhookDeliveryConnection {
    throw new Error('unused');
  }
  @Query(() => JobEvent, { nullable: true })
  tJobEvent(): JobEvent | null {
    return null;
  }
  @Query(() => CreatedWebhookEndpoint, { nullable: true })
  tCreatedWebhookEndpoint(): CreatedWebhookEndpoint | null {
    return null;
  }
  @Query(() => Usage, { nullable: true })
  tUsage(): Usage | null {
    return null;
  }

  @Mutation(() => Boolean)
  tSubmitJob(@Arg('input', () => SubmitJobInput) _input: SubmitJobInput): boolean {
    return true;
  }
  @Mutation(() => Boolean)
  tAnalyzeDocuments(@Arg('input', () => AnalyzeDocumentsInput) _input: AnalyzeDocumentsInput): boolean {
    return true;
  }
  @Query(() => Schedule, { nullable: true })
  tSchedule(): Schedule | null {
    return null;
  }
  @Mutation(() => Boolean)
  tReviewJob(@Arg('input', () => ReviewJobInput) _input: ReviewJobInput): boolean {
    return true;
  }
  @Mutation(() => Boolean)
  tCreateSchedule(@Arg('input', () => CreateScheduleInput) _input: CreateScheduleInput): boolean {
    return true;
  }
  @Mutation(() => Boolean)
  tUpdateSchedule(@Arg('input', () => UpdateScheduleInput) _input: UpdateScheduleInput): boolean {
    return true;
  }
  @Mutation(() => Boolean)
  tCreateWebhookEndpoint(
    @Arg('input', () => CreateWebhookEndpointInput) _input: CreateWebhookEndpointInput,
  ): boolean {
    return true;
  }
  @Mutation(() => Boolean)
  tUpdateWebhookEndpoint(
    @Arg('input', () => UpdateWebhookEndpointInput) _input: UpdateWebhookEndpointInput,
  ): boolean {
    return true;
  }
}

@Resolver(() => Job)
class TestJobRelations {
  @FieldResolver(() => Batch, { nullable: true })
  batch(): Batch | null {
    return null;
  }
  @FieldResolver(() => [JobEvent])
  events(@Args(() => JobEventsArgs) _args: JobEventsArgs): JobEvent[] {
    return [];
  }
  @FieldResolver(() => [WebhookDelivery])
  webhookDeliveries(): WebhookDelivery[] {
    return [];
  }
}

@Resolver(() => JobEvent)
class TestJobEventRelations {
  @FieldResolver(() => Job)
  job(): Job {
    throw new Error('unused');
  }
}

@Resolver(() => Batch)
class TestBatchRelations {
  @FieldResolver(() => JobConnection)
  jobs(@Args(() => BatchJobsArgs) _args: BatchJobsArgs): JobConnection {
    throw new Error('unused');
  }
}

@Resolver(() => WebhookEndpoint)
class TestWebhookEndpointRelations {
  @FieldResolver(() => WebhookDeliveryConnection)
  deliveries(@Args(() => DeliveriesArgs) _args: DeliveriesArgs): WebhookDeliveryConnection {
    throw new Error('unused');
  }
}

@Resolver(() => WebhookDelivery)
class TestWebhookDeliveryRelations {
  @FieldResolver(() => WebhookEndpoint)
  endpoint(): WebhookEndpoint {
    throw new Error('unused');
  }
  @FieldResolver(() => Job, { nullable: true })
  job(): Job | null {
    return null;
  }
}

@Resolver(() => StepReview)
class TestStepReviewRelations {
  @FieldResolver(() => String, { nullable: true })
  callbackUrl(): string | null {
    return null;
  }
}

@Resolver(() => Schedule)
class TestScheduleRelations {
  @FieldResolver(() => [Job])
  recentJobs(): Job[] {
    return [];
  }
}

@Resolver(() => Tenant)
class TestTenantRelations {
  @FieldResolver(() => Usage)
  usage(): Usage {
    throw new Error('unused');
  }
}

const ORPHANED_TYPES = [
  StepReview,
  ReviewAnswer,
  ReviewInput,
  Schedule,
  Usage,
  Progress,
  JobError,
  JobStep,
  Job,
  JobEvent,
  Batch,
  JobKind,
  Tenant,
  PageInfo,
  JobEdge,
  JobConnection,
  BatchEdge,
  BatchConnection,
  WebhookEndpoint,
  CreatedWebhookEndpoint,
  WebhookDelivery,
  WebhookAttempt,
  WebhookDeliveryEdge,
  WebhookDeliveryConnection,
  JobFilter,
  SubmitJobInput,
  DocumentInput,
  AnalyzeDocumentsInput,
  CreateWebhookEndpointInput,
  UpdateWebhookEndpointInput,
  File,
  FileEdge,
  FileConnection,
  FileRefInput,
];

export interface TypeSchemas {
  /** Only the classes of src/schema (plus throwaway root fields). */
  typesOnly: GraphQLSchema;
  /** typesOnly plus throwaway field resolvers for the relational fields. */
  withRelations: GraphQLSchema;
}

export async function buildTypeSchemas(): Promise<TypeSchemas> {
  // Order matters: type-graphql keeps fields added by field resolvers in its global
  // metadata after a build, so the schema without them must be built first.
  const typesOnly = await buildSchema({
    resolvers: [ContractTypesResolver],
    orphanedTypes: ORPHANED_TYPES,
    validate: false,
  });
  const withRelations = await buildSchema({
    resolvers: [
      ContractTypesResolver,
      TestJobRelations,
      TestJobEventRelations,
      TestBatchRelations,
      TestWebhookEndpointRelations,
      TestWebhookDeliveryRelations,
      TestTenantRelations,
      TestStepReviewRelations,
      TestScheduleRelations,
    ],
    orphanedTypes: ORPHANED_TYPES,
    validate: false,
  });
  return { typesOnly, withRelations };
}
