import { closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError } from '../errors.ts';

/**
 * The database holds the private signing keys, so only the server's own user may read it. Its folder
 * is made 0700 and the file 0600 before SQLite writes a byte (SQLite gives -wal and -shm the database
 * file's mode); a database that group or others can read is refused with the commands that fix it.
 */
export function prepareDatabaseFile(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600));
  const open = [path, `${path}-wal`, `${path}-shm`].filter((f) => existsSync(f) && (statSync(f).mode & 0o077) !== 0);
  if (open.length > 0) {
    const modes = open.map((f) => `${f} (mode ${(statSync(f).mode & 0o777).toString(8)})`).join(', ');
    throw new ConfigError(
      'databasePath',
      `${modes}: group or other users can read the database, which holds the private signing keys. ` +
        `Fix it with: chmod 600 ${open.join(' ')} && chmod 700 ${dirname(path)} — then restart.`,
    );
  }
}
