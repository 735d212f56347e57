/**
 * The one error the client throws for a GraphQL or HTTP failure: the contract's
 * `extensions.code`, and `extensions.path` for BAD_USER_INPUT, so a form can put the
 * message next to the field it names.
 */
export interface GraphQLErrorShape {
  message: string;
  extensions?: { code?: string; path?: ReadonlyArray<string | number> } & Record<string, unknown>;
}

export class ClientError extends Error {
  override readonly name = 'ClientError';
  constructor(
    message: string,
    /** UNAUTHENTICATED, FORBIDDEN, BAD_USER_INPUT, NOT_FOUND, … or NETWORK when no answer came. */
    readonly code: string,
    /** The offending input path (BAD_USER_INPUT), e.g. ['input', 'documents', 2, 'text']. */
    readonly path?: ReadonlyArray<string | number>,
    /** Every error of the response, when there were several. */
    readonly errors: readonly GraphQLErrorShape[] = [],
  ) {
    super(message);
  }

  static from(errors: readonly GraphQLErrorShape[]): ClientError {
    const first = errors[0] ?? { message: 'unknown error' };
    return new ClientError(first.message, first.extensions?.code ?? 'INTERNAL_SERVER_ERROR', first.extensions?.path, errors);
  }
}

/** True for errors that a retry will not mend (the answer would be the same). */
export function isFinalError(err: unknown): boolean {
  return err instanceof ClientError && err.code !== 'NETWORK' && err.code !== 'RATE_LIMITED';
}
