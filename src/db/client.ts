/**
 * One MongoClient per process. Timeouts are short so that an unreachable server shows
 * up as a failed readiness check or a clear error, never as a request that hangs.
 */
import { MongoClient, type Db } from 'mongodb';

export interface DbConnection {
  client: MongoClient;
  db: Db;
  close(): Promise<void>;
}

export const DEFAULT_DB_NAME = 'aijobs';

/** The database named in the URI's path, else `aijobs`. */
export function databaseNameOf(uri: string): string {
  try {
    const name = new URL(uri).pathname.replace(/^\//, '');
    return name === '' ? DEFAULT_DB_NAME : decodeURIComponent(name);
  } catch {
    return DEFAULT_DB_NAME;
  }
}

export interface ConnectOptions {
  /**
   * Emit the driver's command monitoring events (`commandStarted` …) for a counter to
   * listen to; the service's processes count their commands this way. @defaultValue false
   */
  monitorCommands?: boolean;
}

export async function connectMongo(uri: string, dbName = databaseNameOf(uri), opts: ConnectOptions = {}): Promise<DbConnection> {
  const client = new MongoClient(uri, {
    serverSelectionTimeoutMS: 5_000,
    connectTimeoutMS: 5_000,
    socketTimeoutMS: 60_000,
    maxPoolSize: 50,
    monitorCommands: opts.monitorCommands ?? false,
  });
  await client.connect();
  const db = client.db(dbName);
  return { client, db, close: () => client.close() };
}

/** True when the server answers a ping within the limit. */
export async function pingMongo(db: Db, timeoutMs = 2_000): Promise<boolean> {
  try {
    await db.command({ ping: 1 }, { timeoutMS: timeoutMs });
    return true;
  } catch {
    return false;
  }
}

/** Whether the server supports change streams (a replica set or sharded cluster). */
export async function supportsChangeStreams(db: Db): Promise<boolean> {
  try {
    const hello = await db.admin().command({ hello: 1 });
    return typeof hello.setName === 'string' || hello.msg === 'isdbgrid';
  } catch {
    return false;
  }
}

/**
 * Whether the server is FerretDB (its buildInfo says so). FerretDB v1 looks documents up
 * by index only for a filter that is exactly `{ _id }`; any other filter reads the whole
 * collection, so repositories prefer `_id` lookups there (see JobsRepository).
 */
export async function isFerretDb(db: Db): Promise<boolean> {
  try {
    const info = await db.admin().command({ buildInfo: 1 });
    return 'ferretdbVersion' in info;
  } catch {
    return false;
  }
}
