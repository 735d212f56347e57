/**
 * Group commit, as the repositories use it for keyed inserts, against the real test server:
 * inserts asked for at once go out in one or two statements, each keeps its own outcome
 * (stored, or its key taken), and what fails is reported to the callers it concerns.
 */
import { randomBytes } from 'node:crypto';
import { MongoClient, type Collection } from 'mongodb';
import { insertEachUnlessTaken } from '../../src/db/duplicate-key.js';
import { GroupCommit } from '../../src/db/group-commit.js';
import { testServerUri } from '../support/db.js';
import { within } from '../support/eventually.js';

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

/** What the repositories build: one unordered insertMany per batch. */
function batcher(collection: Collection<Doc>): { insert: (doc: Doc) => Promise<boolean>; idle: () => Promise<void> } {
  const commits = new GroupCommit<Doc, boolean>((docs) => insertEachUnlessTaken(collection, docs));
  return { insert: (doc) => commits.submit(doc), idle: () => commits.idle() };
}

test('fifty inserts asked for at once share a statement or two, and every document is stored', async () => {
  const collection = client.db(dbName).collection<Doc>('many');
  const inserts = batcher(collection);
  const outcomes = await Promise.all(Array.from({ length: 50 }, (_, n) => inserts.insert({ _id: `d${n}`, n })));
  expect(outcomes).toEqual(Array(50).fill(true));
  // The first goes alone, the other 49 ride together in the next one.
  expect(statements.filter((s) => s === 'insert')).toHaveLength(2);
  expect(await collection.countDocuments({})).toBe(50);
});

test('a taken key answers false to its caller only; a key asked for twice at once is stored once', async () => {
  const collection = client.db(dbName).collection<Doc>('dups');
  await collection.insertOne({ _id: 'taken', n: 0 });
  const inserts = batcher(collection);
  const outcomes = await Promise.all([
    inserts.insert({ _id: 'a', n: 1 }),
    inserts.insert({ _id: 'taken', n: 2 }),
    inserts.insert({ _id: 'b', n: 3 }),
    inserts.insert({ _id: 'b', n: 4 }),
    inserts.insert({ _id: 'c', n: 5 }),
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
  const inserts = batcher(collection);
  // A key starting with `$` is refused by MongoDB and FerretDB alike.
  const bad = { _id: 'bad', n: 1, $oops: true } as unknown as Doc;
  await expect(inserts.insert(bad)).rejects.toThrow();
  expect(await inserts.insert({ _id: 'fine', n: 2 })).toBe(true);
  expect(await collection.countDocuments({ _id: 'fine' })).toBe(1);
  await inserts.idle();
});

test('inserts one after another each go out (a write that just finished never strands the next)', async () => {
  const collection = client.db(dbName).collection<Doc>('sequential');
  const inserts = batcher(collection);
  for (let n = 0; n < 5; n += 1) expect(await within(inserts.insert({ _id: `s${n}`, n }), 10_000, `insert ${n}`)).toBe(true);
  expect(statements.filter((s) => s === 'insert')).toHaveLength(5);
});
