/**
 * A kinds module: run the service with `JOB_KINDS_MODULE=examples/kinds/index.mjs npm start`.
 * Its default export is an array of kind definitions, plain objects that need no import of
 * the service (`defineJobKind` from 'ai-jobs' only adds types). Its `tools` export is what the
 * built-in `agent` kind may offer a model; a job names the ones it wants.
 */
import { lookupOrder, searchHelpCenter } from './support-tools.mjs';
import { ticketTriage } from './ticket-triage.mjs';

export default [ticketTriage];

export const tools = [lookupOrder, searchHelpCenter];
