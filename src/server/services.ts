/**
 * The composition root: every repository and domain service of one process, built once
 * from the config and the database. Resolvers see only `domain` (through the context).
 */
import type { Db } from 'mongodb';
import type { Config } from '../config/index.js';
import { TenantsRepository } from '../db/tenants.repository.js';
import type { Logger } from '../log/logger.js';
import type { DomainServices } from '../resolvers/context.js';

export interface Services {
  config: Readonly<Config>;
  logger: Logger;
  db: Db;
  tenants: TenantsRepository;
  domain: DomainServices;
}

export async function createServices(config: Readonly<Config>, logger: Logger, db: Db): Promise<Services> {
  const tenants = new TenantsRepository(db);
  await tenants.ensureIndexes();
  return { config, logger, db, tenants, domain: { ready: true } };
}
