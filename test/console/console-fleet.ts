/**
 * The service as OS processes for a console test in chromium: a database of its own, an API
 * and a worker process, a tenant's key, the console's address and a browser. `stop` ends
 * all of it, whatever was started.
 */
import { openBrowser, type BrowserSession } from '../support/browser.js';
import { createTestDb, type TestDb } from '../support/db.js';
import { startServiceProcess, type ServiceProcess } from '../support/service-process.js';
import { newKey } from '../jobs/live/subscriptions-harness.js';

export interface ConsoleFleet {
  api: ServiceProcess;
  /** The console's address, as the API process prints it. */
  base: string;
  key: string;
  browser: BrowserSession;
  stop(): Promise<void>;
}

/** `name` names the database and the tenant; `workerEnv` is added to the worker's environment. */
export async function startConsoleFleet(name: string, workerEnv: Record<string, string> = {}): Promise<ConsoleFleet> {
  let db: TestDb | undefined;
  let processes: Array<ServiceProcess | undefined> = [];
  let browser: BrowserSession | undefined;
  const stop = async () => {
    await browser?.close();
    await Promise.allSettled(processes.map((p) => p?.stop()));
    await db?.close();
  };
  try {
    db = await createTestDb(name);
    const uri = db.uri;
    const [api, worker] = await Promise.all([
      startServiceProcess({ MONGODB_URI: uri, ROLE: 'api' }),
      startServiceProcess({ MONGODB_URI: uri, ROLE: 'worker', ...workerEnv }),
    ]);
    processes = [api, worker];
    const base = /^Console: (\S+)/m.exec(api.stdout())?.[1] ?? '';
    const key = await newKey(db, name.replaceAll('_', '-'));
    browser = await openBrowser();
    return { api, base, key, browser, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
