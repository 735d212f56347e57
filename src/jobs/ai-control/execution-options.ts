/**
 * How a submission asks for its AI calls to be served: `executionMode` (REALTIME, the
 * default; FLEX: the provider's cheaper, slower tier; BATCH: the provider's Batch API),
 * `batchDeadline` (BATCH only: when to stop waiting for the provider) and `cache` (reuse
 * stored answers of identical calls). Checked on submission (BAD_USER_INPUT naming the
 * field) and stored on the job only when they differ from the defaults, so older jobs read the same.
 */
import { badInput, EXECUTION_MODES, type ExecutionModeValue } from '../../errors/index.js';

export interface ExecutionOptionsRequest {
  executionMode?: string | null;
  cache?: boolean | null;
  /** BATCH only: calls not answered by then are made at once. Absent: AI_BATCH_DEADLINE after the submission. */
  batchDeadline?: Date | null;
}

export interface ExecutionOptionsDoc {
  executionMode?: ExecutionModeValue;
  cache?: boolean;
  /** As asked for (a default deadline is set on the job, not here: it is no part of the request's identity). */
  batchDeadline?: Date;
}

export function checkExecutionOptions(req: ExecutionOptionsRequest, base: readonly string[], now = new Date()): ExecutionOptionsDoc {
  const mode = req.executionMode ?? 'REALTIME';
  if (!(EXECUTION_MODES as readonly string[]).includes(mode)) {
    throw badInput([...base, 'executionMode'], `"${mode}" is not an execution mode; one of: ${EXECUTION_MODES.join(', ')}`);
  }
  if (req.cache !== null && req.cache !== undefined && typeof req.cache !== 'boolean') throw badInput([...base, 'cache'], 'must be true or false');
  const deadline = req.batchDeadline ?? null;
  if (deadline !== null) {
    if (mode !== 'BATCH') throw badInput([...base, 'batchDeadline'], `applies to executionMode BATCH only, not ${mode}`);
    if (!(deadline instanceof Date) || Number.isNaN(deadline.getTime())) throw badInput([...base, 'batchDeadline'], 'must be a date and time');
    if (deadline.getTime() <= now.getTime()) throw badInput([...base, 'batchDeadline'], `must be in the future; it is ${deadline.toISOString()}`);
  }
  return {
    ...(mode !== 'REALTIME' ? { executionMode: mode as ExecutionModeValue } : {}),
    ...(req.cache === true ? { cache: true } : {}),
    ...(deadline !== null ? { batchDeadline: deadline } : {}),
  };
}

/**
 * The deadline a BATCH job gets: the one asked for, else `defaultMs` after `startsAt` (its
 * submission, or its runAt); none for other modes. One asked for must be after the start.
 */
export function batchDeadlineOf(options: ExecutionOptionsDoc, startsAt: Date, defaultMs: number, base: readonly string[] = ['input']): Date | undefined {
  if (options.executionMode !== 'BATCH') return undefined;
  if (options.batchDeadline && options.batchDeadline.getTime() <= startsAt.getTime()) {
    throw badInput([...base, 'batchDeadline'], `must be after the job's start (runAt ${startsAt.toISOString()})`);
  }
  return options.batchDeadline ?? new Date(startsAt.getTime() + defaultMs);
}
