/**
 * Grafana's user table, in memory, and its user sync for an authenticated JWT identity:
 * lookup by the (jwt, sub) auth link, else by email, else by login (both case-insensitive, as with
 * Grafana's default case_insensitive_login). A found user is updated from the token and linked to the
 * sub — so a token carrying an existing account's email takes that account over. An unknown user is
 * created only with auto_sign_up.
 */
import { AuthError } from './errors.ts';
import type { RoleSync } from './roles.ts';
import type { OrgRole } from './settings.ts';

export interface GrafanaUser {
  id: number;
  login: string;
  email: string;
  name: string;
  orgRole: OrgRole;
  isGrafanaAdmin: boolean;
  /** The JWT `sub` this user is linked to, once a JWT signed them in. */
  authId?: string;
}

export interface JwtIdentity {
  authId: string;
  login: string;
  email: string;
  name: string;
}

export class UserStore {
  private readonly users: GrafanaUser[] = [];
  private nextId = 1;

  /** Seeds a user, e.g. a local account a test wants a token to take over. */
  add(user: Partial<Omit<GrafanaUser, 'id'>> & { login: string }): GrafanaUser {
    const created: GrafanaUser = {
      id: this.nextId++,
      email: '',
      name: '',
      orgRole: 'Viewer',
      isGrafanaAdmin: false,
      ...user,
    };
    this.users.push(created);
    return created;
  }

  all(): readonly GrafanaUser[] {
    return this.users;
  }

  findByLogin(login: string): GrafanaUser | undefined {
    return login ? this.users.find((u) => u.login.toLowerCase() === login.toLowerCase()) : undefined;
  }

  findByEmail(email: string): GrafanaUser | undefined {
    return email ? this.users.find((u) => u.email.toLowerCase() === email.toLowerCase()) : undefined;
  }

  findByAuthId(authId: string): GrafanaUser | undefined {
    return this.users.find((u) => u.authId === authId);
  }

  sync(
    identity: JwtIdentity,
    roles: RoleSync,
    options: { autoSignUp: boolean; autoAssignOrgRole: OrgRole },
  ): GrafanaUser {
    const existing =
      this.findByAuthId(identity.authId) ?? this.findByEmail(identity.email) ?? this.findByLogin(identity.login);

    if (!existing) {
      if (!options.autoSignUp) {
        throw new AuthError('user.sync.signup-disabled', `no user for sub ${identity.authId} and auto_sign_up is off`);
      }
      return this.add({
        login: identity.login || identity.email,
        email: identity.email,
        name: identity.name,
        orgRole: roles.orgRole ?? options.autoAssignOrgRole,
        isGrafanaAdmin: roles.isGrafanaAdmin ?? false,
        authId: identity.authId,
      });
    }

    // Only non-empty token values overwrite, as Grafana's user sync does.
    if (identity.login) existing.login = identity.login;
    if (identity.email) existing.email = identity.email;
    if (identity.name) existing.name = identity.name;
    existing.authId = identity.authId;
    if (roles.orgRole !== undefined) existing.orgRole = roles.orgRole;
    if (roles.isGrafanaAdmin !== undefined) existing.isGrafanaAdmin = roles.isGrafanaAdmin;
    return existing;
  }
}
