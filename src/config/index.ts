export * from './config.js';
export { ConfigError, parseDuration } from './parse.js';
export * from './api-limits.js';
