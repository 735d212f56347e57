/**
 * `Job`: one run of a pipeline. The relational fields `batch`, `events(afterSequence)`
 * and `webhookDeliveries` are added by resolvers with `@FieldResolver`, not here.
 * `tenantId` is internal and never exposed.
 */
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { ExecutionMode, JobStatus } from './enums.js';
import { JobError } from './job-error.type.js';
import { JobStep } from './job-step.type.js';
import { Progress } from './progress.type.js';
import { DateTimeScalar, JSONScalar } from './scalars.js';
import { Usage } from './usage.type.js';

@ObjectType('Job')
export class Job {
  @Field(() => ID)
  id!: string;

  /** Internal: the owning tenant. Not a GraphQL field. */
  tenantId!: string;

  @Field(() => String, { description: 'The pipeline, e.g. document.analyze.' })
  kind!: string;

  @Field(() => JobStatus)
  status!: JobStatus;

  @Field(() => JSONScalar)
  input!: unknown;

  @Field(() => JSONScalar, {
    nullable: true,
    description: 'The final result, kept with the job after it finishes.',
  })
  result?: unknown;

  @Field(() => JobError, { nullable: true })
  error?: JobError | null;

  @Field(() => Progress)
  progress!: Progress;

  @Field(() => [JobStep])
  steps!: JobStep[];

  @Field(() => Int, { description: '1 on the first run.' })
  attempt!: number;

  @Field(() => Int)
  maxAttempts!: number;

  @Field(() => Int)
  priority!: number;

  @Field(() => String, { nullable: true })
  idempotencyKey?: string | null;

  @Field(() => JSONScalar, { nullable: true })
  metadata?: unknown;

  @Field(() => Usage, { description: 'Tokens and calls spent on this job, across all attempts.' })
  usage!: Usage;

  @Field(() => ExecutionMode, { description: "How the job's AI calls are served (REALTIME unless the submission asked for FLEX or BATCH)." })
  executionMode!: ExecutionMode;

  @Field(() => DateTimeScalar, {
    nullable: true,
    description: "BATCH: when the job stops waiting for the provider's batch and makes its remaining AI calls at once. Null for other modes.",
  })
  batchDeadline?: Date | null;

  @Field(() => String, {
    nullable: true,
    description: "BATCH: why the job stopped waiting for the provider's batch (its batch expired or failed, or its batchDeadline passed) and made its remaining AI calls at once; null while it has not.",
  })
  batchFallback?: string | null;

  @Field(() => Boolean, { description: 'Whether the job reuses (and stores) answers of identical AI calls: the response cache.' })
  cache!: boolean;

  @Field(() => DateTimeScalar)
  createdAt!: Date;

  @Field(() => DateTimeScalar, { nullable: true })
  startedAt?: Date | null;

  @Field(() => DateTimeScalar, { nullable: true })
  finishedAt?: Date | null;

  @Field(() => DateTimeScalar, { nullable: true, description: 'The start time asked for on submission (runAt): the job was SCHEDULED until then; null when it was queued at once.' })
  runAt?: Date | null;

  @Field(() => ID, { nullable: true, description: 'The recurring schedule that submitted it (createSchedule); null otherwise.' })
  scheduleId?: string | null;

  @Field(() => String, {
    nullable: true,
    description: "The W3C trace id (32 hex digits) of the job's OpenTelemetry trace: from its submission through every attempt to its webhooks. Null while tracing is off.",
  })
  traceId?: string | null;
}
