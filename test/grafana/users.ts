/**
 * Grafana's user table and org memberships, in memory, and the user and org sync Grafana runs for an
 * authenticated JWT identity on every request:
 *
 * - Lookup by the (jwt, sub) auth link, else by email, else by login (case-insensitive, Grafana's
 *   default). A found user is updated from the token (non-empty values only) and linked to the sub,
 *   so a token carrying an existing account's email signs in **as that account**. An unknown user is
 *   created only with auto_sign_up; an empty email becomes the login, an empty login the email.
 * - Org sync (unless skipped): the mapped set is the main org (no org_mapping) with the token's role.
 *   Roles in it are updated, the user is added when not a member, and removed from every other org.
 *   Grafana refuses to leave an org without an Admin: a demotion of the org's last Admin fails the
 *   whole request (after the user was already updated and linked); a removal that would do so is
 *   skipped and the membership stays.
 * - A fresh Grafana starts with its built-in admin: id 1, `admin` / `admin@localhost`, Admin of the
 *   main org and server admin.
 * - Service accounts are rows of the same table, as in Grafana: never found by lookup, never listed as
 *   users, but their org role counts for the last-Admin rule.
 */
import { AuthError } from './errors.ts';
import type { RoleSync } from './roles.ts';
import type { OrgRole } from './settings.ts';

export const MAIN_ORG_ID = 1;

export interface GrafanaUser {
  id: number;
  login: string;
  email: string;
  name: string;
  /** Org id → role. */
  orgs: Map<number, OrgRole>;
  isGrafanaAdmin: boolean;
  isServiceAccount: boolean;
  /** The JWT `sub` this user is linked to, once a JWT signed them in. */
  authId?: string;
}

export interface NewGrafanaUser {
  login: string;
  email?: string;
  name?: string;
  /** Role in the main org (default Viewer); null: not a member of it. */
  orgRole?: OrgRole | null;
  /** Memberships of other orgs. */
  otherOrgs?: Record<number, OrgRole>;
  isGrafanaAdmin?: boolean;
  authId?: string;
}

export interface JwtIdentity {
  authId: string;
  login: string;
  email: string;
  name: string;
}

export const BUILT_IN_ADMIN = { login: 'admin', email: 'admin@localhost', orgRole: 'Admin', isGrafanaAdmin: true } as const;

export class UserStore {
  private readonly rows: GrafanaUser[] = [];
  private nextId = 1;

  /** Seeds an account, e.g. a local one a test wants a token to collide with. */
  add(user: NewGrafanaUser, isServiceAccount = false): GrafanaUser {
    const orgs = new Map<number, OrgRole>(Object.entries(user.otherOrgs ?? {}).map(([id, role]) => [Number(id), role]));
    const mainRole = user.orgRole === undefined ? 'Viewer' : user.orgRole;
    if (mainRole !== null) orgs.set(MAIN_ORG_ID, mainRole);
    const created: GrafanaUser = {
      id: this.nextId++,
      login: user.login,
      email: user.email ?? '',
      name: user.name ?? '',
      orgs,
      isGrafanaAdmin: user.isGrafanaAdmin ?? false,
      isServiceAccount,
    };
    if (user.authId !== undefined) created.authId = user.authId;
    this.rows.push(created);
    return created;
  }

  /** People (no service accounts), in id order. */
  all(): readonly GrafanaUser[] {
    return this.rows.filter((u) => !u.isServiceAccount);
  }

  byId(id: number): GrafanaUser | undefined {
    return this.rows.find((u) => u.id === id);
  }

  findByLogin(login: string): GrafanaUser | undefined {
    return login ? this.all().find((u) => u.login.toLowerCase() === login.toLowerCase()) : undefined;
  }

  findByEmail(email: string): GrafanaUser | undefined {
    return email ? this.all().find((u) => u.email.toLowerCase() === email.toLowerCase()) : undefined;
  }

  findByAuthId(authId: string): GrafanaUser | undefined {
    return this.all().find((u) => u.authId === authId);
  }

  /** Members of an org, service accounts included (Grafana's org_user rows). */
  members(orgId: number): GrafanaUser[] {
    return this.rows.filter((u) => u.orgs.has(orgId));
  }

  sync(identity: JwtIdentity, roles: RoleSync, options: { autoSignUp: boolean; autoAssignOrgRole: OrgRole }): GrafanaUser {
    const found =
      this.findByAuthId(identity.authId) ?? this.findByEmail(identity.email) ?? this.findByLogin(identity.login);
    let user: GrafanaUser;
    if (found) {
      user = found;
      if (identity.login) user.login = identity.login;
      if (identity.email) user.email = identity.email;
      if (identity.name) user.name = identity.name;
      user.authId = identity.authId;
      if (roles.isGrafanaAdmin !== undefined) user.isGrafanaAdmin = roles.isGrafanaAdmin;
    } else {
      if (!options.autoSignUp) {
        throw new AuthError('user.sync.signup-disabled', `no user for sub ${identity.authId} and auto_sign_up is off`);
      }
      user = this.add({
        login: identity.login || identity.email,
        email: identity.email || identity.login,
        name: identity.name,
        orgRole: roles.orgRole ?? options.autoAssignOrgRole,
        isGrafanaAdmin: roles.isGrafanaAdmin ?? false,
        authId: identity.authId,
      });
    }
    if (roles.orgRole !== undefined) this.syncOrgs(user, new Map([[MAIN_ORG_ID, roles.orgRole]]));
    return user;
  }

  /** Grafana's org sync, in its order: update roles (a failure fails the request), add, then remove. */
  private syncOrgs(user: GrafanaUser, mapped: Map<number, OrgRole>): void {
    const leaving: number[] = [];
    for (const [orgId, role] of user.orgs) {
      const wanted = mapped.get(orgId);
      if (wanted === undefined) leaving.push(orgId);
      else if (wanted !== role) {
        if (this.isLastAdmin(user, orgId)) {
          throw new AuthError(
            'auth.unauthorized',
            `org sync: cannot change the role of ${user.login} (id ${user.id}) in org ${orgId} to ${wanted}: cannot remove last organization admin`,
          );
        }
        user.orgs.set(orgId, wanted);
      }
    }
    for (const [orgId, role] of mapped) if (!user.orgs.has(orgId)) user.orgs.set(orgId, role);
    for (const orgId of leaving) if (!this.isLastAdmin(user, orgId)) user.orgs.delete(orgId);
  }

  private isLastAdmin(user: GrafanaUser, orgId: number): boolean {
    return user.orgs.get(orgId) === 'Admin' && !this.members(orgId).some((u) => u !== user && u.orgs.get(orgId) === 'Admin');
  }
}

/** The user's role in the main org, where JWT sign-in puts everyone ('' when not a member). */
export function mainOrgRole(user: GrafanaUser): OrgRole | '' {
  return user.orgs.get(MAIN_ORG_ID) ?? '';
}
