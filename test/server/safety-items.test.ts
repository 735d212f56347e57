/**
 * The smaller hardening items: INTERNAL job errors without raw messages, step names that
 * shadow Object.prototype, templates that read own properties only, WEBHOOK_SECRET_KEY in
 * production, and `npm start` without a database.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../../src/config/index.js';
import { toJobError } from '../../src/jobs/run/job-error.js';
import { renderTemplate } from '../../src/jobs/pipelines/template.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { gql } from '../support/graphql-client.js';

const ROOT = resolve(import.meta.dirname, '..', '..');

describe('stored job errors', () => {
  const raw = new Error('connect ECONNREFUSED 10.1.2.3:27017 (collection secret_things)');

  it('keep an unexpected error\'s message out of the job outside development, with a reference instead', () => {
    const stored = toJobError(raw, 'summarize', { showDetail: false, ref: 'err_abc123' });
    expect(stored).toMatchObject({ code: 'INTERNAL', retryable: true, step: 'summarize' });
    expect(stored.message).toBe('internal error (reference err_abc123)');
    expect(toJobError(raw, null).message).not.toContain('10.1.2.3');
  });

  it('show it in development', () => {
    expect(toJobError(raw, null, { showDetail: true, ref: 'err_x' }).message).toContain('ECONNREFUSED 10.1.2.3');
  });
});

describe('chain step names and templates', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ role: 'api' });
  }, 60_000);
  afterAll(async () => {
    await app?.stop();
  }, 30_000);

  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])('refuses a step named %s with BAD_USER_INPUT naming its path', async (name) => {
    const res = await gql(app.url, app.key, 'mutation($input: SubmitJobInput!) { submitJob(input: $input) { id } }', {
      input: { kind: 'chain', input: { steps: [{ name, prompt: 'p' }, { name: 'b', prompt: `{{steps.${name}}}` }] } },
    });
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', path: ['input', 'input', 'steps', 0, 'name'] });
  });

  it('renders only own properties: {{variables.constructor}} is empty, not a function', () => {
    const steps: Record<string, unknown> = Object.create(null);
    steps.a = 'A';
    expect(renderTemplate('[{{variables.constructor}}][{{steps.toString}}][{{steps.a}}]', {}, steps)).toBe('[][][A]');
  });
});

describe('WEBHOOK_SECRET_KEY in production', () => {
  it('is required with a remote database when NODE_ENV=production, naming the variable (more in webhook-secret-default.test.ts)', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', MONGODB_URI: 'mongodb://db.example/x' })).toThrow(/WEBHOOK_SECRET_KEY.*MONGODB_URI/);
    expect(loadConfig({ NODE_ENV: 'production', MONGODB_URI: 'mongodb://db.example/x', WEBHOOK_SECRET_KEY: Buffer.alloc(32, 7).toString('base64') }).webhooks.secretKey).toBeDefined();
  });

  it('is set by docker compose from secrets.env for both services', () => {
    const compose = parseYaml(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as { services: Record<string, { env_file?: unknown }> };
    expect(compose.services.api!.env_file).toBe('secrets.env');
    expect(compose.services.worker!.env_file).toBe('secrets.env');
  });
});

it('npm start with an unreachable database prints one clear line and exits 1, without a stack trace', () => {
  const res = spawnSync(process.execPath, [join(ROOT, 'dist', 'main.js')], {
    env: { PATH: process.env.PATH ?? '', MONGODB_URI: 'mongodb://127.0.0.1:1/nothing?serverSelectionTimeoutMS=500', WEBHOOK_SECRET_KEY: Buffer.alloc(32, 7).toString('base64'), LOG_LEVEL: 'silent' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(res.status).toBe(1);
  const lines = res.stderr.split('\n').filter(Boolean);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^cannot connect to the database at mongodb:\/\/127\.0\.0\.1:1\/nothing/);
  expect(res.stderr).not.toMatch(/\n\s+at /);
});
