/** Uploading over real HTTP (multipart/form-data, as a browser sends it), the File fields tests read, and a retention sweep at a chosen time. */
import { RetentionLedgerRepository } from '../../src/db/jobs/retention-ledger.repository.js';
import { createLogger } from '../../src/log/logger.js';
import { RetentionSweep, type SweepCounts } from '../../src/retention/retention-sweep.js';
import type { TestApp } from '../support/app.js';

export const FILE_FIELDS = 'id name contentType size sha256 createdAt';

export interface UploadAnswer {
  status: number;
  body: any;
}

/** `POST /files` beside the GraphQL endpoint at `graphqlUrl`, with one part named `file` (or `field`). */
export async function uploadFile(graphqlUrl: string, key: string | undefined, bytes: Uint8Array, name: string, field = 'file'): Promise<UploadAnswer> {
  const form = new FormData();
  form.append(field, new Blob([bytes]), name);
  const res = await fetch(graphqlUrl.replace(/\/graphql$/, '/files'), {
    method: 'POST',
    headers: key ? { authorization: `Bearer ${key}` } : {},
    body: form,
    signal: AbortSignal.timeout(60_000),
  });
  return { status: res.status, body: await res.json() };
}

/** One retention sweep over the app's stores as if it ran at `at` (files expire, cut-off uploads are swept). */
export function retentionSweepAt(app: TestApp, at: Date): Promise<SweepCounts> {
  const { jobStores: stores, webhooks, files, config } = app.services;
  const r = webhooks.repositories;
  return new RetentionSweep({
    ledger: new RetentionLedgerRepository(app.db.db),
    jobs: stores.jobs, live: stores.live, batches: stores.batches, events: stores.events,
    endpoints: r.endpoints, deliveries: r.deliveries, attempts: r.attempts, queue: r.queue,
    files: files.service,
    settings: { ...config.retention, batchSize: 100, pauseMs: 1 },
    logger: createLogger('silent'),
    now: () => at,
  }).sweep();
}
