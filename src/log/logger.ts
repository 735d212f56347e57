/**
 * JSON logs (pino). Anything that looks like a credential is redacted by path, and code
 * never logs keys or secrets on purpose: the redaction is the second line of defence.
 */
import { pino, type Logger } from 'pino';
import { activeSpanIds } from '../tracing/index.js';
import { currentRequestId } from './request-scope.js';

export type { Logger };

const REDACT = [
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'apiKey',
  '*.apiKey',
  'key',
  '*.key',
  'secret',
  '*.secret',
  'secrets',
  '*.secrets',
  'connectionParams',
  '*.connectionParams',
  'webhook-signature',
  '*["webhook-signature"]',
];

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      redact: { paths: REDACT, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Lines logged while serving a request carry its id (see request-scope.ts), and lines
      // logged inside a recorded span its trace_id and span_id (tracing on only).
      mixin: () => {
        const requestId = currentRequestId();
        const ids = activeSpanIds();
        return requestId === undefined ? (ids ?? {}) : { requestId, ...ids };
      },
    },
    destination ?? pino.destination({ fd: 2, sync: true }),
  );
}

/** Strips userinfo (user:password@) from a URI before it is shown or logged. */
export function redactUri(uri: string): string {
  return uri.replace(/\/\/[^/@]*@/, '//[redacted]@');
}
