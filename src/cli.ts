/**
 * Operator commands. `create-api-key --tenant NAME [--expires-in 30d]` creates the tenant
 * if new and prints a new key as the only line on stdout (logs and errors go to stderr);
 * `list-api-keys --tenant NAME` prints one JSON line per key; `revoke-api-key --key KEY`
 * (or `--id ID`) revokes one; `set-tenant-budget --tenant NAME --usd N` sets its monthly
 * AI budget. Uses MONGODB_URI.
 */
import { createApiKey, hashApiKey } from './auth/api-keys.js';
import { listApiKeys, parseExpiresIn, revokeApiKey } from './auth/key-revocation.js';
import { connectMongo } from './db/client.js';
import { TenantBudgetsRepository, TenantsRepository } from './db/tenants/index.js';

const USAGE = [
  'usage: npm run --silent cli -- create-api-key --tenant NAME [--expires-in 30d]',
  '       npm run --silent cli -- list-api-keys --tenant NAME',
  '       npm run --silent cli -- revoke-api-key --key ak_… | --id ID',
  '       npm run --silent cli -- set-tenant-budget --tenant NAME --usd N   (N in US dollars per month; "none" removes it)',
].join('\n');
const COMMANDS = ['create-api-key', 'list-api-keys', 'revoke-api-key', 'set-tenant-budget'];

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i >= 0) return args[i + 1];
  const eq = args.find((a) => a.startsWith(`${name}=`));
  return eq?.slice(name.length + 1);
}

async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (!command || !COMMANDS.includes(command)) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const tenant = flag(rest, '--tenant');
  const key = flag(rest, '--key');
  const id = flag(rest, '--id');
  if (command === 'revoke-api-key' ? !key && !id : !tenant) {
    process.stderr.write(`${command === 'revoke-api-key' ? '--key or --id' : '--tenant'} is required\n${USAGE}\n`);
    return 2;
  }
  const expiresAt = command === 'create-api-key' ? parseExpiresIn(flag(rest, '--expires-in')) : undefined;
  const usdFlag = flag(rest, '--usd');
  let usd: number | null = null;
  if (command === 'set-tenant-budget') {
    usd = usdFlag === 'none' ? null : Number(usdFlag);
    if (usdFlag === undefined || (usd !== null && !(Number.isFinite(usd) && usd >= 0))) {
      process.stderr.write(`--usd must be a number of US dollars (0 or more) or "none"\n${USAGE}\n`);
      return 2;
    }
  }
  const uri = process.env.MONGODB_URI;
  if (!uri) {
    process.stderr.write('MONGODB_URI must point at the database of the running service (npm start prints it)\n');
    return 2;
  }
  const conn = await connectMongo(uri);
  try {
    const repo = new TenantsRepository(conn.db);
    await repo.ensureIndexes();
    if (command === 'set-tenant-budget') {
      const doc = await repo.findOrCreateByName(tenant!);
      await new TenantBudgetsRepository(conn.db).setMonthlyUsd(doc._id, usd);
      process.stderr.write(usd === null ? `tenant ${tenant}: monthly budget removed\n` : `tenant ${tenant}: monthly budget $${usd}\n`);
      return 0;
    }
    if (command === 'list-api-keys') {
      for (const listed of await listApiKeys(repo, tenant!)) process.stdout.write(`${JSON.stringify(listed)}\n`);
      return 0;
    }
    if (command === 'revoke-api-key') {
      const revoked = await revokeApiKey(repo, key ? { keyHash: hashApiKey(key.trim()) } : { id });
      process.stdout.write(`revoked ${revoked}\n`);
      return 0;
    }
    const created = await createApiKey(repo, tenant!, expiresAt);
    process.stdout.write(`${created.key}\n`);
    return 0;
  } finally {
    await conn.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
