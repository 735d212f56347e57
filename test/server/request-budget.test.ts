/**
 * The per-request budget on its own: the deadline answers a resolver still waiting, an
 * abandoned request does no further field, and the byte count marks a response too large.
 */
import { RequestBudget, requestBudgetMiddleware } from '../../src/server/request-budget.js';

type Args = Parameters<typeof requestBudgetMiddleware>[0];
const run = (budget: RequestBudget, next: () => Promise<unknown>) => requestBudgetMiddleware({ context: { request: budget } } as unknown as Args, next);

it('answers a resolver still waiting at REQUEST_TIMEOUT_MS with an error naming the limit', async () => {
  const budget = new RequestBudget(100, 1_000_000);
  const err = await run(budget, () => new Promise(() => {})).catch((e: unknown) => e);
  expect((err as { extensions: Record<string, unknown> }).extensions).toMatchObject({ reason: 'REQUEST_TIMEOUT', limit: { name: 'REQUEST_TIMEOUT_MS', value: 100 } });
  // Later fields do no work at all.
  let ran = false;
  await expect(run(budget, async () => (ran = true))).rejects.toMatchObject({ message: expect.stringContaining('REQUEST_TIMEOUT_MS=100') });
  expect(ran).toBe(false);
  budget.finish();
});

it('stops an abandoned request before its next field', async () => {
  const budget = new RequestBudget(60_000, 1_000_000);
  await expect(run(budget, async () => 'first')).resolves.toBe('first');
  budget.abandon();
  let ran = false;
  await expect(run(budget, async () => (ran = true))).rejects.toThrow('closed');
  expect(ran).toBe(false);
  budget.finish();
});

it('marks the response too large once resolved values pass MAX_RESPONSE_BYTES', async () => {
  const budget = new RequestBudget(60_000, 1000);
  await run(budget, async () => ({ text: 'x'.repeat(600) }));
  expect(budget.tooLarge).toBe(false);
  await run(budget, async () => 'y'.repeat(600));
  expect(budget.tooLarge).toBe(true);
  await expect(run(budget, async () => 1)).rejects.toMatchObject({ extensions: { code: 'PAYLOAD_TOO_LARGE' } });
  budget.finish();
});

it('answers TIMEOUT past the deadline, never RATE_LIMITED or a retryAfter', async () => {
  const budget = new RequestBudget(100, 1_000_000);
  const err = (await run(budget, () => new Promise(() => {})).catch((e: unknown) => e)) as { extensions: Record<string, unknown> };
  expect(err.extensions.code).toBe('TIMEOUT');
  expect(err.extensions.retryAfter).toBeUndefined();
  budget.finish();
});

it('counts the deadline from the request\'s arrival, and commit() refuses to start writing past it', () => {
  const budget = new RequestBudget(100, 1_000_000, Date.now() - 200);
  expect(() => budget.commit()).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ code: 'TIMEOUT' }) }));
  expect(budget.isCommitted).toBe(false);
  budget.finish();
});

it('once committed, later fields are answered although the deadline passed', async () => {
  const budget = new RequestBudget(100, 1_000_000);
  budget.commit();
  await expect(run(budget, () => new Promise((r) => budget.signal.addEventListener('abort', () => r('done'))))).resolves.toBe('done');
  await expect(run(budget, async () => 'after')).resolves.toBe('after');
  budget.finish();
});
