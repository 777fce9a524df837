import type { Clock } from './clock.ts';
import type { AuditLog } from './audit.ts';
import type { InstanceConfig } from './config.ts';
import { passwordProblem } from './passwords.ts';
import type { Store } from './store/types.ts';
import { ConfigError, InputError } from './errors.ts';
import { UserAdmin } from './user-admin.ts';

/**
 * The token server's own administrator, created on first start. Its login and email are chosen not to
 * collide with Grafana's built-in admin (`admin` / `admin@localhost`): Grafana links a token to an
 * existing account by email, then login, so a token for `admin` would sign in as Grafana's admin and
 * role sync would change that account's role (docs/grafana-jwt.md#users, #fresh-grafana).
 */
export const FIRST_ADMIN = { login: 'sso-admin', email: 'sso-admin@localhost', name: 'SSO administrator' } as const;

/** In Grafana it is an org Admin (not a server admin), by an explicit grant on each instance that allows Admin. */
const FIRST_ADMIN_GRAFANA_ROLE = 'Admin';

/**
 * On first start (no users at all) create FIRST_ADMIN, so a newcomer can sign in: with the password
 * from GRAFANA_SSO_ADMIN_PASSWORD, or a random one printed once. Returns the printed notice, if any.
 */
export async function ensureFirstAdmin(
  store: Store,
  clock: Clock,
  audit: AuditLog,
  env: NodeJS.ProcessEnv,
  instances: readonly InstanceConfig[],
): Promise<string | undefined> {
  if ((await store.countUsers()) > 0) return undefined;
  const given = env.GRAFANA_SSO_ADMIN_PASSWORD;
  if (given !== undefined) {
    const problem = passwordProblem(given);
    if (problem) throw new ConfigError('GRAFANA_SSO_ADMIN_PASSWORD', problem);
  }
  // The same account rules (and audit events) as every other user change.
  const admin = new UserAdmin({ store, audit, clock, instances }, 'first-start');
  let password: string;
  try {
    ({ password } = await admin.create({ ...FIRST_ADMIN, isAdmin: true, ...(given !== undefined ? { password: given } : {}) }));
  } catch (e) {
    // Another server sharing the database, started at the same moment, created it first.
    if (e instanceof InputError && e.code === 'login_taken') return undefined;
    throw e;
  }
  const granted = instances.filter((i) => i.allowedRoles.includes(FIRST_ADMIN_GRAFANA_ROLE));
  for (const instance of granted) await admin.setRole(FIRST_ADMIN.login, instance.id, FIRST_ADMIN_GRAFANA_ROLE);

  const inGrafana = granted.length
    ? `In Grafana it signs in as its own account "${FIRST_ADMIN.login}" (${FIRST_ADMIN.email}), org role ${FIRST_ADMIN_GRAFANA_ROLE} on ${granted.map((i) => i.id).join(', ')} (an explicit grant).`
    : `In Grafana it signs in as its own account "${FIRST_ADMIN.login}" (${FIRST_ADMIN.email}) with each instance's default role.`;
  const lines = [
    inGrafana,
    `It is not Grafana's built-in "admin": that account is left alone, and stays Grafana's server admin.`,
    'Grafana links tokens to existing accounts by email, then login, and sets their role on every request:',
    'before switching SSO on for a Grafana that has users, run  npm run cli -- grafana-preflight  (README).',
  ];
  if (given !== undefined) return [`Created the token server's administrator "${FIRST_ADMIN.login}" with the password from GRAFANA_SSO_ADMIN_PASSWORD.`, ...lines].join('\n');
  return [
    '',
    '================================================================',
    ` First start: created the token server's administrator "${FIRST_ADMIN.login}"`,
    ' with this password (shown once):',
    `     ${password}`,
    ...lines.map((l) => ` ${l}`),
    ` Change the password with:  npm run cli -- users passwd ${FIRST_ADMIN.login}`,
    '================================================================',
    '',
  ].join('\n');
}
