/**
 * A real browser for the console's tests: Debian's chromium driven by playwright-core
 * (nothing downloaded), headless, with a fresh profile. Every console error, page error,
 * failed request and HTTP error answer is recorded, and a test fails on any it did not
 * expect. Screenshots go to test-artifacts/screenshots (ignored by git).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** False where chromium is not installed: the browser suites are skipped there. */
export const HAS_CHROMIUM = existsSync(CHROMIUM);

export const SCREENSHOTS = resolve(import.meta.dirname, '..', '..', 'test-artifacts', 'screenshots');

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface BrowserSession {
  context: BrowserContext;
  page: Page;
  /** Problems seen so far: console errors, page errors, failed or erroring requests. */
  problems: string[];
  /** The problems so far except those matching an expected pattern, all of them forgotten: what one test saw, checked after it. */
  takeUnexpected(allowed?: RegExp[]): string[];
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

export async function openBrowser(viewport = { width: 1440, height: 900 }): Promise<BrowserSession> {
  const profile = mkdtempSync(join(tmpdir(), 'console-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport,
    timeout: 60_000,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('requestfailed', (req) => problems.push(`request failed: ${req.method()} ${req.url()} ${req.failure()?.errorText ?? ''}`));
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.request().method()} ${res.url()}`);
  });
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    context,
    page,
    problems,
    takeUnexpected: (allowed = []) => problems.splice(0).filter((p) => !allowed.some((re) => re.test(p))),
    async screenshot(name) {
      const path = join(SCREENSHOTS, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    async close() {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
