/** Stops the server that global-setup.js started and removes its temporary data. */
import { rmSync } from 'node:fs';

export default async function globalTeardown() {
  const handle = globalThis.__TEST_MONGO__;
  if (!handle) return;
  await handle.mongo.stop();
  rmSync(handle.dataDir, { recursive: true, force: true });
}
