export * from './config.js';
export { ConfigError, parseDuration } from './parse.js';
