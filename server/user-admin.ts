import type { AuditLog } from './audit.ts';
import type { Clock } from './clock.ts';
import type { InstanceConfig } from './config.ts';
import { InputError } from './errors.ts';
import { generatePassword, hashPassword, passwordProblem } from './passwords.ts';
import { parseRole } from './contract/index.ts';
import type { InstanceGrant, Store, User } from './store/types.ts';

/**
 * User administration: the rules for creating and changing accounts, whoever asks (the CLI today, an
 * admin page or API later). Every change is validated, written, ends sessions where it must (a new
 * password, disabling) and is audited with who did it.
 */

/** Audit event types of user administration. */
export const USER_EVENTS = {
  created: 'user_created',
  passwordChanged: 'password_changed',
  disabled: 'user_disabled',
  enabled: 'user_enabled',
  deleted: 'user_deleted',
  groupsSet: 'user_groups_set',
  roleSet: 'user_role_set',
} as const;

const LOGIN = /^[\w.@+-]{1,100}$/;
const EMAIL = /^[^\s@]+@[^\s@]+$/;

export function checkLogin(login: string): void {
  if (!LOGIN.test(login)) throw new InputError('invalid_login', 'A login is 1–100 letters, digits or . _ @ + -');
}

export function checkEmail(email: string): void {
  if (!EMAIL.test(email)) throw new InputError('invalid_email', `"${email}" is not an email address`);
}

/** "a, b,,a" → ["a", "b"]: a comma-separated group list, trimmed and without repeats. */
export const parseGroups = (text: string): string[] => [...new Set(text.split(',').map((g) => g.trim()).filter(Boolean))];

/** A grant as typed by an administrator: a role (any case), `no-access`, or `default` (null: no grant). */
export function parseGrant(text: string, instance: InstanceConfig): InstanceGrant | null {
  if (text === 'default') return null;
  if (text === 'no-access') return 'no-access';
  const role = parseRole(text);
  if (!role) throw new InputError('invalid_role', `"${text}" is not a role; use Viewer, Editor, Admin, None, GrafanaAdmin, no-access or default`);
  if (!instance.allowedRoles.includes(role)) throw new InputError('role_not_allowed', `Instance "${instance.id}" allows only: ${instance.allowedRoles.join(', ')}`);
  return role;
}

export interface NewAccount {
  login: string;
  email: string;
  name?: string;
  isAdmin?: boolean;
  groups?: string[];
  /** Omitted: a random password is generated and returned once. */
  password?: string;
}

export interface PasswordResult {
  user: User;
  /** The password set; show it only when `generated`. */
  password: string;
  generated: boolean;
}

export interface AdminDeps {
  store: Store;
  audit: AuditLog;
  clock: Clock;
  instances: readonly InstanceConfig[];
}

export class UserAdmin {
  /** `by` is recorded in every audit event: "cli", or the id of the administrator acting. */
  constructor(
    private readonly deps: AdminDeps,
    private readonly by: string,
  ) {}

  list(): Promise<User[]> {
    return this.deps.store.listUsers();
  }

  async find(login: string): Promise<User> {
    const user = await this.deps.store.getUserByLogin(login);
    if (!user) throw new InputError('unknown_user', `No user with login "${login}"`);
    return user;
  }

  instance(id: string): InstanceConfig {
    const instance = this.deps.instances.find((i) => i.id === id);
    if (!instance) throw new InputError('unknown_instance', `No instance "${id}"; configured: ${this.deps.instances.map((i) => i.id).join(', ')}`);
    return instance;
  }

  async create(account: NewAccount): Promise<PasswordResult> {
    checkLogin(account.login);
    checkEmail(account.email);
    const { password, generated } = chosenPassword(account.password);
    const user = await this.deps.store.createUser(
      {
        login: account.login,
        email: account.email,
        name: account.name ?? account.login,
        passwordHash: await hashPassword(password),
        isAdmin: account.isAdmin ?? false,
        groups: account.groups ?? [],
      },
      this.deps.clock.now(),
    );
    await this.record(USER_EVENTS.created, user);
    return { user, password, generated };
  }

  /** A new password ends every session of the user: whoever knew the old one is signed out. */
  async setPassword(login: string, newPassword?: string): Promise<PasswordResult & { sessionsEnded: number }> {
    const user = await this.find(login);
    const { password, generated } = chosenPassword(newPassword);
    await this.deps.store.updateUser(user.id, { passwordHash: await hashPassword(password) }, this.deps.clock.now());
    const sessionsEnded = await this.deps.store.deleteUserSessions(user.id);
    await this.record(USER_EVENTS.passwordChanged, user, { sessionsEnded });
    return { user, password, generated, sessionsEnded };
  }

  /** Disabling ends the user's sessions, so no new token is minted; the last one expires on its own. */
  async setDisabled(login: string, disabled: boolean): Promise<{ user: User; sessionsEnded: number }> {
    const user = await this.find(login);
    await this.deps.store.updateUser(user.id, { disabled }, this.deps.clock.now());
    const sessionsEnded = disabled ? await this.deps.store.deleteUserSessions(user.id) : 0;
    await this.record(disabled ? USER_EVENTS.disabled : USER_EVENTS.enabled, user);
    return { user, sessionsEnded };
  }

  async delete(login: string): Promise<User> {
    const user = await this.find(login);
    await this.deps.store.deleteUser(user.id);
    await this.record(USER_EVENTS.deleted, user);
    return user;
  }

  async setGroups(login: string, groups: string[]): Promise<User> {
    const user = await this.find(login);
    const updated = await this.deps.store.updateUser(user.id, { groups }, this.deps.clock.now());
    await this.record(USER_EVENTS.groupsSet, user, { groups });
    return updated;
  }

  /** Sets (or with `default`, removes) the user's grant on one instance; returns the user as now stored. */
  async setRole(login: string, instanceId: string, grantText: string): Promise<{ user: User; instance: InstanceConfig; grant: InstanceGrant | null }> {
    const user = await this.find(login);
    const instance = this.instance(instanceId);
    const grant = parseGrant(grantText, instance);
    await this.deps.store.setGrant(user.id, instance.id, grant);
    await this.record(USER_EVENTS.roleSet, user, { instance: instance.id, grant });
    return { user: await this.find(login), instance, grant };
  }

  private record(type: string, user: User, fields: Record<string, unknown> = {}): Promise<void> {
    return this.deps.audit.record(type, { user: user.id, login: user.login, ...fields, by: this.by });
  }
}

function chosenPassword(given: string | undefined): { password: string; generated: boolean } {
  if (given === undefined) return { password: generatePassword(), generated: true };
  const problem = passwordProblem(given);
  if (problem) throw new InputError('weak_password', problem);
  return { password: given, generated: false };
}
