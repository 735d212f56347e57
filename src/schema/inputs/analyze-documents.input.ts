/** `AnalyzeDocumentsInput`: the argument of `Mutation.analyzeDocuments`. */
import { Field, Float, InputType, Int } from 'type-graphql';
import { ExecutionMode } from '../enums.js';
import { DateTimeScalar, JSONScalar } from '../scalars.js';
import { JobBudgetInput } from './job-budget.input.js';
import { DocumentInput } from './document.input.js';
import { ReviewInput } from './review.input.js';

@InputType('AnalyzeDocumentsInput')
export class AnalyzeDocumentsInput {
  @Field(() => [DocumentInput])
  documents!: DocumentInput[];

  @Field(() => String, {
    nullable: true,
    description: "Extra instructions for the analysis, e.g. 'focus on risks'.",
  })
  instructions?: string | null;

  @Field(() => ReviewInput, {
    nullable: true,
    description: "Review each document's analysis before it is final: its job waits in AWAITING_REVIEW at its `review` step (reviewJob, or the job.review_requested webhook's callback URL).",
  })
  review?: ReviewInput | null;

  @Field(() => String, { nullable: true })
  idempotencyKey?: string | null;

  @Field(() => JSONScalar, { nullable: true })
  metadata?: unknown;

  @Field(() => DateTimeScalar, {
    nullable: true,
    description: 'When to start (ISO-8601): the job is SCHEDULED until then, holding no worker, listed and cancellable, and starts within about a poll interval (JOB_POLL_INTERVAL) of it. Absent or not in the future: queued now. At most RUN_AT_MAX_AHEAD ahead.',
  })
  runAt?: Date | null;

  @Field(() => String, {
    nullable: true,
    description: "The model for every AI call of the job (a chain step may name its own). One of the deployment's AI_MODELS; default OPENAI_MODEL. Documents are chunked to fit this model's context window.",
  })
  model?: string | null;

  @Field(() => Float, { nullable: true, description: 'Sampling temperature, 0 to 2; default: the provider\'s.' })
  temperature?: number | null;

  @Field(() => Int, { nullable: true, description: "Cap on each AI answer in tokens; default: the provider's." })
  maxOutputTokens?: number | null;

  @Field(() => JobBudgetInput, { nullable: true, description: "This job's spending limits." })
  budget?: JobBudgetInput | null;

  @Field(() => ExecutionMode, {
    nullable: true,
    description:
      "REALTIME (the default); FLEX: the provider's cheaper, slower tier for every AI call of the job, priced at the flex rate; BATCH: the provider's Batch API, answers within 24 h at the batch rate, no worker held while the job waits (AWAITING_BATCH).",
  })
  executionMode?: ExecutionMode | null;

  @Field(() => DateTimeScalar, {
    nullable: true,
    description:
      "BATCH only: the AI calls still unanswered by the provider's batch at this time are made at once instead (at the realtime rate). Must be in the future. Default: AI_BATCH_DEADLINE (24 h) after the submission.",
  })
  batchDeadline?: Date | null;

  @Field(() => Boolean, {
    nullable: true,
    description: "Reuse the stored answer of an identical AI call (same model, messages and parameters) made by one of this tenant's cache-enabled jobs within AI_CACHE_TTL, at no cost; the answer of each call this job pays for is stored for reuse. Never shared between tenants. Default false.",
  })
  cache?: boolean | null;
}
