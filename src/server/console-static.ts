/**
 * The web console's files (built by `npm run build` into dist/console), served at `/` by
 * every API process. A strict Content-Security-Policy: the page loads nothing but its
 * own script and stylesheet and talks only to this origin (HTTP and WebSocket).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import express, { type Router } from 'express';

/** dist/console, found from dist/server (built) and from src/server (tests) alike. */
export const CONSOLE_DIR = resolve(import.meta.dirname, '..', '..', 'dist', 'console');

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The router, or undefined when the console was not built (the API works without it). */
export function consoleRouter(dir = CONSOLE_DIR): Router | undefined {
  if (!existsSync(resolve(dir, 'index.html'))) return undefined;
  const router = express.Router();
  router.use((_req, res, next) => {
    res.setHeader('Content-Security-Policy', CSP);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    next();
  });
  router.use(express.static(dir, { index: 'index.html', maxAge: 0, fallthrough: true }));
  return router;
}
