/**
 * Shared pieces of the subscription tests: queries, gates for the fake OpenAI server
 * (so a test decides when a job may go on, instead of sleeping), deadlines, and the
 * shapes the subscriptions deliver.
 */
import type { Client } from 'graphql-ws';
import { createApiKey } from '../../../src/auth/api-keys.js';
import { TenantsRepository } from '../../../src/db/tenants/tenants.repository.js';
import type { TestDb } from '../../support/db.js';
import type { FakeOpenAi } from '../../support/fake-openai.js';
import { within } from '../../support/eventually.js';
import { gqlData } from '../../support/graphql-client.js';
import type { ServiceProcess } from '../../support/service-process.js';

export const JOB_EVENTS = `subscription($jobId: ID!, $after: Int) {
  jobEvents(jobId: $jobId, afterSequence: $after) {
    id jobId sequence type at message step { name status } progress { completed total } job { id status }
  }
}`;

export const BATCH_PROGRESS = `subscription($batchId: ID!) {
  batchProgress(batchId: $batchId) {
    id status total queued running succeeded failed cancelled progress { completed total percent message }
  }
}`;

export const TENANT_JOB_EVENTS = `subscription { tenantJobEvents { id jobId sequence type } }`;

export interface Ev {
  id: string;
  jobId: string;
  sequence: number;
  type: string;
  at: string;
  message: string | null;
  step: { name: string; status: string } | null;
  progress: { completed: number; total: number };
  job: { id: string; status: string };
}

export interface BatchItem {
  id: string;
  status: string;
  total: number;
  queued: number;
  running: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  progress: { completed: number; total: number; percent: number; message: string | null };
}

export const range = (from: number, to: number): number[] => Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
export const seqs = (items: Ev[]): number[] => items.map((e) => e.sequence);

export { within };

/** The close code of a graphql-ws sink error (a CloseEvent), if it is one. */
export function closeCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** The `extensions.code` values of collected errors (GraphQL errors, or arrays of them). */
export function errorCodes(errors: unknown[]): unknown[] {
  return errors.flat().map((e) => (e as { extensions?: { code?: unknown } } | null)?.extensions?.code);
}

/**
 * Named gates on the fake OpenAI server: a request whose messages contain a gate's name
 * waits until the test opens that gate. Everything else is answered after `delayMs`.
 */
export class Gates {
  private readonly gates = new Map<string, { opened: Promise<void>; open: () => void }>();

  constructor(fake: FakeOpenAi, delayMs = 20) {
    fake.onRequest(async (req) => {
      const text = JSON.stringify(req.body?.messages ?? '');
      for (const [name, gate] of this.gates) if (text.includes(name)) await gate.opened;
      return { delayMs };
    });
  }

  /** A new closed gate; its name goes into a prompt or document. */
  add(name: string): string {
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    this.gates.set(name, { opened, open });
    return name;
  }

  open(name: string): void {
    this.gates.get(name)?.open();
  }

  openAll(): void {
    for (const gate of this.gates.values()) gate.open();
  }
}

export async function newKey(db: TestDb, tenant: string): Promise<string> {
  return (await createApiKey(new TenantsRepository(db.db), tenant)).key;
}

export async function submitChain(url: string, key: string, prompts: string[]): Promise<string> {
  const steps = prompts.map((prompt, i) => ({ name: `s${i + 1}`, prompt }));
  const data = await gqlData<{ submitJob: { id: string } }>(
    url,
    key,
    'mutation($input: SubmitJobInput!) { submitJob(input: $input) { id } }',
    { input: { kind: 'chain', input: { steps } } },
  );
  return data.submitJob.id;
}

/** The job's stored events (sequence, type, step name), read over HTTP. */
export async function storedEvents(url: string, key: string, jobId: string): Promise<Array<{ sequence: number; type: string; step: { name: string } | null }>> {
  const data = await gqlData(url, key, 'query($id: ID!) { job(id: $id) { events { sequence type step { name } } } }', { id: jobId });
  return data.job.events;
}

/** Disposes clients and stops processes, whatever state they are in; never throws. */
export async function stopAll(clients: Client[], processes: Array<ServiceProcess | undefined>): Promise<void> {
  await Promise.allSettled(clients.map((c) => within(Promise.resolve(c.dispose()), 5_000, 'client dispose')));
  await Promise.allSettled(processes.filter((p): p is ServiceProcess => p !== undefined).map((p) => p.stop('SIGTERM', 15_000)));
}
