/**
 * Checks that the type-graphql classes of `src/schema/` emit a compatible superset
 * of the public contract (`contract/schema.graphql`), using graphql-js' `findBreakingChanges`
 * and `findDangerousChanges` (an added enum value allowed) and a comparison of descriptions.
 *
 * The root fields (Query/Mutation/Subscription) and the relational fields that other
 * resolvers add with `@FieldResolver` are filtered out by name and printed. A second
 * schema adds throwaway field resolvers for the relational fields using the args
 * classes of `src/schema/args.ts`, to check their argument types and defaults.
 */
import 'reflect-metadata';
import {
  findBreakingChanges,
  GraphQLEnumType,
  GraphQLInputObjectType,
  GraphQLInterfaceType,
  GraphQLObjectType,
  GraphQLScalarType,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';
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
  DateTimeScalar,
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
  JSONScalar,
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
import { contractSchema, dangerousChanges } from '../support/contract.js';

/** Added by other people's resolvers with @FieldResolver. */
const RELATIONAL_FIELDS = [
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
const ROOT_TYPES = ['Query', 'Mutation', 'Subscription'];

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const ROOT_RE = new RegExp(`^(${ROOT_TYPES.join('|')})(\\.|\\s)`);
const RELATIONAL_RE = new RegExp(`^(${RELATIONAL_FIELDS.map(escape).join('|')})(\\s|$)`);

interface Change {
  type: string;
  description: string;
}

function split(changes: readonly Change[], filterRelational: boolean) {
  const kept: Change[] = [];
  const filtered: Change[] = [];
  for (const c of changes) {
    if (ROOT_RE.test(c.description) || (filterRelational && RELATIONAL_RE.test(c.description))) {
      filtered.push(c);
    } else {
      kept.push(c);
    }
  }
  return { kept, filtered };
}

const fmt = (cs: readonly Change[]): string => cs.map((c) => `  ${c.type}: ${c.description}`).join('\n');

// ---- Throwaway resolvers (test only) ------------------------------------------------

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

// ---- Schemas ------------------------------------------------------------------------

let contract: GraphQLSchema;
/** Only the classes of src/schema (plus throwaway root fields). */
let typesOnly: GraphQLSchema;
/** typesOnly plus throwaway field resolvers for the relational fields. */
let withRelations: GraphQLSchema;

beforeAll(async () => {
  contract = contractSchema();
  // Order matters: type-graphql keeps fields added by field resolvers in its global
  // metadata after a build, so the schema without them must be built first.
  typesOnly = await buildSchema({
    resolvers: [ContractTypesResolver],
    orphanedTypes: ORPHANED_TYPES,
    validate: false,
  });
  withRelations = await buildSchema({
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
});

describe('src/schema against the contract', () => {
  it('has no breaking changes apart from root and relational fields', () => {
    const breaking = split(findBreakingChanges(contract, typesOnly), true);
    const dangerous = split(dangerousChanges(contract, typesOnly), true);
    // Root and relational fields come from resolvers; test/foundation/schema-contract
    // checks the whole emitted schema, those included.
    expect(fmt(breaking.kept)).toBe('');
    expect(fmt(dangerous.kept)).toBe('');
    // Every relational field is indeed absent from the type classes.
    for (const name of RELATIONAL_FIELDS) {
      expect(breaking.filtered.map((c) => c.description)).toContain(`${name} was removed.`);
    }
  });

  it('args classes match the contract arguments of the relational fields', () => {
    const breaking = split(findBreakingChanges(contract, withRelations), false);
    const dangerous = split(dangerousChanges(contract, withRelations), false);
    expect(fmt(breaking.kept)).toBe('');
    // Catches a missing or different default (ARG_DEFAULT_VALUE_CHANGE is "dangerous").
    expect(fmt(dangerous.kept)).toBe('');
  });

  it('PageArgs emits first: Int = 20, after: String like Query.jobs/batches', () => {
    const emitted = (typesOnly.getQueryType()!.getFields().tBatches!.args ?? []).map((a) => [
      a.name,
      String(a.type),
      a.defaultValue,
    ]);
    const wanted = contract
      .getQueryType()!
      .getFields()
      .batches!.args.map((a) => [a.name, String(a.type), a.defaultValue]);
    expect(emitted).toEqual(wanted);
  });

  it('carries over the contract descriptions', () => {
    const missing: string[] = [];
    const check = (what: string, want: string | null | undefined, got: string | null | undefined) => {
      if (want && want !== got) missing.push(`${what}: want ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
    };
    for (const type of Object.values(contract.getTypeMap()) as GraphQLNamedType[]) {
      if (type.name.startsWith('__') || ROOT_TYPES.includes(type.name)) continue;
      const emitted = withRelations.getType(type.name);
      if (!emitted) {
        missing.push(`${type.name}: type missing`);
        continue;
      }
      if (type instanceof GraphQLScalarType && ['String', 'Int', 'Float', 'Boolean', 'ID'].includes(type.name)) {
        continue;
      }
      check(type.name, type.description, emitted.description);
      if (type instanceof GraphQLEnumType && emitted instanceof GraphQLEnumType) {
        for (const v of type.getValues()) check(`${type.name}.${v.name}`, v.description, emitted.getValue(v.name)?.description);
      }
      if (
        (type instanceof GraphQLObjectType || type instanceof GraphQLInterfaceType || type instanceof GraphQLInputObjectType) &&
        (emitted instanceof GraphQLObjectType || emitted instanceof GraphQLInterfaceType || emitted instanceof GraphQLInputObjectType)
      ) {
        const got = emitted.getFields();
        for (const f of Object.values(type.getFields())) {
          if (RELATIONAL_FIELDS.includes(`${type.name}.${f.name}`)) continue; // the resolvers' job
          check(`${type.name}.${f.name}`, f.description, got[f.name]?.description);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('does not expose Job.tenantId', () => {
    const job = typesOnly.getType('Job') as GraphQLObjectType;
    expect(Object.keys(job.getFields())).not.toContain('tenantId');
  });

  it('uses exactly the DateTime and JSON scalars of src/schema/scalars.ts', () => {
    expect(typesOnly.getType('DateTime')).toBe(DateTimeScalar);
    expect(typesOnly.getType('JSON')).toBe(JSONScalar);
    // type-graphql's own Date scalar must not sneak in through inferred metadata.
    expect(typesOnly.getType('DateTimeISO')).toBeUndefined();
  });

  it('DateTime serializes to an ISO-8601 UTC string and parses to a Date', () => {
    expect(DateTimeScalar.serialize(new Date(Date.UTC(2026, 10, 27, 12)))).toBe('2026-11-27T12:00:00.000Z');
    expect(DateTimeScalar.serialize('2026-11-27T13:00:00+01:00')).toBe('2026-11-27T12:00:00.000Z');
    const parsed = DateTimeScalar.parseValue('2026-11-27T12:00:00.000Z');
    expect(parsed).toBeInstanceOf(Date);
    expect(() => DateTimeScalar.serialize('not a date')).toThrow();
  });
});
