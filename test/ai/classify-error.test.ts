import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
} from 'openai';
import { AiError, AiErrorCode, classifyAiError, retryAfterFromHeaders } from '../../src/ai/index.js';

/** Builds the error the SDK itself would throw for this HTTP response. */
const http = (status: number, error: Record<string, unknown> = {}, headers: Record<string, string> = {}): APIError =>
  APIError.generate(status, { error: { message: 'boom', ...error } }, undefined, new Headers(headers));

describe('classifyAiError', () => {
  it('429 is RATE_LIMITED and retryable, honouring retry-after-ms first', () => {
    const err = classifyAiError(http(429, {}, { 'retry-after-ms': '250', 'retry-after': '9' }));
    expect(err).toMatchObject({ code: AiErrorCode.RATE_LIMITED, retryable: true, retryAfterMs: 250, status: 429 });
  });

  it('reads retry-after as seconds or as an HTTP date', () => {
    expect(classifyAiError(http(429, {}, { 'retry-after': '3' })).retryAfterMs).toBe(3_000);
    expect(classifyAiError(http(429, {}, { 'retry-after': '0.5' })).retryAfterMs).toBe(500);
    const now = Date.parse('2025-01-01T00:00:00Z');
    const date = new Date(now + 7_000).toUTCString();
    expect(classifyAiError(http(429, {}, { 'retry-after': date }), { now: () => now }).retryAfterMs).toBe(7_000);
    expect(classifyAiError(http(429)).retryAfterMs).toBeUndefined();
  });

  it('ignores unusable Retry-After values', () => {
    expect(retryAfterFromHeaders(new Headers({ 'retry-after': 'soon' }))).toBeUndefined();
    expect(retryAfterFromHeaders(new Headers({ 'retry-after': '-5' }))).toBeUndefined();
    expect(retryAfterFromHeaders(new Headers({ 'retry-after-ms': 'x', 'retry-after': '2' }))).toBe(2_000);
    const now = Date.parse('2025-01-01T00:00:10Z');
    expect(retryAfterFromHeaders(new Headers({ 'retry-after': 'Wed, 01 Jan 2025 00:00:00 GMT' }), () => now)).toBe(0);
    expect(retryAfterFromHeaders(undefined)).toBeUndefined();
  });

  it('an exhausted quota is RATE_LIMITED but not retryable', () => {
    const err = classifyAiError(http(429, { code: 'insufficient_quota', type: 'insufficient_quota' }, { 'retry-after': '1' }));
    expect(err).toMatchObject({ code: 'RATE_LIMITED', retryable: false });
  });

  it('connection problems: timeout, network, abort', () => {
    expect(classifyAiError(new APIConnectionTimeoutError())).toMatchObject({ code: 'TIMEOUT', retryable: true });
    expect(classifyAiError(new APIConnectionError({ message: 'Connection error.' }))).toMatchObject({
      code: 'NETWORK',
      retryable: true,
    });
    expect(classifyAiError(new APIUserAbortError())).toMatchObject({ code: 'CANCELLED', retryable: false });
    expect(classifyAiError(new DOMException('aborted', 'AbortError'))).toMatchObject({ code: 'CANCELLED' });
  });

  it('5xx is a retryable PROVIDER_ERROR, keeping a Retry-After hint', () => {
    expect(classifyAiError(http(500))).toMatchObject({ code: 'PROVIDER_ERROR', retryable: true, status: 500 });
    expect(classifyAiError(http(503, {}, { 'retry-after': '2' }))).toMatchObject({ retryable: true, retryAfterMs: 2_000 });
  });

  it('context length: by code, or by the message when the code is missing', () => {
    expect(classifyAiError(http(400, { code: 'context_length_exceeded' }))).toMatchObject({
      code: 'CONTEXT_LENGTH_EXCEEDED',
      retryable: false,
    });
    const byMessage = http(400, { code: null, message: "This model's maximum context length is 8192 tokens." });
    expect(classifyAiError(byMessage).code).toBe('CONTEXT_LENGTH_EXCEEDED');
  });

  it('other 400 and 422 are INVALID_INPUT, not retryable', () => {
    expect(classifyAiError(http(400, { code: 'invalid_value' }))).toMatchObject({ code: 'INVALID_INPUT', retryable: false });
    expect(classifyAiError(http(422))).toMatchObject({ code: 'INVALID_INPUT', retryable: false });
  });

  it.each([401, 403, 404, 418])('%i is a PROVIDER_ERROR that a retry will not fix', (status) => {
    expect(classifyAiError(http(status))).toMatchObject({ code: 'PROVIDER_ERROR', retryable: false, status });
  });

  it.each([408, 409])('%i is a transient PROVIDER_ERROR', (status) => {
    expect(classifyAiError(http(status))).toMatchObject({ code: 'PROVIDER_ERROR', retryable: true, status });
  });

  it('anything else is a PROVIDER_ERROR that is not retried', () => {
    expect(classifyAiError(new TypeError('x is not a function'))).toMatchObject({ code: 'PROVIDER_ERROR', retryable: false });
    expect(classifyAiError('a string')).toMatchObject({ code: 'PROVIDER_ERROR', retryable: false });
    expect(classifyAiError(undefined)).toBeInstanceOf(AiError);
  });

  it('passes an AiError through unchanged', () => {
    const original = new AiError('CONTENT_POLICY', 'refused', { retryable: false });
    expect(classifyAiError(original)).toBe(original);
  });

  it('never repeats an API key', () => {
    const leaked = http(401, { message: 'Incorrect API key provided: sk-proj-abcdef1234567890.' });
    const err = classifyAiError(leaked, { secrets: ['my-own-secret'] });
    expect(err.message).not.toContain('abcdef1234567890');
    const custom = classifyAiError(new Error('key my-own-secret rejected'), { secrets: ['my-own-secret'] });
    expect(custom.message).not.toContain('my-own-secret');
  });

  it('serialises without cause or stack', () => {
    const json = classifyAiError(http(429, {}, { 'retry-after-ms': '10' })).withAttempts(3).toJSON();
    expect(json).toEqual({ code: 'RATE_LIMITED', message: expect.any(String), retryable: true, retryAfterMs: 10, status: 429, attempts: 3 });
  });
});
