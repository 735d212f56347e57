/**
 * Model output that must be JSON: parsed (tolerating a ```json fence), checked by the
 * caller's validator, and on failure repaired once by asking the model to correct its
 * own answer. A second failure is a non-retryable PROVIDER_ERROR: the stored answers
 * would only fail the same way again.
 */
import { AiError } from '../../ai/index.js';
import type { StepContext } from './kind.js';

export type JsonCheck<T> = (value: unknown) => { ok: true; value: T } | { ok: false; problem: string };

export const anyJson: JsonCheck<unknown> = (value) => ({ ok: true, value });

export function parseJsonText(text: string): { ok: true; value: unknown } | { ok: false; problem: string } {
  const unfenced = text.trim().replace(/^```(?:json)?\s*/i, '').replace(/\s*```$/, '');
  try {
    return { ok: true, value: JSON.parse(unfenced) };
  } catch (err) {
    return { ok: false, problem: `not valid JSON (${(err as Error).message})` };
  }
}

export async function parseOrRepairJson<T>(
  ctx: StepContext<unknown>,
  key: string,
  answer: string,
  check: JsonCheck<T>,
  expected: string,
): Promise<T> {
  const first = checkText(answer, check);
  if (first.ok) return first.value;
  const repaired = await ctx.complete(`${key}/repair`, {
    json: true,
    messages: [
      { role: 'system', content: 'You fix malformed JSON. Reply with one valid JSON object and nothing else.' },
      {
        role: 'user',
        content: `This answer was supposed to be JSON shaped as ${expected}, but it is ${first.problem}.\n\nAnswer:\n${answer}\n\nReply with the corrected JSON only.`,
      },
    ],
  });
  const second = checkText(repaired.text, check);
  if (second.ok) return second.value;
  throw new AiError('PROVIDER_ERROR', `the model's answer was ${second.problem}, also after one repair attempt`, {
    retryable: false,
  });
}

function checkText<T>(text: string, check: JsonCheck<T>): { ok: true; value: T } | { ok: false; problem: string } {
  const parsed = parseJsonText(text);
  if (!parsed.ok) return parsed;
  return check(parsed.value);
}
