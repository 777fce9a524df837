import { existsSync } from 'node:fs';
import { copySqliteToPostgres } from '../../store/copy.ts';
import { UsageError, command } from '../command.ts';

export const commands = [
  command({
    words: ['copy-to-postgres'],
    options: { from: { type: 'string', value: 'FILE', help: 'the SQLite file (default: databasePath)' } },
    summary: 'copy the SQLite database into the empty PostgreSQL one of databaseUrl; checks the counts',
    async run({ config, io, options }) {
      if (!config.databaseUrl) throw new UsageError('Set databaseUrl (GRAFANA_SSO_DATABASE_URL) to the PostgreSQL database to copy into');
      const from = options.from ?? config.databasePath;
      // Opening a missing file would create an empty database and copy nothing.
      if (!existsSync(from)) throw new UsageError(`The SQLite file ${from} does not exist`);
      const copied = await copySqliteToPostgres(from, {
        url: config.databaseUrl,
        poolSize: 2,
        connectTimeoutMs: config.databaseConnectTimeoutSeconds * 1000,
      });
      for (const { table, rows } of copied) io.out(`${table}: ${rows}`);
      io.out(`Copied ${from} into PostgreSQL; every table's row count matches.`);
      return 0;
    },
  }),
];
