/** The stored shapes, re-exported for layers that may not import src/db directly. */
export type * from '../db/job-docs.js';
