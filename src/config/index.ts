export * from './config.js';
export { ConfigError, parseDuration } from './parse.js';
export { perMinuteLimit, type AiControlConfig } from './ai-control-config.js';
