/** The structured part of a document analysis, and its validation of model output. */
import type { JsonCheck } from './json-output.js';

export const SENTIMENTS = ['positive', 'neutral', 'negative', 'mixed'] as const;
export type Sentiment = (typeof SENTIMENTS)[number];

export interface Extraction {
  keyPoints: string[];
  topics: string[];
  sentiment: Sentiment;
  entities: Array<{ name: string; type: string }>;
}

const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

export const checkExtraction: JsonCheck<Extraction> = (value) => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, problem: 'not a JSON object' };
  const v = value as Record<string, unknown>;
  if (!isStringArray(v.keyPoints)) return { ok: false, problem: 'missing keyPoints (an array of strings)' };
  if (!isStringArray(v.topics)) return { ok: false, problem: 'missing topics (an array of strings)' };
  const sentiment = typeof v.sentiment === 'string' ? v.sentiment.toLowerCase() : undefined;
  if (!SENTIMENTS.includes(sentiment as Sentiment)) return { ok: false, problem: `sentiment is not one of ${SENTIMENTS.join(', ')}` };
  const entities = v.entities ?? [];
  if (
    !Array.isArray(entities) ||
    !entities.every((e) => typeof e === 'object' && e !== null && typeof (e as { name?: unknown }).name === 'string')
  ) {
    return { ok: false, problem: 'entities is not an array of {name, type}' };
  }
  return {
    ok: true,
    value: {
      keyPoints: v.keyPoints,
      topics: v.topics,
      sentiment: sentiment as Sentiment,
      entities: entities.map((e: { name: string; type?: unknown }) => ({ name: e.name, type: typeof e.type === 'string' ? e.type : 'other' })),
    },
  };
};
