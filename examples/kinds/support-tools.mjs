/**
 * Tools for the built-in `agent` kind: a kinds module registers them with `export const tools`,
 * and a job chooses among them by name:
 *
 *   submitJob(input: { kind: "agent", input: { prompt: "Where is my order A-1001?", tools: ["lookup_order", "search_help_center"] } })
 *
 * A tool is `{ name, description, parameters (JSON Schema), run(args, { signal, jobId, tenantId, callId }) }`.
 * Its arguments are checked against `parameters` before it runs; what it returns (any JSON) goes
 * to the model, and so does what it throws. Each call's outcome is checkpointed: a retried or
 * resumed job never runs a finished call again. Pass `signal` on to anything slow (it is aborted
 * when the job is cancelled or the call passes AGENT_TOOL_TIMEOUT); a tool with a side effect can
 * use `callId` as its idempotency key.
 */

/** A stand-in for your order system. */
const ORDERS = new Map([
  ['A-1001', { status: 'shipped', carrier: 'DHL', eta: '2 working days', items: ['Blue mug', 'Tea sampler'] }],
  ['A-1002', { status: 'processing', carrier: null, eta: 'ships tomorrow', items: ['Teapot'] }],
]);

/** A stand-in for your help centre. */
const ARTICLES = [
  { title: 'Where is my order?', url: 'https://help.example.com/orders/tracking', text: 'Shipped orders can be tracked with the carrier link in your shipping e-mail. Orders ship within two working days.' },
  { title: 'Returns and refunds', url: 'https://help.example.com/returns', text: 'You can return any item within 30 days. Refunds reach your card within 5 working days of the return arriving.' },
  { title: 'Changing your delivery address', url: 'https://help.example.com/orders/address', text: 'The delivery address of an order can be changed until the order ships.' },
];

/** @type {import('ai-jobs').AgentTool} */
export const lookupOrder = {
  name: 'lookup_order',
  description: 'The status, carrier, expected delivery and items of one order, by its id (A-1234).',
  parameters: {
    type: 'object',
    additionalProperties: false,
    required: ['orderId'],
    properties: { orderId: { type: 'string', pattern: '^A-[0-9]{4}$', examples: ['A-1001'] } },
  },
  async run({ orderId }, { signal }) {
    signal.throwIfAborted();
    const order = ORDERS.get(orderId);
    // A throw goes back to the model as the tool's error: it can tell the customer.
    if (!order) throw new Error(`there is no order ${orderId}`);
    return { orderId, ...order };
  },
};

/** @type {import('ai-jobs').AgentTool} */
export const searchHelpCenter = {
  name: 'search_help_center',
  description: 'Searches the help centre; returns the best matching articles (title, url, text).',
  parameters: {
    type: 'object',
    additionalProperties: false,
    required: ['query'],
    properties: { query: { type: 'string', minLength: 1, maxLength: 200 } },
  },
  run({ query }) {
    const words = new Set(query.toLowerCase().match(/[a-z]+/g) ?? []);
    const score = (a) => `${a.title} ${a.text}`.toLowerCase().match(/[a-z]+/g).filter((w) => words.has(w)).length;
    return ARTICLES.map((a) => ({ ...a, score: score(a) }))
      .filter((a) => a.score > 0)
      .sort((a, b) => b.score - a.score)
      .slice(0, 2)
      .map(({ score: _score, ...a }) => a);
  },
};
