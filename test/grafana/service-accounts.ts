/**
 * Service accounts and what an identity may do, as far as the API routes the stand-in serves need it.
 *
 * - A service account is a row of the user table with an org role in one org; its tokens
 *   (`glsa_…`) are sent as `Authorization: Bearer <token>`. An unknown token: 401 api-key.invalid.
 * - Permissions come from the basic roles (Grafana's fixed roles granted to them): `org.users:read`
 *   for org Admins, `users:read` (every user of every org) only for server admins, which a service
 *   account cannot be in Grafana OSS. `grants` adds permissions on top, as Enterprise's role
 *   assignments can.
 */
import { randomBytes } from 'node:crypto';
import type { OrgRole } from './settings.ts';
import { MAIN_ORG_ID, type GrafanaUser, type UserStore } from './users.ts';

export type Permission = 'org.users:read' | 'users:read';

export interface ServiceAccount {
  user: GrafanaUser;
  orgId: number;
  grants: readonly Permission[];
}

export interface NewServiceAccount {
  name: string;
  /** Default Viewer, Grafana's default for a new service account. */
  role?: OrgRole;
  orgId?: number;
  grants?: Permission[];
}

export class ServiceAccounts {
  private readonly byToken = new Map<string, ServiceAccount>();

  constructor(private readonly users: UserStore) {}

  /** Creates a service account with one token; returns the token (shown once, as Grafana does). */
  add(account: NewServiceAccount): { id: number; token: string } {
    const orgId = account.orgId ?? MAIN_ORG_ID;
    const role = account.role ?? 'Viewer';
    const slug = account.name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
    const user = this.users.add(
      { login: `sa-${orgId}-${slug}`, name: account.name, orgRole: orgId === MAIN_ORG_ID ? role : null, otherOrgs: orgId === MAIN_ORG_ID ? {} : { [orgId]: role } },
      true,
    );
    const token = `glsa_${randomBytes(24).toString('base64url')}_${randomBytes(4).toString('hex')}`;
    this.byToken.set(token, { user, orgId, grants: account.grants ?? [] });
    return { id: user.id, token };
  }

  find(token: string): ServiceAccount | undefined {
    return this.byToken.get(token);
  }
}

/** What an identity acting in `orgId` may do. */
export function permissions(user: GrafanaUser, orgId: number, grants: readonly Permission[] = []): Set<Permission> {
  const out = new Set<Permission>(grants);
  if (user.orgs.get(orgId) === 'Admin') out.add('org.users:read');
  if (user.isGrafanaAdmin && !user.isServiceAccount) {
    out.add('users:read');
    out.add('org.users:read');
  }
  return out;
}
