/**
 * A subscription's shape: what decides the bytes one of its items becomes. Subscriptions
 * of one shape are sent the same payload for the same item, so it is built (executed) and
 * serialised once for all of them.
 *
 * The shape is the root field (alias, name, arguments and directives) with its selection
 * set and the fragments it spreads, printed (which drops formatting and comments), the
 * values of the variables these use, and who asks: the tenant and, for a scoped access
 * token, the token and its scope (a nested field may answer differently for it). Left out
 * are the operation's name (not part of a `next` payload) and the resume arguments
 * (`afterSequence`), which say where a stream starts, never how an item looks; so a client
 * resuming at sequence 17 shares the payloads of one that started at 0.
 */
import { createHash } from 'node:crypto';
import { Kind, getOperationAST, print, visit, type DocumentNode, type FieldNode, type FragmentDefinitionNode, type ValueNode } from 'graphql';
import { stringify } from 'safe-stable-stringify';
import type { Access } from '../../auth/access-scope.js';

/** Root arguments that only choose where a stream starts. */
export const RESUME_ARGUMENTS: ReadonlySet<string> = new Set(['afterSequence']);

export interface ShapeInput {
  document: DocumentNode;
  operationName?: string | null | undefined;
  variables?: Readonly<Record<string, unknown>> | null | undefined;
  tenantId: string;
  access?: Access | undefined;
}

export interface SubscriptionShape {
  /** Equal for two subscriptions exactly when their items render to the same payload. */
  key: string;
  /** The root field's name (a bounded metric label). */
  field: string;
}

/**
 * The shape of a validated subscription operation, or null when the document holds no
 * subscription with a single root field (such an operation is not shared).
 */
export function subscriptionShape(input: ShapeInput): SubscriptionShape | null {
  const operation = getOperationAST(input.document, input.operationName);
  if (operation?.operation !== 'subscription') return null;
  const [root, ...more] = operation.selectionSet.selections;
  if (!root || more.length > 0 || root.kind !== Kind.FIELD) return null;
  const field: FieldNode = { ...root, arguments: root.arguments?.filter((a) => !RESUME_ARGUMENTS.has(a.name.value)) ?? [] };

  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of input.document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const used = new Map<string, FragmentDefinitionNode>();
  const variables = new Set<string>();
  const collect = (node: FieldNode | FragmentDefinitionNode): void => {
    visit(node, {
      Variable: (v) => void variables.add(v.name.value),
      FragmentSpread: (s) => {
        const name = s.name.value;
        const fragment = fragments.get(name);
        if (!fragment || used.has(name)) return;
        used.set(name, fragment);
        collect(fragment);
      },
    });
  };
  collect(field);

  const defaults = new Map<string, ValueNode | undefined>(operation.variableDefinitions?.map((d) => [d.variable.name.value, d.defaultValue]) ?? []);
  // Given, defaulted and left out are told apart: an argument left out takes its own default.
  const values = [...variables].sort().map((name) => {
    const given = input.variables?.[name];
    if (given !== undefined) return [name, 'given', given];
    const fallback = defaults.get(name);
    return fallback ? [name, 'default', print(fallback)] : [name, 'absent'];
  });
  const printedFragments = [...used.keys()].sort().map((name) => print(used.get(name)!));
  return {
    key: stringify([input.tenantId, accessShape(input.access), print(field), printedFragments, values]) ?? '',
    field: root.name.value,
  };
}

/** An API key sees its whole tenant; a token sees its own scope, which only it holds. */
function accessShape(access: Access | undefined): string {
  if (access?.kind !== 'token') return 'key';
  const scope = createHash('sha256')
    .update(JSON.stringify([[...access.jobIds].sort(), [...access.batchIds].sort(), [...access.submitKinds].sort(), [...access.fileIds].sort(), access.uploadFiles]))
    .digest('base64url');
  return `token:${access.tokenHash}:${scope}`;
}
