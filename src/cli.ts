/**
 * Operator commands. `create-api-key --tenant NAME` creates the tenant if new and prints
 * a new key as the only line on stdout (logs and errors go to stderr). Uses MONGODB_URI.
 */
import { createApiKey } from './auth/api-keys.js';
import { connectMongo } from './db/client.js';
import { TenantsRepository } from './db/tenants.repository.js';

const USAGE = 'usage: npm run --silent cli -- create-api-key --tenant NAME';

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i >= 0) return args[i + 1];
  const eq = args.find((a) => a.startsWith(`${name}=`));
  return eq?.slice(name.length + 1);
}

async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command !== 'create-api-key') {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const tenant = flag(rest, '--tenant');
  if (!tenant) {
    process.stderr.write(`--tenant is required\n${USAGE}\n`);
    return 2;
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
    const { key } = await createApiKey(repo, tenant);
    process.stdout.write(`${key}\n`);
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
