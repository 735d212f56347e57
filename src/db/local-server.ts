/**
 * Finds or starts a MongoDB-wire server, for `npm start` and for the tests alike:
 *   1. MONGODB_URI given → use it, start nothing;
 *   2. a `mongod` on the PATH → start it on a free port with its data under dataDir;
 *   3. else FerretDB v1.24 embedded in tools/ferretdb (built with `go build` on first use);
 *   4. else fail with a message saying how to provide MongoDB.
 * A started server is a child process that also exits when its parent dies (FerretDB
 * watches its stdin; mongod gets SIGTERM from `stop()` and the exit hook).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface LocalMongo {
  uri: string;
  /** 'external' when MONGODB_URI was given. */
  kind: 'external' | 'mongod' | 'ferretdb';
  /** The server's process id when this process started it (tests freeze it with SIGSTOP). */
  pid?: number;
  stop(): Promise<void>;
}

export interface LocalMongoOptions {
  uri?: string;
  dataDir: string;
  /** Where progress lines go (building, starting); stderr by default. */
  log?: (line: string) => void;
  readyTimeoutMs?: number;
  /** A fixed port (e.g. to restart a server where clients expect it); a free one by default. */
  port?: number;
}

/** The project root: this file is src/db/ (tests) or dist/db/ (built). */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FERRETDB_BINARY = join(PROJECT_ROOT, '.tools', 'ferretdb');

export async function findOrStartMongo(opts: LocalMongoOptions): Promise<LocalMongo> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  if (opts.uri) return { uri: opts.uri, kind: 'external', stop: async () => {} };
  const dataDir = resolve(opts.dataDir);
  const timeout = opts.readyTimeoutMs ?? 60_000;
  if (onPath('mongod')) {
    const dbPath = join(dataDir, 'mongod');
    mkdirSync(dbPath, { recursive: true });
    const port = opts.port ?? (await freePort());
    log(`starting mongod on 127.0.0.1:${port} (data in ${dbPath})`);
    const child = spawn('mongod', ['--dbpath', dbPath, '--bind_ip', '127.0.0.1', '--port', String(port), '--quiet'], {
      stdio: ['ignore', 'ignore', 'inherit'],
      detached: true, // see below: Ctrl-C must reach the service first, not its database
    });
    await waitForPort(port, child, timeout);
    return started(`mongodb://127.0.0.1:${port}/`, 'mongod', child);
  }
  ensureFerretDbBuilt(log);
  const dir = join(dataDir, 'ferretdb');
  mkdirSync(dir, { recursive: true });
  const port = opts.port ?? (await freePort());
  log(`starting FerretDB (MongoDB wire protocol over SQLite) on 127.0.0.1:${port} (data in ${dir})`);
  const child = spawn(FERRETDB_BINARY, ['-listen', `127.0.0.1:${port}`, '-dir', dir, '-exit-on-stdin-close', '-log-level', 'error'], {
    // stdin stays an open pipe: when this process dies, FerretDB sees EOF and exits.
    stdio: ['pipe', 'pipe', 'inherit'],
    // Its own process group: a Ctrl-C in the terminal goes to the service, which drains
    // (still using the database) and stops the database last.
    detached: true,
  });
  const uri = await waitForReadyLine(child, timeout);
  return started(uri, 'ferretdb', child);
}

/**
 * Builds the FerretDB wrapper into .tools/ (go ≥ 1.24 needed; minutes on first build),
 * again only when its sources are newer than the binary.
 */
export function ensureFerretDbBuilt(log: (line: string) => void): void {
  if (existsSync(FERRETDB_BINARY) && !ferretDbSourcesChanged()) return;
  if (!onPath('go')) {
    throw new Error(
      'No MongoDB available: set MONGODB_URI to a MongoDB server, put `mongod` on the PATH, ' +
        'or install Go ≥ 1.24 so that the embedded FerretDB can be built (tools/ferretdb).',
    );
  }
  log('building FerretDB from tools/ferretdb with `go build` (first use only; this can take minutes)…');
  const res = spawnSync('go', ['build', '-o', FERRETDB_BINARY, '.'], {
    cwd: join(PROJECT_ROOT, 'tools', 'ferretdb'),
    env: { ...process.env, CGO_ENABLED: '0' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (res.status !== 0) throw new Error(`building FerretDB failed (go build exited ${res.status})`);
  log('FerretDB built.');
}

function ferretDbSourcesChanged(): boolean {
  const built = statSync(FERRETDB_BINARY).mtimeMs;
  const dir = join(PROJECT_ROOT, 'tools', 'ferretdb');
  const sources = readdirSync(dir).filter((f) => (f.endsWith('.go') && !f.endsWith('_test.go')) || f === 'go.mod' || f === 'go.sum');
  return sources.some((f) => statSync(join(dir, f)).mtimeMs > built);
}

function started(uri: string, kind: 'mongod' | 'ferretdb', child: ChildProcess): LocalMongo {
  const onExit = () => child.kill('SIGTERM');
  process.once('exit', onExit);
  return {
    uri,
    kind,
    ...(child.pid !== undefined ? { pid: child.pid } : {}),
    stop: () =>
      new Promise<void>((done) => {
        process.removeListener('exit', onExit);
        if (child.exitCode !== null || child.signalCode !== null) return done();
        const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(force);
          done();
        });
        child.kill('SIGTERM');
      }),
  };
}

function onPath(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? ok(addr.port) : fail(new Error('no port'))));
    });
  });
}

function waitForReadyLine(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((ok, fail) => {
    let buf = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`FerretDB did not become ready within ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`FerretDB exited (code ${code}) before it was ready`));
    });
    child.stdout!.on('data', (chunk: Buffer) => {
      buf += chunk.toString();
      const m = /^ready (\S+)$/m.exec(buf);
      if (m) {
        clearTimeout(timer);
        child.stdout!.removeAllListeners('data');
        child.stdout!.resume();
        ok(m[1]!);
      }
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const { connect } = await import('node:net');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`mongod exited (code ${child.exitCode}) before it was ready`);
    const okNow = await new Promise<boolean>((r) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), r(true)));
      s.once('error', () => r(false));
    });
    if (okNow) return;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`mongod did not listen within ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
