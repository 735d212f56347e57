/**
 * Which stored fields of a job a `JobConnection` query shows: the fields selected under
 * `edges { node { … } }` (through fragments too), mapped to the job document's fields. A
 * list then reads only those (a job's 4 MB input is not loaded for `{ id status }`). A
 * selected field this map does not know reads the whole job, so a field added later is
 * never served from a document that lacks it.
 */
import type { FieldNode, FragmentDefinitionNode, GraphQLResolveInfo, SelectionSetNode } from 'graphql';
import type { JobDoc, JobFields } from '../db/jobs/index.js';
import type { JobObject } from './mappers.js';

const FIELDS_OF: Record<string, ReadonlyArray<keyof JobDoc>> = {
  __typename: [],
  id: ['_id'],
  kind: ['kind'],
  status: ['status'],
  input: ['input'],
  result: ['result'],
  error: ['error'],
  progress: ['progress'],
  steps: ['steps'],
  attempt: ['attempt'],
  maxAttempts: ['maxAttempts'],
  priority: ['priority'],
  idempotencyKey: ['idempotencyKey'],
  metadata: ['metadata'],
  usage: ['usage'],
  executionMode: ['executionMode'],
  cache: ['cache'],
  batchDeadline: ['batchDeadline'],
  batchFallback: ['batchFallback'],
  createdAt: ['createdAt'],
  startedAt: ['startedAt'],
  finishedAt: ['finishedAt'],
  traceId: ['trace'],
  runAt: ['runAt'],
  scheduleId: ['scheduleId'],
  // Relational fields resolved from the job's ids.
  batch: ['batchId'],
  events: ['_id'],
  webhookDeliveries: ['_id'],
};

/** The job fields the query's list shows; undefined: read whole jobs. */
export function jobListFields(info: GraphQLResolveInfo): JobFields | undefined {
  const wanted = new Set<keyof JobDoc>();
  for (const connection of info.fieldNodes) {
    for (const edges of fieldsNamed(connection.selectionSet, 'edges', info)) {
      for (const node of fieldsNamed(edges.selectionSet, 'node', info)) {
        for (const field of fieldsNamed(node.selectionSet, null, info)) {
          const mapped = FIELDS_OF[field.name.value];
          if (!mapped) return undefined;
          for (const f of mapped) wanted.add(f);
        }
      }
    }
  }
  return [...wanted];
}

/** The fields of a selection set (fragments and inline fragments opened), all or those named `name`. */
function fieldsNamed(set: SelectionSetNode | undefined, name: string | null, info: GraphQLResolveInfo, seen = new Set<string>()): FieldNode[] {
  const out: FieldNode[] = [];
  for (const sel of set?.selections ?? []) {
    if (sel.kind === 'Field') {
      if (name === null || sel.name.value === name) out.push(sel);
    } else if (sel.kind === 'InlineFragment') {
      out.push(...fieldsNamed(sel.selectionSet, name, info, seen));
    } else if (!seen.has(sel.name.value)) {
      seen.add(sel.name.value);
      const fragment: FragmentDefinitionNode | undefined = info.fragments[sel.name.value];
      out.push(...fieldsNamed(fragment?.selectionSet, name, info, seen));
    }
  }
  return out;
}

/**
 * A listed job, read with only some fields, as a Job object: the fields not read hold
 * empty values that no resolver reaches (they were not selected).
 */
export function toListedJob(doc: Partial<JobDoc> & Pick<JobDoc, '_id' | 'createdAt'>, map: (d: JobDoc) => JobObject): JobObject {
  return map({ ...UNREAD, ...doc } as JobDoc);
}

const UNREAD: Partial<JobDoc> = {
  tenantId: '',
  kind: '',
  status: 'QUEUED',
  input: 'null',
  metadata: null,
  result: null,
  error: null,
  steps: [],
  progress: { completed: 0, total: 0, percent: 0, message: null },
  attempt: 0,
  maxAttempts: 0,
  priority: 0,
  batchId: null,
  idempotencyKey: null,
  usage: { calls: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0, costUsd: 0 },
  startedAt: null,
  finishedAt: null,
  trace: null,
};
