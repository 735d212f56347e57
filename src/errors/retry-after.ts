/**
 * `Retry-After`: what a refusal (429, 503) says about when to try again, as a delay in ms.
 * One parser for both directions we meet it in: AI providers' answers and webhook receivers'.
 */

// The three HTTP-date forms a recipient must accept (RFC 9110 §5.6.7). Checked by shape
// first because Date.parse alone also "parses" strings such as "1.5".
const IMF_FIXDATE = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const RFC850_DATE = /^[A-Z][a-z]+, \d{2}-[A-Z][a-z]{2}-\d{2} \d{2}:\d{2}:\d{2} GMT$/;
const ASCTIME_DATE = /^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/;

export interface RetryAfterOptions {
  /**
   * Accept fractional seconds (`0.5`), which RFC 9110 does not allow but OpenAI-compatible
   * servers send. @defaultValue false
   */
  fractionalSeconds?: boolean;
}

/**
 * A `Retry-After` value as a delay in ms from `nowMs`: delay-seconds (`120`) or an HTTP-date
 * (`Wed, 21 Oct 2015 07:28:00 GMT`; a date in the past means 0). Undefined when absent or
 * unreadable, so that the caller's own schedule applies.
 */
export function parseRetryAfter(header: string | null | undefined, nowMs: number, opts: RetryAfterOptions = {}): number | undefined {
  if (header == null) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value) || (opts.fractionalSeconds === true && /^\d+\.\d+$/.test(value))) {
    // An absurd number of seconds is still "a very long time"; the caller's cap applies.
    return Math.min(Math.ceil(Number(value) * 1000), Number.MAX_SAFE_INTEGER);
  }
  let dateMs: number;
  if (IMF_FIXDATE.test(value) || RFC850_DATE.test(value)) dateMs = Date.parse(value);
  else if (ASCTIME_DATE.test(value)) dateMs = Date.parse(`${value} GMT`); // asctime is always UTC
  else return undefined;
  if (Number.isNaN(dateMs)) return undefined;
  return Math.max(0, dateMs - nowMs);
}
