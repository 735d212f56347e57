/**
 * The client speaks only GraphQL: nothing in client/ imports the server's code, and the
 * console imports the client, never src/. Checked on the import specifiers of every file.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : /\.(ts|tsx)$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1]!);
}

/** Files whose relative imports reach outside `allowed` (folders under the repository root). */
function offenders(folder: string, allowed: string[]): string[] {
  return sources(join(ROOT, folder)).flatMap((file) =>
    imports(file)
      .filter((spec) => spec.startsWith('.'))
      .map((spec) => relative(ROOT, resolve(file, '..', spec)))
      .filter((target) => !allowed.some((a) => target === a || target.startsWith(a + '/')))
      .map((target) => `${relative(ROOT, file)} → ${target}`),
  );
}

test('client/ imports only itself (and packages)', () => {
  expect(offenders('client', ['client'])).toEqual([]);
});

test('console/ imports only itself and client/', () => {
  expect(offenders('console', ['console', 'client'])).toEqual([]);
});
