/**
 * Org-role sync from the token (Grafana 11.6+ behaviour, one org):
 * - role_attribute_path must yield a string; valid roles are case-sensitive Viewer, Editor, Admin, None.
 *   "GrafanaAdmin" means org Admin, plus the server-admin flag when allow_assign_grafana_admin is on
 *   (without it, Grafana's code still maps it to org Admin and leaves the flag alone).
 * - allow_assign_grafana_admin on: every request sets the flag from the token, so any other role clears it.
 * - Missing/invalid role: role_attribute_strict → 403 jwt.invalid_role; otherwise the user is reset to
 *   [users] auto_assign_org_role on every request. (Strict with no role_attribute_path at all: every
 *   login is refused — that is what Grafana does.)
 * - skip_org_role_sync: nothing is synced; new users get auto_assign_org_role.
 */
import { AuthError } from './errors.ts';
import { isOrgRole, type OrgRole, type Settings } from './settings.ts';

export interface RoleSync {
  /** undefined: leave the user's org role as it is. */
  orgRole?: OrgRole;
  /** undefined: leave the server-admin flag as it is. */
  isGrafanaAdmin?: boolean;
}

export function syncRoles(
  claims: Record<string, unknown>,
  settings: Settings,
  rolePath: ((claims: unknown) => unknown) | undefined,
): RoleSync {
  const jwt = settings.jwt;
  if (jwt.skipOrgRoleSync) return {};

  const found = rolePath?.(claims);
  let role = typeof found === 'string' ? found : '';
  let grafanaAdmin = false;
  if (role === 'GrafanaAdmin') {
    role = 'Admin';
    grafanaAdmin = true;
  }

  const sync: RoleSync = {};
  if (jwt.allowAssignGrafanaAdmin) sync.isGrafanaAdmin = grafanaAdmin;

  if (isOrgRole(role)) {
    sync.orgRole = role;
  } else if (jwt.roleAttributeStrict) {
    throw new AuthError('jwt.invalid_role', `no valid role from role_attribute_path (got ${JSON.stringify(found ?? null)})`);
  } else {
    sync.orgRole = settings.users.autoAssignOrgRole;
  }
  return sync;
}
