/**
 * The cap on one WebSocket message's size (MAX_RESPONSE_BYTES): an oversized result is
 * replaced by a PAYLOAD_TOO_LARGE error rather than sent.
 */
import type { FormattedExecutionResult } from 'graphql';
import { responseTooLargeError } from './request-budget.js';

export function responseTooLarge(result: FormattedExecutionResult | { data?: unknown; errors?: readonly unknown[] }, maxBytes: number): FormattedExecutionResult | undefined {
  if (Buffer.byteLength(JSON.stringify(result)) <= maxBytes) return undefined;
  return { data: null, errors: [responseTooLargeError(maxBytes).toJSON()] };
}
