import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../server/config.ts';
import { roleFor } from '../../server/policy.ts';
import type { User } from '../../server/store/types.ts';

const config = validateConfig({
  instances: [
    { id: 'prod', url: 'https://g.example.com', defaultRole: null, allowedRoles: ['Viewer', 'Editor'], groupRoles: { devs: 'Editor', staff: 'Viewer' } },
    { id: 'lab', url: 'https://lab.example.com', allowGrafanaAdmin: true, groupRoles: { admins: 'GrafanaAdmin' } },
  ],
});
const [prod, lab] = config.instances as [NonNullable<(typeof config.instances)[0]>, NonNullable<(typeof config.instances)[0]>];
const user = (over: Partial<User> = {}): User => ({
  id: 'u1', login: 'alice', email: 'a@x', name: 'A', passwordHash: '', disabled: false, isAdmin: false, groups: [], grants: {}, createdAt: 0, updatedAt: 0, ...over,
});

describe('policy: the role a user gets on an instance', () => {
  it('uses the instance default, and null means no access without a grant', () => {
    expect(roleFor(user(), lab)).toBe('Viewer');
    expect(roleFor(user(), prod)).toBeNull();
  });
  it('takes the highest role among groups', () => {
    expect(roleFor(user({ groups: ['staff', 'devs'] }), prod)).toBe('Editor');
    expect(roleFor(user({ groups: ['admins'] }), lab)).toBe('GrafanaAdmin');
  });
  it('lets an explicit grant win over groups, including no-access', () => {
    expect(roleFor(user({ groups: ['devs'], grants: { prod: 'Viewer' } }), prod)).toBe('Viewer');
    expect(roleFor(user({ grants: { lab: 'no-access' } }), lab)).toBeNull();
  });
  it('never returns a role the instance does not allow', () => {
    expect(roleFor(user({ grants: { prod: 'Admin' } }), prod)).toBeNull();
  });
  it('gives a disabled user nothing', () => {
    expect(roleFor(user({ disabled: true, grants: { lab: 'Admin' } }), lab)).toBeNull();
  });
});
