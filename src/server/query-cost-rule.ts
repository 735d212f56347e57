/**
 * A validation rule that estimates an operation's cost before it runs: one per field of
 * object type, the sub-selection of a list field multiplied by its page size, each item of
 * a list at least one (reading it is work, whatever its fields), plus the work the schema
 * knows grows with data (`extraCost`: a batch's counts read its jobs).
 */
import {
  GraphQLError,
  getNamedType,
  getNullableType,
  isListType,
  isObjectType,
  isInterfaceType,
  isUnionType,
  Kind,
  type FieldNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLOutputType,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';

export interface QueryCostOptions {
  maxCost: number;
  /** The largest page each paging argument accepts: a variable is counted at this size. */
  maxPage: Readonly<Record<string, number>>;
  /** The size assumed for a list field that takes no paging argument. */
  unpagedListSize: number;
  /**
   * Work beyond the fields themselves, per object of a type (`'Batch'`) or per field
   * (`'Batch.usage'`): what resolving it reads that grows with the data. @default {}
   */
  extraCost?: Readonly<Record<string, number>>;
  /** Builds the refusal, so that every limit refuses the same way. */
  refuse(message: string, limit: string, value: number): GraphQLError;
}

/** Argument names that bound the length of the list a field returns. */
const PAGE_ARGS = ['first', 'limit'] as const;

export function queryCostRule(opts: QueryCostOptions): ValidationRule {
  return (context: ValidationContext) => ({
    OperationDefinition: {
      enter(operation) {
        const root =
          operation.operation === 'query'
            ? context.getSchema().getQueryType()
            : operation.operation === 'mutation'
              ? context.getSchema().getMutationType()
              : context.getSchema().getSubscriptionType();
        if (!root) return;
        const cost = selectionCost(context, opts, root, operation.selectionSet, new Set());
        if (cost > opts.maxCost) {
          context.reportError(
            opts.refuse(
              `the query's estimated cost ${cost} is over the limit GRAPHQL_MAX_COST=${opts.maxCost}: ask for smaller pages (first, limit) or fewer nested lists`,
              'GRAPHQL_MAX_COST',
              opts.maxCost,
            ),
          );
        }
      },
    },
  });
}

type Parent = GraphQLNamedType;

function selectionCost(context: ValidationContext, opts: QueryCostOptions, parent: Parent, set: SelectionSetNode, fragments: Set<string>): number {
  let total = 0;
  for (const sel of set.selections) {
    if (total > opts.maxCost) return total; // already refused: stop counting a hostile document early
    if (sel.kind === Kind.FIELD) {
      total += fieldCost(context, opts, parent, sel, fragments);
    } else if (sel.kind === Kind.INLINE_FRAGMENT) {
      const typeName = sel.typeCondition?.name.value;
      const target = typeName ? (context.getSchema().getType(typeName) ?? parent) : parent;
      total += selectionCost(context, opts, target, sel.selectionSet, fragments);
    } else {
      const name = sel.name.value;
      const fragment = context.getFragment(name);
      if (!fragment || fragments.has(name)) continue; // cycles are refused by NoFragmentCycles
      const target = context.getSchema().getType(fragment.typeCondition.name.value) ?? parent;
      total += selectionCost(context, opts, target, fragment.selectionSet, new Set([...fragments, name]));
    }
  }
  return total;
}

function fieldCost(context: ValidationContext, opts: QueryCostOptions, parent: Parent, node: FieldNode, fragments: Set<string>): number {
  if (!node.selectionSet) return 0; // scalars are free: MAX_RESPONSE_BYTES bounds their size
  const field = fieldOf(parent, node.name.value);
  if (!field) return 1; // unknown fields are refused by FieldsOnCorrectType
  const type = getNamedType(field.type);
  const extra = (opts.extraCost?.[type.name] ?? 0) + (opts.extraCost?.[`${parent.name}.${field.name}`] ?? 0);
  const inner = selectionCost(context, opts, type, node.selectionSet, fragments) + extra;
  const size = listSize(opts, parent, field, node);
  // One object is its field; each item of a list costs at least one, even with scalar fields only.
  return 1 + (isMany(field) ? size * Math.max(1, inner) : size * inner);
}

function isMany(field: GraphQLField<unknown, unknown>): boolean {
  return returnsList(field.type) || field.args.some((a) => (PAGE_ARGS as readonly string[]).includes(a.name));
}

function fieldOf(parent: Parent, name: string): GraphQLField<unknown, unknown> | undefined {
  if (isObjectType(parent) || isInterfaceType(parent)) return parent.getFields()[name];
  if (isUnionType(parent)) return undefined; // only __typename is selectable on a union itself
  return undefined;
}

/**
 * How many times a field's sub-selection is resolved: its page size for lists and
 * connections. A connection's `edges` are as many as its page, counted at the connection.
 */
function listSize(opts: QueryCostOptions, parent: Parent, field: GraphQLField<unknown, unknown>, node: FieldNode): number {
  if (parent.name.endsWith('Connection') && (field.name === 'edges' || field.name === 'nodes')) return 1;
  for (const argName of PAGE_ARGS) {
    const def = field.args.find((a) => a.name === argName);
    if (!def) continue;
    const given = node.arguments?.find((a) => a.name.value === argName);
    const max = opts.maxPage[argName] ?? opts.unpagedListSize;
    if (!given) return typeof def.defaultValue === 'number' ? def.defaultValue : max;
    if (given.value.kind === Kind.INT) return Math.max(0, Math.min(Number(given.value.value), max));
    return max; // a variable or null: counted at its largest
  }
  return returnsList(field.type) ? opts.unpagedListSize : 1;
}

function returnsList(type: GraphQLOutputType): boolean {
  return isListType(getNullableType(type));
}
