/** The import rules of ARCHITECTURE.md (see .dependency-cruiser.cjs) hold for src/, client/ and console/. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');
// client/ and console/ are checked once they exist (depcruise refuses a path that does not).
const FOLDERS = ['src', 'client', 'console'].filter((f) => existsSync(resolve(ROOT, f)));

test('no import cycles, and the domain never imports GraphQL, storage rules hold', () => {
  const res = spawnSync(process.execPath, [resolve(ROOT, 'node_modules', '.bin', 'depcruise'), ...FOLDERS, '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (res.status !== 0) console.log(res.stdout, res.stderr);
  expect(res.status).toBe(0);
});
