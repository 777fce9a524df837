import type { Config } from '../config.ts';
import { openPostgresStore } from './postgres.ts';
import { openSqliteStore } from './sqlite.ts';
import type { Store } from './types.ts';

/** The configured store: PostgreSQL when databaseUrl is set, else the SQLite file (the default). */
export function openStore(config: Config, log?: (message: string) => void): Promise<Store> {
  if (!config.databaseUrl) return openSqliteStore(config.databasePath);
  return openPostgresStore({
    url: config.databaseUrl,
    poolSize: config.databasePoolSize,
    connectTimeoutMs: config.databaseConnectTimeoutSeconds * 1000,
    ...(log ? { log } : {}),
  });
}
