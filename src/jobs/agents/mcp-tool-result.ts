/**
 * What an MCP tools/call result becomes for the agent loop: its structured content when the
 * server gives one, else its text; binary parts (images, audio, embedded blobs) are named, not
 * copied, so a checkpoint never holds megabytes of base64. `isError: true` is a throw, which
 * the loop hands back to the model as the tool's error.
 */

export interface McpToolResult {
  content?: Array<{ type: string; text?: string; mimeType?: string; uri?: string; resource?: { uri?: string; mimeType?: string; text?: string } }>;
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

export class McpToolError extends Error {
  override readonly name = 'McpToolError';
}

export function toolResultValue(result: McpToolResult): unknown {
  const text = (result.content ?? []).map(partText).join('\n');
  if (result.isError) throw new McpToolError(text === '' ? 'the MCP tool reported an error' : text);
  if (result.structuredContent !== undefined) return result.structuredContent;
  return text;
}

function partText(part: NonNullable<McpToolResult['content']>[number]): string {
  if (part.type === 'text') return part.text ?? '';
  if (part.type === 'resource' && typeof part.resource?.text === 'string') return part.resource.text;
  const what = [part.type, part.mimeType ?? part.resource?.mimeType, part.uri ?? part.resource?.uri].filter(Boolean).join(' ');
  return `[${what} left out]`;
}
