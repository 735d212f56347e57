/**
 * Usage sums kept as calls are recorded: exact under concurrent writers of one tenant
 * (several per process, several processes), on FerretDB where `$inc` is read-modify-write.
 */
import { UsageTotalsRepository } from '../../../src/db/jobs/usage-totals.repository.js';
import { createTestDb, type TestDb } from '../../support/db.js';

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb('usage_totals');
});
afterAll(async () => {
  await db?.close();
});

const call = (tokens: number, costUsd: number | null = 0.001) => ({ calls: 1, promptTokens: tokens, completionTokens: 1, totalTokens: tokens + 1, costUsd });

it('adds up every call recorded at once by two processes, per tenant and per batch', async () => {
  // Two repositories stand for two worker processes: each writes its own shard.
  const [p1, p2] = [new UsageTotalsRepository(db.db), new UsageTotalsRepository(db.db)];
  await p1.ensureIndexes();
  const writes = [];
  for (let i = 0; i < 40; i++) writes.push((i % 2 ? p1 : p2).record('t1', i % 4 === 0 ? 'b1' : null, call(10)));
  await Promise.all(writes);
  // Calls recorded without a realtime cost cost what they would have at the realtime rate.
  expect(await p1.total('tenant', 't1')).toEqual({ calls: 40, promptTokens: 400, completionTokens: 40, totalTokens: 440, costUsd: 0.04, cachedCalls: 0, cachedPromptTokens: 0, realtimeCostUsd: 0.04 });
  expect(await p2.total('batch', 'b1')).toEqual({ calls: 10, promptTokens: 100, completionTokens: 10, totalTokens: 110, costUsd: 0.01, cachedCalls: 0, cachedPromptTokens: 0, realtimeCostUsd: 0.01 });
  expect(await p2.total('tenant', 'nobody')).toEqual({ calls: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0, costUsd: 0, cachedCalls: 0, cachedPromptTokens: 0, realtimeCostUsd: 0 });
});

it('sums what the calls would have cost at the realtime rate beside what they cost (a batch answer, a reused one)', async () => {
  const p = new UsageTotalsRepository(db.db);
  await p.record('t3', null, { ...call(10, 0.0005), realtimeCostUsd: 0.001 });
  await p.record('t3', null, { calls: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0, costUsd: 0, cachedCalls: 1, realtimeCostUsd: 0.002 });
  expect(await p.total('tenant', 't3')).toMatchObject({ calls: 1, cachedCalls: 1, costUsd: 0.0005, realtimeCostUsd: 0.003 });
});

it('makes the cost unknown (null) once a call without a price is recorded', async () => {
  const p = new UsageTotalsRepository(db.db);
  await p.record('t2', null, call(5));
  await p.record('t2', null, call(5, null));
  expect(await p.total('tenant', 't2')).toMatchObject({ calls: 2, costUsd: null });
});
