/** The errors layer: the error base with a stable `code`, the request error codes, and
 * the contract's enums as data. Imports nothing of src. */
export * from './error-codes.js';
export * from './app-error.js';
export * from './enum-values.js';
export * from './retry-after.js';
