/**
 * aijobs_db_commands_total: every command a monitored client sends is counted once, by its
 * name and the collection it names (getMore's in `collection`; none for a ping), on the
 * run's real database server.
 */
import { connectMongo, type DbConnection } from '../../src/db/client.js';
import { collectionOf, countDbCommands } from '../../src/metrics/db-commands.js';
import { dbCommands } from '../../src/metrics/metrics.js';
import { createTestDb, type TestDb } from '../support/db.js';

let testDb: TestDb;
let monitored: DbConnection;

beforeAll(async () => {
  testDb = await createTestDb('dbcommands');
  monitored = await connectMongo(testDb.uri, testDb.name, { monitorCommands: true });
  countDbCommands(monitored.client);
});

afterAll(async () => {
  await monitored?.close();
  await testDb?.close();
});

const count = async (command: string, collection: string): Promise<number> =>
  (await dbCommands.get()).values.find((v) => v.labels.command === command && v.labels.collection === collection)?.value ?? 0;

test('the collection of a command: the value of its name, or getMore\'s collection, else none', () => {
  expect(collectionOf({ commandName: 'find', command: { find: 'jobs', filter: {} } })).toBe('jobs');
  expect(collectionOf({ commandName: 'insert', command: { insert: 'job_events', documents: [] } })).toBe('job_events');
  expect(collectionOf({ commandName: 'getMore', command: { getMore: 1n, collection: 'live_jobs' } })).toBe('live_jobs');
  expect(collectionOf({ commandName: 'ping', command: { ping: 1 } })).toBe('');
});

test('each command the client sends is counted once, by name and collection', async () => {
  const before = { insert: await count('insert', 'counted'), find: await count('find', 'counted'), update: await count('update', 'counted'), ping: await count('ping', '') };
  const col = monitored.db.collection<{ _id: string; n: number }>('counted');
  await col.insertMany([{ _id: 'a', n: 1 }, { _id: 'b', n: 2 }]);
  await col.findOne({ _id: 'a' });
  await col.findOne({ _id: 'b' });
  await col.updateOne({ _id: 'a' }, { $set: { n: 3 } });
  await monitored.db.command({ ping: 1 });
  // A client without monitoring is not counted.
  await testDb.db.collection<{ _id: string; n: number }>('counted').findOne({ _id: 'a' });

  expect((await count('insert', 'counted')) - before.insert).toBe(1);
  expect((await count('find', 'counted')) - before.find).toBe(2);
  expect((await count('update', 'counted')) - before.update).toBe(1);
  expect((await count('ping', '')) - before.ping).toBe(1);
});
