/**
 * `ticket.triage`: a support ticket in, its category and priority and a drafted first reply
 * out, in two steps. Each AI call goes through `ctx.complete(key, …)`, so it is checkpointed:
 * a retry after `draft` failed reuses the classification instead of paying for it again.
 */

const CATEGORIES = ['billing', 'bug', 'account', 'question', 'other'];
const PRIORITIES = ['low', 'normal', 'high', 'urgent'];

/** @typedef {{ subject: string, body: string, customer?: string }} TicketInput */

/** @type {import('ai-jobs').JobKindDefinition<TicketInput>} */
export const ticketTriage = {
  kind: 'ticket.triage',
  description: 'Classifies a support ticket (category, priority) and drafts a first reply.',
  inputSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['subject', 'body'],
    properties: {
      subject: { type: 'string', minLength: 1, maxLength: 200 },
      body: { type: 'string', minLength: 1, maxLength: 20000 },
      customer: { type: 'string', description: 'How to address the customer in the reply.' },
    },
  },
  stepNames: ['classify', 'draft'],
  steps: () => [
    {
      name: 'classify',
      async run(ctx) {
        const answer = await ctx.complete('classify', {
          json: true,
          messages: [
            {
              role: 'system',
              content: `You triage support tickets. Answer with a JSON object {"category": one of ${CATEGORIES.join(', ')}, "priority": one of ${PRIORITIES.join(', ')}}.`,
            },
            { role: 'user', content: `Subject: ${ctx.input.subject}\n\n${ctx.input.body}` },
          ],
        });
        return classification(answer.text);
      },
    },
    {
      name: 'draft',
      async run(ctx) {
        const { category, priority } = /** @type {{ category: string, priority: string }} */ (ctx.outputs.classify);
        await ctx.progress(0, 1, `drafting a reply to a ${priority} ${category} ticket`);
        const answer = await ctx.complete('draft', {
          messages: [
            { role: 'system', content: 'You write short, friendly first replies to support tickets. Do not promise what you cannot know.' },
            {
              role: 'user',
              content: `Write a reply${ctx.input.customer ? ` to ${ctx.input.customer}` : ''} for this ${category} ticket:\n"""${ctx.input.subject}\n\n${ctx.input.body}"""`,
            },
          ],
        });
        return answer.text;
      },
    },
  ],
  result: (outputs) => ({ ...(/** @type {object} */ (outputs.classify)), reply: outputs.draft }),
};

/** The model's JSON, held to the two lists: anything else becomes `other` / `normal`. */
function classification(text) {
  let parsed = {};
  try {
    parsed = JSON.parse(text) ?? {};
  } catch {
    // Not JSON: keep the defaults rather than fail the ticket.
  }
  const pick = (value, allowed, fallback) => (allowed.includes(value) ? value : fallback);
  return { category: pick(parsed.category, CATEGORIES, 'other'), priority: pick(parsed.priority, PRIORITIES, 'normal') };
}
