/**
 * A job kind whose agent has two tools with a side effect the test can count: each call
 * POSTs `{ tool, args, callId }` to SIDE_EFFECT_URL (a receiver in the test) and returns its
 * JSON answer. Plain JavaScript, so a worker process can load it from test/support/agent-worker.mjs.
 */
const tool = (name) => ({
  name,
  description: `Counts one ${name} call.`,
  parameters: { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'], additionalProperties: false },
  async run(args, ctx) {
    const url = process.env.SIDE_EFFECT_URL;
    if (!url) throw new Error('SIDE_EFFECT_URL is not set');
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tool: name, args, callId: ctx.callId, jobId: ctx.jobId }),
      signal: ctx.signal,
    });
    return await res.json();
  },
});

export const countingAgentKind = {
  kind: 'test.counting-agent',
  description: 'An agent whose two tools have a counted side effect.',
  stepNames: ['act'],
  inputSchema: { type: 'object', properties: { prompt: { type: 'string' } }, required: ['prompt'] },
  options: [],
  steps: () => [{ name: 'act', run: (ctx) => ctx.agent('main', { prompt: ctx.input.prompt, tools: [tool('count_a'), tool('count_b')], maxTurns: 6 }) }],
  result: (outputs) => outputs.act,
};
