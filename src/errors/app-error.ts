import { ErrorCode } from './error-codes.js';

/**
 * The one error type the domain throws for a caller's mistake or a missing object.
 * The GraphQL layer turns it into an error with `extensions.code` (and `extensions.path`
 * for BAD_USER_INPUT); anything that is not an AppError becomes INTERNAL_SERVER_ERROR.
 */
export class AppError extends Error {
  override readonly name = 'AppError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** The offending input path, e.g. ['input', 'documents', 3, 'text']. */
    readonly path?: ReadonlyArray<string | number>,
  ) {
    super(message);
  }

  /** graphql-js copies an original error's `extensions` onto the GraphQLError it wraps. */
  get extensions(): Record<string, unknown> {
    return this.path ? { code: this.code, path: this.path } : { code: this.code };
  }
}

export const notFound = (what: string, id: string): AppError =>
  new AppError(ErrorCode.NOT_FOUND, `${what} ${id} was not found`);

export const badInput = (path: ReadonlyArray<string | number>, message: string): AppError =>
  new AppError(ErrorCode.BAD_USER_INPUT, `${path.join('.')}: ${message}`, path);

export const conflict = (message: string): AppError => new AppError(ErrorCode.CONFLICT, message);

export const unauthenticated = (message = 'a valid API key is required (Authorization: Bearer <key>)'): AppError =>
  new AppError(ErrorCode.UNAUTHENTICATED, message);

/** For exhaustive switches: the compiler proves this is never reached. */
export function unreachable(value: never): never {
  throw new Error(`unreachable case: ${JSON.stringify(value)}`);
}
