/**
 * How a submission asks for its AI calls to be served: `executionMode` (REALTIME, the
 * default, or FLEX: the provider's cheaper, slower tier) and `cache` (reuse stored answers
 * of identical calls). Checked on submission (BAD_USER_INPUT naming the field) and stored
 * on the job only when they differ from the defaults, so older jobs read the same.
 */
import { badInput, EXECUTION_MODES, type ExecutionModeValue } from '../../errors/index.js';

export interface ExecutionOptionsRequest {
  executionMode?: string | null;
  cache?: boolean | null;
}

export interface ExecutionOptionsDoc {
  executionMode?: ExecutionModeValue;
  cache?: boolean;
}

export function checkExecutionOptions(req: ExecutionOptionsRequest, base: readonly string[]): ExecutionOptionsDoc {
  const mode = req.executionMode ?? 'REALTIME';
  if (!(EXECUTION_MODES as readonly string[]).includes(mode)) {
    throw badInput([...base, 'executionMode'], `"${mode}" is not an execution mode; one of: ${EXECUTION_MODES.join(', ')}`);
  }
  if (req.cache !== null && req.cache !== undefined && typeof req.cache !== 'boolean') throw badInput([...base, 'cache'], 'must be true or false');
  return {
    ...(mode !== 'REALTIME' ? { executionMode: mode as ExecutionModeValue } : {}),
    ...(req.cache === true ? { cache: true } : {}),
  };
}
