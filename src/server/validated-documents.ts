/**
 * Documents received over WebSocket, parsed and validated once per text: thousands of
 * clients sending the same subscription (a console, a watch) share one document, so each
 * subscription costs neither a parse and a validation nor a syntax tree of its own.
 * Validation depends on the text alone (the query limits count a variable's largest page,
 * never its value), so a cached document is exactly what validating again would accept.
 * Only valid documents are kept, the most recently used first, within a count and a size.
 */
import { GraphQLError, parse, validate, type DocumentNode, type GraphQLSchema, type ValidationRule } from 'graphql';

export interface ValidatedDocumentsOptions {
  schema: GraphQLSchema;
  rules: readonly ValidationRule[];
  /** GRAPHQL_MAX_TOKENS. */
  maxTokens: number;
  /** Documents kept. @defaultValue 500 */
  maxEntries?: number;
  /** Longer texts are validated every time and not kept. @defaultValue 16384 characters */
  maxTextLength?: number;
}

export class ValidatedDocuments {
  private readonly byText = new Map<string, DocumentNode>();

  constructor(private readonly opts: ValidatedDocumentsOptions) {}

  /** The valid document for `text`, or the errors that make it invalid. */
  get(text: string): { document: DocumentNode } | { errors: readonly GraphQLError[] } {
    const known = this.byText.get(text);
    if (known) {
      this.byText.delete(text);
      this.byText.set(text, known);
      return { document: known };
    }
    let document: DocumentNode;
    try {
      document = parse(text, { maxTokens: this.opts.maxTokens });
    } catch (err) {
      return { errors: [err instanceof GraphQLError ? err : new GraphQLError(String(err))] };
    }
    const errors = validate(this.opts.schema, document, this.opts.rules);
    if (errors.length > 0) return { errors };
    if (text.length <= (this.opts.maxTextLength ?? 16_384)) {
      this.byText.set(text, document);
      if (this.byText.size > (this.opts.maxEntries ?? 500)) this.byText.delete(this.byText.keys().next().value!);
    }
    return { document };
  }
}
