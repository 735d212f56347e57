/** `AccessToken` and `CreateAccessTokenInput`: scoped, short-lived bearer tokens for browsers. */
import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
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
}
