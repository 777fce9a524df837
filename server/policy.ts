import type { Config, InstanceConfig } from './config.ts';
import { roleRank, type GrafanaRole } from './contract/index.ts';
import type { User } from './store/types.ts';

/**
 * Which Grafana role a user gets on an instance, or null for no access. Order: a disabled user gets
 * nothing; an explicit grant wins (including "no-access"); else the highest role among the user's
 * groups; else the instance's default. Roles the instance does not allow are never returned.
 */
export function roleFor(user: User, instance: InstanceConfig): GrafanaRole | null {
  if (user.disabled) return null;
  const allowed = (role: GrafanaRole | null | undefined): role is GrafanaRole =>
    !!role && instance.allowedRoles.includes(role) && (role !== 'GrafanaAdmin' || instance.allowGrafanaAdmin);

  const grant = user.grants[instance.id];
  if (grant === 'no-access') return null;
  if (grant !== undefined) return allowed(grant) ? grant : null;

  let best: GrafanaRole | null = null;
  for (const group of user.groups) {
    const role = instance.groupRoles[group];
    if (allowed(role) && (best === null || roleRank(role) > roleRank(best))) best = role;
  }
  if (best) return best;
  return allowed(instance.defaultRole) ? instance.defaultRole : null;
}

/** The instances a user may open, each with the role their tokens carry there. */
export function accessibleInstances(config: Config, user: User): { instance: InstanceConfig; role: GrafanaRole }[] {
  return config.instances.flatMap((instance) => {
    const role = roleFor(user, instance);
    return role ? [{ instance, role }] : [];
  });
}
