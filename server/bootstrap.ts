import type { Clock } from './clock.ts';
import type { AuditLog } from './audit.ts';
import { generatePassword, hashPassword, passwordProblem } from './passwords.ts';
import type { Store } from './store/types.ts';
import { ConfigError, InputError } from './errors.ts';

/**
 * On first start (no users at all) create `admin`, so a newcomer can sign in: with the password from
 * GRAFANA_SSO_ADMIN_PASSWORD, or a random one printed once. Returns the printed notice, if any.
 */
export async function ensureFirstAdmin(store: Store, clock: Clock, audit: AuditLog, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  if ((await store.countUsers()) > 0) return undefined;
  const given = env.GRAFANA_SSO_ADMIN_PASSWORD;
  if (given !== undefined) {
    const problem = passwordProblem(given);
    if (problem) throw new ConfigError('GRAFANA_SSO_ADMIN_PASSWORD', problem);
  }
  const password = given ?? generatePassword();
  let user;
  try {
    user = await store.createUser(
      { login: 'admin', email: 'admin@localhost', name: 'Administrator', passwordHash: await hashPassword(password), isAdmin: true },
      clock.now(),
    );
  } catch (e) {
    // Another server sharing the database, started at the same moment, created it first.
    if (e instanceof InputError && e.code === 'login_taken') return undefined;
    throw e;
  }
  await audit.record('user_created', { user: user.id, login: 'admin', by: 'first-start' });
  if (given !== undefined) return 'Created user "admin" with the password from GRAFANA_SSO_ADMIN_PASSWORD.';
  return [
    '',
    '================================================================',
    ' First start: created user "admin" with this password (shown once):',
    `     ${password}`,
    ' Change it with:  npm run cli -- users passwd admin',
    '================================================================',
    '',
  ].join('\n');
}
