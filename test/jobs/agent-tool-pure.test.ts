/**
 * The agent tools' pure parts: the name a model sees for a tool (Chat Completions accepts no
 * dot and at most 64 characters), tools a model could not tell apart, and what an MCP
 * tools/call result becomes (structured content, text, binary parts named, isError thrown).
 */
import { modelNameClash, modelToolName } from '../../src/jobs/agents/tool-names.js';
import { McpToolError, toolResultValue } from '../../src/jobs/agents/mcp-tool-result.js';

test('a plain name is offered as is; server.tool as server__tool; a long one cut with a stable hash', () => {
  expect(modelToolName('lookup_order')).toBe('lookup_order');
  expect(modelToolName('docs.search')).toBe('docs__search');
  expect(modelToolName('docs.files.read')).toBe('docs__files__read');
  const long = `server.${'x'.repeat(120)}`;
  const offered = modelToolName(long);
  expect(offered).toMatch(/^[A-Za-z0-9_-]{64}$/);
  expect(offered).toBe(modelToolName(long));
  expect(offered).not.toBe(modelToolName(`${long}y`));
});

test('two tools with one model name clash; distinct ones do not', () => {
  expect(modelNameClash(['docs.search', 'docs__search'])).toEqual(['docs.search', 'docs__search', 'docs__search']);
  expect(modelNameClash(['docs.search', 'crm.search', 'search'])).toBeUndefined();
});

test('an MCP result: structured content wins, else the text; binary parts are named, not copied', () => {
  expect(toolResultValue({ content: [{ type: 'text', text: 'ignored' }], structuredContent: { n: 1 } })).toEqual({ n: 1 });
  expect(toolResultValue({ content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] })).toBe('a\nb');
  expect(toolResultValue({ content: [{ type: 'image', mimeType: 'image/png' }, { type: 'resource', resource: { uri: 'file:///x', text: 'inline' } }] })).toBe(
    '[image image/png left out]\ninline',
  );
  expect(toolResultValue({})).toBe('');
});

test('isError is a throw with the text, which the loop hands to the model', () => {
  expect(() => toolResultValue({ isError: true, content: [{ type: 'text', text: 'index offline' }] })).toThrow(new McpToolError('index offline'));
  expect(() => toolResultValue({ isError: true })).toThrow('the MCP tool reported an error');
});
