/**
 * How the offline stand-in uses tools, deterministically: it calls each offered tool once,
 * in the order offered, with arguments made from the tool's JSON Schema, then answers with
 * what the tools returned. Enough for an agent to run end to end without a model.
 */
import type { ChatMessage, ToolCall, ToolDefinition } from './provider.js';

/** The next tool call the stand-in makes, or undefined once every offered tool has been called. */
export function nextOfflineToolCall(messages: readonly ChatMessage[], tools: readonly ToolDefinition[], subject: string): ToolCall | undefined {
  const called = new Set(messages.flatMap((m) => m.toolCalls ?? []).map((c) => c.name));
  const index = tools.findIndex((t) => !called.has(t.name));
  if (index < 0) return undefined;
  const tool = tools[index]!;
  const turn = messages.filter((m) => m.role === 'assistant').length;
  return { id: `offline_call_${turn + 1}_${index + 1}`, name: tool.name, arguments: JSON.stringify(sampleOf(tool.parameters, subject)) };
}

/** The closing answer: which tools answered what (clipped), so the run shows its path. */
export function offlineToolSummary(messages: readonly ChatMessage[]): string {
  const names = new Map(messages.flatMap((m) => m.toolCalls ?? []).map((c) => [c.id, c.name]));
  const answers = messages.filter((m) => m.role === 'tool').map((m) => `${names.get(m.toolCallId ?? '') ?? 'tool'} → ${clip(m.content, 160)}`);
  return answers.length === 0 ? 'no tools were called' : `from the tools: ${answers.join('; ')}`;
}

/** A value the schema accepts, for the common keywords; `subject` fills free text. */
export function sampleOf(schema: unknown, subject: string): unknown {
  if (typeof schema !== 'object' || schema === null) return subject;
  const s = schema as Record<string, unknown>;
  if ('const' in s) return s['const'];
  if (s['default'] !== undefined) return s['default'];
  if (Array.isArray(s['enum']) && s['enum'].length > 0) return s['enum'][0];
  if (Array.isArray(s['examples']) && s['examples'].length > 0) return s['examples'][0];
  for (const key of ['anyOf', 'oneOf'] as const) {
    const options = s[key];
    if (Array.isArray(options) && options.length > 0) return sampleOf(options[0], subject);
  }
  const type = Array.isArray(s['type']) ? s['type'][0] : s['type'];
  switch (type) {
    case 'object':
    case undefined: {
      if (type === undefined && !('properties' in s)) return subject;
      const props = (s['properties'] ?? {}) as Record<string, unknown>;
      return Object.fromEntries(Object.entries(props).map(([key, sub]) => [key, sampleOf(sub, subject)]));
    }
    case 'array': {
      const min = typeof s['minItems'] === 'number' ? s['minItems'] : 1;
      return Array.from({ length: Math.max(min, 1) }, () => sampleOf(s['items'], subject));
    }
    case 'integer':
    case 'number':
      return typeof s['minimum'] === 'number' ? s['minimum'] : typeof s['maximum'] === 'number' ? Math.min(1, s['maximum']) : 1;
    case 'boolean':
      return true;
    case 'null':
      return null;
    default: {
      const max = typeof s['maxLength'] === 'number' ? s['maxLength'] : 80;
      const text = clip(subject.trim() === '' ? 'example' : subject.trim(), max);
      const min = typeof s['minLength'] === 'number' ? s['minLength'] : 0;
      return text.padEnd(min, '.');
    }
  }
}

function clip(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length <= max ? flat : flat.slice(0, Math.max(0, max - 1)) + '…';
}
