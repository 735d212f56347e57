/**
 * Group commit for keyed inserts, against the real test server: inserts asked for at once go
 * out in one or two statements, each keeps its own outcome (stored, or its key taken), and
 * what fails is reported to exactly the callers it concerns.
 */
import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { InsertBatcher } from '../../src/db/insert-batcher.js';
import { testServerUri } from '../support/db.js';

interface Doc {
  _id: string;
  n: number;
}

let client: MongoClient;
let statements: string[] = [];
const dbName = `batcher_${randomBytes(6).toString('hex')}`;

beforeAll(async () => {
  client = new MongoClient(testServerUri(), { monitorCommands: true });
  await client.connect();
  client.on('commandStarted', (e) => statements.push(e.commandName));
});

afterAll(async () => {
  await client.db(dbName).dropDatabase().catch(() => {});
  await client.close();
});

beforeEach(() => {
  statements = [];
});

test('fifty inserts asked for at once share a statement or two, and every document is stored', async () => {
  const collection = client.db(dbName).collection<Doc>('many');
  const batcher = new InsertBatcher(collection);
  const outcomes = await Promise.all(Array.from({ length: 50 }, (_, n) => batcher.insert({ _id: `d${n}`, n })));
  expect(outcomes).toEqual(Array(50).fill(true));
  // The first goes alone, the other 49 ride together in the next one.
  expect(statements.filter((s) => s === 'insert')).toHaveLength(2);
  expect(await collection.countDocuments({})).toBe(50);
});

test('a taken key answers false to its caller only; a key asked for twice at once is stored once', async () => {
  const collection = client.db(dbName).collection<Doc>('dups');
  await collection.insertOne({ _id: 'taken', n: 0 });
  const batcher = new InsertBatcher(collection);
  const outcomes = await Promise.all([
    batcher.insert({ _id: 'a', n: 1 }),
    batcher.insert({ _id: 'taken', n: 2 }),
    batcher.insert({ _id: 'b', n: 3 }),
    batcher.insert({ _id: 'b', n: 4 }),
    batcher.insert({ _id: 'c', n: 5 }),
  ]);
  expect(outcomes).toEqual([true, false, true, false, true]);
  expect(await collection.find({}).sort({ _id: 1 }).toArray()).toEqual([
    { _id: 'a', n: 1 },
    { _id: 'b', n: 3 },
    { _id: 'c', n: 5 },
    { _id: 'taken', n: 0 },
  ]);
});

test('an insert the server refuses for another reason rejects, and the batcher goes on', async () => {
  const collection = client.db(dbName).collection<Doc>('refused');
  const batcher = new InsertBatcher(collection);
  // A key starting with `$` is refused by MongoDB and FerretDB alike.
  const bad = { _id: 'bad', n: 1, $oops: true } as unknown as Doc;
  await expect(batcher.insert(bad)).rejects.toThrow();
  expect(await batcher.insert({ _id: 'fine', n: 2 })).toBe(true);
  expect(await collection.countDocuments({ _id: 'fine' })).toBe(1);
});
