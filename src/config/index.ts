/** The configuration's public face: the typed config and its loader, the config error,
 * and the duration parser other layers share. */
export * from './config.js';
export { ConfigError, parseDuration } from './parse.js';
export * from './api-limits.js';
export { perMinuteLimit, type AiControlConfig } from './ai-control-config.js';
export * from './tracing-config.js';
export type { McpConfig, McpServerConfig } from './mcp-config.js';
export * from './files-config.js';
export { MAX_ATTEMPTS_LIMIT, PRIORITY_LIMIT, type AccessTokenConfig, type SubmitAllowance } from './access-token-config.js';
export { localSecretKey, withWebhookSecretKey, LOCAL_SECRET_KEY_FILE } from './local-secret-key.js';
