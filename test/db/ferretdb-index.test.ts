/**
 * The FerretDB wrapper (tools/ferretdb) keeps an index that FerretDB's own UPDATE/DELETE by
 * _id can use, on existing and new collection tables, without changing any data.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { ensureFerretDbBuilt, FERRETDB_BINARY, freePort, PROJECT_ROOT } from '../../src/db/local-server.js';
import { eventually } from '../support/eventually.js';

// Only when the suite runs on our own FerretDB build (not MONGODB_URI, not mongod).
const ours = process.env.TEST_MONGODB_KIND === 'ferretdb';
const describeOurs = ours ? describe : describe.skip;
const goOnPath = spawnSync('sh', ['-c', 'command -v go'], { stdio: 'ignore' }).status === 0;

interface TableReport {
  database: string;
  collection: string;
  idIndex: boolean;
  updatePlan: string;
  deletePlan: string;
  findPlan: string;
}

function inspect(dir: string): TableReport[] {
  const res = spawnSync(FERRETDB_BINARY, ['-inspect', '-dir', dir], { encoding: 'utf8', timeout: 30_000 });
  if (res.status !== 0) throw new Error(`ferretdb -inspect failed: ${res.stderr}`);
  return res.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as TableReport);
}

async function startFerret(dir: string, extra: string[]): Promise<{ uri: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(FERRETDB_BINARY, ['-listen', `127.0.0.1:${port}`, '-dir', dir, '-exit-on-stdin-close', '-log-level', 'error', ...extra], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const uri = await new Promise<string>((ok, fail) => {
    let buf = '';
    const timer = setTimeout(() => fail(new Error('FerretDB not ready within 60 s')), 60_000);
    child.once('exit', (code) => fail(new Error(`FerretDB exited (${code})`)));
    child.stdout!.on('data', (c: Buffer) => {
      buf += c.toString();
      const m = /^ready (\S+)$/m.exec(buf);
      if (m) {
        clearTimeout(timer);
        ok(m[1]!);
      }
    });
  });
  return { uri, child };
}

function stopFerret(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null) return done();
    child.once('exit', () => done());
    child.kill('SIGTERM');
  });
}

const USING_OUR_INDEX = /^SEARCH \S+ USING INDEX _ferretdb_idpath_/;

describeOurs('FerretDB _id path index', () => {
  let tmp: string;
  let dir: string;
  beforeAll(() => {
    ensureFerretDbBuilt(() => {});
    tmp = mkdtempSync(join(tmpdir(), 'ferret-index-'));
    dir = join(tmp, 'data');
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  test('existing tables get it at start, new ones soon after; writes by _id use it; data is unchanged', async () => {
    const docs = Array.from({ length: 300 }, (_, i) => ({ _id: `d${i}`, n: i, tag: 'old' }));

    // Without the keeper, FerretDB's own UPDATE by _id scans the table.
    const before = await startFerret(dir, ['-id-index-every', '0']);
    let client = await MongoClient.connect(before.uri);
    await client.db('app').collection<{ _id: string; n: number; tag: string }>('items').insertMany(docs);
    await client.close();
    await stopFerret(before.child);
    const plain = inspect(dir).find((r) => r.collection === 'items')!;
    expect(plain.idIndex).toBe(false);
    expect(plain.updatePlan).toMatch(/^SCAN /);

    // With it: the table that already existed is indexed before "ready".
    const after = await startFerret(dir, []);
    try {
      const existing = inspect(dir).find((r) => r.collection === 'items')!;
      expect(existing.idIndex).toBe(true);
      expect(existing.updatePlan).toMatch(USING_OUR_INDEX);
      expect(existing.deletePlan).toMatch(USING_OUR_INDEX);
      expect(existing.findPlan).toMatch(USING_OUR_INDEX);

      client = await MongoClient.connect(after.uri);
      const items = client.db('app').collection<{ _id: string; n: number; tag: string }>('items');
      await client.db('other').collection('fresh').insertOne({ _id: 'x' } as never);
      const fresh = await eventually(
        async () => inspect(dir).find((r) => r.database === 'other' && r.collection === 'fresh' && r.idIndex),
        'the new collection to get its index',
        15_000,
        100,
      );
      expect(fresh.updatePlan).toMatch(USING_OUR_INDEX);

      // Writes through FerretDB behave exactly as before, with the index in place.
      for (let i = 0; i < 300; i += 3) await items.updateOne({ _id: `d${i}` }, { $set: { tag: 'new' } });
      for (let i = 1; i < 300; i += 3) await items.deleteOne({ _id: `d${i}` });
      const expected = docs
        .filter((d) => d.n % 3 !== 1)
        .map((d) => ({ ...d, tag: d.n % 3 === 0 ? 'new' : 'old' }));
      const stored = await items.find({}).toArray();
      expect(stored.sort((a, b) => a.n - b.n)).toEqual(expected);
      expect(await items.findOne({ _id: 'd3' })).toEqual({ _id: 'd3', n: 3, tag: 'new' });
      expect(await items.findOne({ _id: 'd4' })).toBeNull();
      await client.close();
    } finally {
      await stopFerret(after.child);
    }
  });

  (goOnPath ? test : test.skip)('the keeper’s Go tests pass (go test in tools/ferretdb)', () => {
    const res = spawnSync('go', ['test', './...'], {
      cwd: join(PROJECT_ROOT, 'tools', 'ferretdb'),
      env: { ...process.env, CGO_ENABLED: '0' },
      encoding: 'utf8',
      timeout: 300_000,
    });
    expect(`${res.stdout}${res.stderr}`).toMatch(/^ok\s/m);
    expect(res.status).toBe(0);
  }, 310_000);
});
