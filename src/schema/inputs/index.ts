/** All input types of the contract. */
export * from './job-filter.input.js';
export * from './submit-job.input.js';
export * from './document.input.js';
export * from './analyze-documents.input.js';
export * from './create-webhook-endpoint.input.js';
export * from './update-webhook-endpoint.input.js';
export * from './job-budget.input.js';
export * from './review-job.input.js';
export * from './review.input.js';
export * from './create-schedule.input.js';
export * from './update-schedule.input.js';
