/** `AccessToken` and `CreateAccessTokenInput`: scoped, short-lived bearer tokens for browsers. */
import { Field, Float, ID, InputType, Int, ObjectType } from 'type-graphql';
import { JobBudgetInput } from './inputs/job-budget.input.js';
import { DateTimeScalar } from './scalars.js';

@InputType('CreateAccessTokenInput')
export class CreateAccessTokenInput {
  @Field(() => [ID], { nullable: true, description: 'Jobs the token may read and subscribe to (at most 100).' })
  jobIds?: string[] | null;

  @Field(() => [ID], { nullable: true, description: 'Batches the token may read and subscribe to, with their jobs (at most 100).' })
  batchIds?: string[] | null;

  @Field(() => [String], {
    nullable: true,
    description: 'Job kinds the token may submit; a job or batch submitted with the token joins its scope. None when omitted.',
  })
  submitKinds?: string[] | null;

  @Field(() => Boolean, {
    nullable: true,
    description: 'May upload files (POST /files) and name them in its submissions; each file it uploads joins its scope (file(id), deleteFile). False when omitted.',
  })
  uploadFiles?: boolean | null;

  @Field(() => Int, { nullable: true, description: 'Lifetime in seconds; 900 (15 minutes) by default, at most 86400 (24 hours) by default.' })
  expiresInSeconds?: number | null;

  @Field(() => [String], { nullable: true, description: "Models the token's jobs may use (job-level and per step); a subset of ACCESS_TOKEN_MODELS, which is the default." })
  models?: string[] | null;

  @Field(() => Int, { nullable: true, description: 'Highest priority a submitted job may ask for; at most ACCESS_TOKEN_MAX_PRIORITY (0 by default), which is the default.' })
  maxPriority?: number | null;

  @Field(() => Int, { nullable: true, description: 'Most attempts a submitted job may ask for; at most ACCESS_TOKEN_MAX_ATTEMPTS, which is the default.' })
  maxAttempts?: number | null;

  @Field(() => Int, { nullable: true, description: "Cap on one AI call's answer in a submitted job; at most ACCESS_TOKEN_MAX_OUTPUT_TOKENS (4096 by default), which is the default." })
  maxOutputTokens?: number | null;

  @Field(() => JobBudgetInput, {
    nullable: true,
    description: 'The budget of every job submitted with the token (a job may name a smaller one); each limit at most ACCESS_TOKEN_JOB_MAX_TOKENS / ACCESS_TOKEN_JOB_MAX_USD, which are the default.',
  })
  budget?: JobBudgetInput | null;
}

@ObjectType('JobBudget', { description: "A job's limits: neither is passed by its AI calls (null: no such limit)." })
export class JobBudget {
  @Field(() => Float, { nullable: true })
  maxCostUsd!: number | null;

  @Field(() => Int, { nullable: true })
  maxTokens!: number | null;
}

@ObjectType('AccessToken', {
  description:
    'A bearer token for HTTP and WebSocket that reads exactly its jobs and batches, and nothing else. It stops working at expiresAt or when the API key that minted it is revoked.',
})
export class AccessToken {
  @Field(() => String, { description: 'at_ followed by base64url: shown once.' })
  token!: string;

  @Field(() => DateTimeScalar)
  expiresAt!: Date;

  @Field(() => [ID])
  jobIds!: string[];

  @Field(() => [ID])
  batchIds!: string[];

  @Field(() => [String])
  submitKinds!: string[];

  @Field(() => Boolean, { description: 'Whether the token may upload files.' })
  uploadFiles!: boolean;

  @Field(() => [String], { description: "Models the token's jobs may use; a job naming another is FORBIDDEN (naming the field)." })
  models!: string[];

  @Field(() => Int, { description: 'Highest priority a submitted job may ask for; a job naming none gets 0, or this when it is below 0.' })
  maxPriority!: number;

  @Field(() => Int, { description: 'Most attempts per submitted job; a job naming none gets the default, capped at this.' })
  maxAttempts!: number;

  @Field(() => Int, { description: "Cap on each AI call's answer; a job naming none is capped at this." })
  maxOutputTokens!: number;

  @Field(() => JobBudget, { description: 'The budget every submitted job gets; a job may name a smaller one, not a larger one.' })
  budget!: JobBudget;
}
