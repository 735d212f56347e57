/**
 * Loading JOB_KINDS_MODULE: the example module joins the built-in kinds and registers its tools
 * for the `agent` kind; every way a module (or one of its tools) can be wrong is one
 * JobKindsModuleError whose message is a single line naming the module and the problem. The modules are real files outside src (a temporary folder), loaded by
 * the real loader with a dynamic import.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { JobKindsModuleError, loadJobKinds } from '../../../src/jobs/pipelines/kinds-module.js';

const EXAMPLE = resolve('examples/kinds/index.mjs');
const step = `{ name: 'only', run: async () => 1 }`;
const good = (kind: string) => `{ kind: '${kind}', inputSchema: { type: 'object' }, steps: () => [${step}] }`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kinds-module-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function moduleWith(name: string, source: string): Promise<string> {
  const path = join(dir, `${name}.mjs`);
  await writeFile(path, source);
  return path;
}

/** The error loading `path` gives; fails the test when it loads. */
async function loadError(path: string): Promise<JobKindsModuleError> {
  const err = await loadJobKinds(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(JobKindsModuleError);
  const { message } = err as JobKindsModuleError;
  expect(message).not.toContain('\n');
  expect(message.startsWith(`JOB_KINDS_MODULE ${path}: `)).toBe(true);
  return err as JobKindsModuleError;
}

const tool = (name: string) => `{ name: '${name}', description: 'd', parameters: { type: 'object' }, run: () => 1 }`;

test('without a module the registry holds the built-in kinds only, and no tools', async () => {
  const kinds = await loadJobKinds(undefined);
  expect(kinds.names()).toEqual(['document.analyze', 'chain', 'agent']);
  expect(kinds.tools.list()).toEqual([]);
});

test("the example module's tools are registered for the agent kind, which refuses any other name", async () => {
  const kinds = await loadJobKinds(EXAMPLE);
  const agent = kinds.get('agent')!;
  expect(agent.tools!().map((t) => [t.name, t.server])).toEqual([
    ['lookup_order', null],
    ['search_help_center', null],
  ]);
  expect(agent.validate!({ prompt: 'p', tools: ['search_help_center', 'lookup_order'] }, { maxDocumentBytes: 1, maxChainSteps: 1 })).toEqual([]);
  expect(agent.validate!({ prompt: 'p', tools: ['lookup_order', 'send_refund'] }, { maxDocumentBytes: 1, maxChainSteps: 1 })).toEqual([
    [['tools', 1], '"send_refund" is not a registered tool; the tools are lookup_order, search_help_center'],
  ]);
});

test('a module may export tools alone', async () => {
  const kinds = await loadJobKinds(await moduleWith('tools-only', `export const tools = [${tool('ping')}];`));
  expect(kinds.names()).toEqual(['document.analyze', 'chain', 'agent']);
  expect(kinds.tools.list().map((t) => t.name)).toEqual(['ping']);
});

test("the example module's ticket.triage joins the built-in kinds, with its defaults filled in", async () => {
  const kinds = await loadJobKinds(EXAMPLE);
  expect(kinds.names()).toEqual(['document.analyze', 'chain', 'agent', 'ticket.triage']);
  const triage = kinds.get('ticket.triage')!;
  expect(triage.stepNames).toEqual(['classify', 'draft']);
  expect(triage.options).toEqual(['model', 'temperature', 'maxOutputTokens', 'budget']);
  expect(triage.steps({ subject: 's', body: 'b' }).map((s) => s.name)).toEqual(['classify', 'draft']);
});

test('a plain object with only kind, inputSchema and steps is a kind; its result defaults to the outputs', async () => {
  const kinds = await loadJobKinds(await moduleWith('minimal', `export default [${good('minimal.one')}];`));
  const kind = kinds.get('minimal.one')!;
  expect(kind.description).toBe('');
  expect(kind.result({ only: 1 }, {}, { model: 'm', offline: false })).toEqual({ only: 1 });
  // The offline stand-in says so in a user kind's result too.
  expect(kind.result({ only: 1 }, {}, { model: 'm', offline: true })).toMatchObject({ only: 1, offline: true });
});

test.each([
  ['missing-kind', `export default [{ inputSchema: {}, steps: () => [] }];`, 'definition 1 of 1: "kind" is missing'],
  ['bad-name', `export default [{ kind: 'has space', inputSchema: {}, steps: () => [] }];`, 'definition 1 of 1 ("has space"): "kind" must be a name'],
  ['duplicate', `export default [${good('a.b')}, ${good('a.b')}];`, 'definition 2 of 2 ("a.b"): "a.b" is defined twice'],
  ['built-in', `export default [${good('chain')}];`, 'definition 1 of 1 ("chain"): "chain" is a built-in kind and cannot be replaced'],
  ['built-in-agent', `export default [${good('agent')}];`, 'definition 1 of 1 ("agent"): "agent" is a built-in kind and cannot be replaced'],
  ['tools-not-array', `export default []; export const tools = ${tool('a')};`, 'tools must be a non-empty array'],
  ['tool-dotted', `export default []; export const tools = [${tool('docs.search')}];`, 'tools[0].name must be 1 to 64 letters, digits, _ or - (a dot is kept for MCP tools, server.tool), got "docs.search"'],
  ['tool-twice', `export default []; export const tools = [${tool('a')}, ${tool('a')}];`, 'tools[1].name: a second tool named "a"'],
  ['tool-no-run', `export default []; export const tools = [{ name: 'a', description: '', parameters: {} }];`, 'tools[0].run (tool "a") must be a function'],
  [
    'tool-bad-schema',
    `export default []; export const tools = [{ name: 'a', description: '', parameters: { type: 'objekt' }, run: () => 1 }];`,
    'tools[0].parameters (tool "a") is not a valid JSON Schema',
  ],
  [
    'bad-schema',
    `export default [{ kind: 'x', inputSchema: { type: 'object', properties: { n: { type: 'strng' } } }, steps: () => [] }];`,
    'definition 1 of 1 ("x"): "inputSchema" is not a valid JSON Schema: schema is invalid: data/properties/n/type',
  ],
  ['no-schema', `export default [{ kind: 'x', steps: () => [] }];`, 'definition 1 of 1 ("x"): "inputSchema" must be a JSON Schema object, got nothing'],
  ['steps-array', `export default [{ kind: 'x', inputSchema: {}, steps: [${step}] }];`, 'definition 1 of 1 ("x"): "steps" must be a function'],
  ['result-string', `export default [{ ...${good('x')}, result: 'yes' }];`, 'definition 1 of 1 ("x"): "result" must be a function, got a string'],
  ['not-object', `export default [${good('x')}, 'y'];`, 'definition 2 of 2: must be an object, got a string'],
  ['not-array', `export default ${good('x')};`, 'its default export must be an array of kind definitions, got object'],
  ['no-default', `export const kinds = [];`, 'its default export must be an array of kind definitions, got no default export'],
  ['throws', `throw new Error('no config for the CRM\\nsecond line');`, 'cannot be loaded: no config for the CRM second line'],
  ['syntax', `export default [;`, 'cannot be loaded: '],
])('%s: one line naming the module and the problem', async (name, source, problem) => {
  const err = await loadError(await moduleWith(name, source));
  expect(err.problem.replace(/\n/g, ' ')).toContain(problem);
});

test('a module that is not there names its path', async () => {
  const missing = join(dir, 'nowhere.mjs');
  const err = await loadError(missing);
  expect(err.message).toContain('cannot be loaded');
});

test('steps(input) that returns something other than named steps is a clear error naming the kind', async () => {
  const source = `export default [
    { kind: 'none', inputSchema: {}, steps: () => [] },
    { kind: 'twice', inputSchema: {}, steps: () => [${step}, ${step}] },
    { kind: 'norun', inputSchema: {}, steps: () => [{ name: 'a' }] },
  ];`;
  const kinds = await loadJobKinds(await moduleWith('bad-steps', source));
  expect(() => kinds.get('none')!.steps({})).toThrow('kind "none": steps(input) must return [{ name, run(ctx) }]: it returned no steps');
  expect(() => kinds.get('twice')!.steps({})).toThrow('step name "only" is used twice');
  expect(() => kinds.get('norun')!.steps({})).toThrow('step "a" has no "run" function');
});
