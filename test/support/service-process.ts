/**
 * The service as a real OS process (`node dist/main.js`), for tests of what crosses
 * process boundaries: API and worker apart, SIGTERM, SIGKILL. Ready when it has printed
 * its banner; its URL is read from that banner (PORT=0 picks a free port).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { TEST_ENV } from './app.js';

const ROOT = resolve(import.meta.dirname, '..', '..');

export interface ServiceProcess {
  child: ChildProcess;
  /** The GraphQL URL (API roles only). */
  url: string;
  stdout(): string;
  stderr(): string;
  /** Sends a signal and resolves with the exit code (or signal) within `timeoutMs`. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `entry`: the script to run, relative to the repository (a test's own worker, e.g. test/support/agent-worker.mjs). */
export async function startServiceProcess(env: Record<string, string>, readyTimeoutMs = 30_000, entry = join('dist', 'main.js')): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [join(ROOT, entry)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...TEST_ENV, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.once('exit', (code, signal) => r({ code, signal })),
  );
  await new Promise<void>((ok, fail) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`service did not start within ${readyTimeoutMs} ms\nstdout:\n${out}\nstderr:\n${err.slice(-4000)}`));
    }, readyTimeoutMs);
    const onData = () => {
      if (/^Role: /m.test(out)) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        ok();
      }
    };
    child.stdout!.on('data', onData);
    void exited.then(({ code }) => {
      clearTimeout(timer);
      fail(new Error(`service exited (code ${code}) before it was ready\nstdout:\n${out}\nstderr:\n${err.slice(-4000)}`));
    });
  });
  const url = /GraphQL API: (\S+)/.exec(out)?.[1] ?? '';
  return {
    child,
    url,
    stdout: () => out,
    stderr: () => err,
    async stop(signal = 'SIGTERM', timeoutMs = 30_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}
