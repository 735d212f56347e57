/**
 * A kinds module: run the service with `JOB_KINDS_MODULE=examples/kinds/index.mjs npm start`.
 * Its default export is an array of kind definitions, plain objects that need no import of
 * the service (`defineJobKind` from 'ai-jobs' only adds types).
 */
import { ticketTriage } from './ticket-triage.mjs';

export default [ticketTriage];
