/**
 * A fresh database per caller on the run's test server (see global-setup.js), dropped
 * on close. Names are random so test files running in parallel never share data.
 */
import { randomBytes } from 'node:crypto';
import type { Db } from 'mongodb';
import { connectMongo, type DbConnection } from '../../src/db/client.js';

export interface TestDb {
  db: Db;
  /** A URI naming this database, for child processes (MONGODB_URI). */
  uri: string;
  name: string;
  connection: DbConnection;
  close(): Promise<void>;
}

export function testServerUri(): string {
  const uri = process.env.TEST_MONGODB_URI;
  if (!uri) throw new Error('TEST_MONGODB_URI is not set: run the tests through jest (npm test)');
  return uri;
}

/**
 * Whether the run's server is one the suite started itself (not a given MONGODB_URI): tests that
 * stop a database or start their own need it, and are skipped otherwise (`(cond ? test : test.skip)`).
 */
export const embeddedTestServer = (): boolean => process.env.TEST_MONGODB_KIND !== 'external';

export async function createTestDb(prefix = 't'): Promise<TestDb> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const base = new URL(testServerUri());
  base.pathname = `/${name}`;
  const uri = base.toString();
  const connection = await connectMongo(uri, name);
  return {
    db: connection.db,
    uri,
    name,
    connection,
    close: async () => {
      await connection.db.dropDatabase().catch(() => {});
      await connection.close();
    },
  };
}
