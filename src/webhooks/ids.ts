/**
 * Identifiers of webhook messages and deliveries. Both are derived from the event
 * occurrence rather than drawn at random, so that the outbox can be called again for the
 * same event (after a crash, by the sweeper) and arrive at the very same records: the
 * insert then fails on the unique `_id` and nothing is duplicated, on MongoDB and FerretDB.
 */
import { createHash, randomUUID } from 'node:crypto';

function digest(...parts: string[]): Buffer {
  // A newline cannot occur in ids or event keys, so the joined parts cannot collide.
  return createHash('sha256').update(parts.join('\n')).digest();
}

/**
 * The `webhook-id` of one event occurrence of one tenant: the same for every endpoint it
 * goes to (as Svix does) and on every retry and redelivery. `msg_` + 27 base64url chars.
 */
export function messageIdFor(tenantId: string, eventKey: string): string {
  return `msg_${digest('message', tenantId, eventKey).toString('base64url').slice(0, 27)}`;
}

/** The id of the delivery of one event occurrence to one endpoint. */
export function deliveryIdFor(endpointId: string, eventKey: string): string {
  return `whd_${digest('delivery', endpointId, eventKey).toString('hex').slice(0, 32)}`;
}

function finishedEventKey(scope: 'job' | 'batch', id: string, type: string, finishedAt: Date | null): string {
  return `${scope}:${id}:${type}:${finishedAt ? finishedAt.getTime() : 'unfinished'}`;
}

/** An event occurrence key for a job's terminal state: a job retried later finishes again. */
export function jobEventKey(jobId: string, type: string, finishedAt: Date | null): string {
  return finishedEventKey('job', jobId, type, finishedAt);
}

export function batchEventKey(batchId: string, type: string, finishedAt: Date | null): string {
  return finishedEventKey('batch', batchId, type, finishedAt);
}

/** A review's request: one occurrence per review (its job, round, step and key), however often it is announced. */
export function reviewEventKey(jobId: string, round: number, step: string, key: string): string {
  return `review:${jobId}:${round}:${encodeURIComponent(step)}:${encodeURIComponent(key)}`;
}

/** A test event is a new occurrence every time someone asks for one. */
export function testEventKey(): string {
  return `test:${randomUUID()}`;
}

export function newEndpointId(): string {
  return `whe_${randomUUID().replaceAll('-', '')}`;
}
