/**
 * Per-user stars, as Grafana's `star` table keeps them (docs/grafana-jwt.md#search): one row per
 * (user, org, dashboard uid). Starring twice is no error (the duplicate row is ignored); unstarring what
 * is not starred is none either.
 */
export class StarStore {
  private readonly rows = new Map<string, Set<string>>();

  of(userId: number, orgId: number): ReadonlySet<string> {
    return this.rows.get(key(userId, orgId)) ?? new Set();
  }

  add(userId: number, orgId: number, uid: string): void {
    const k = key(userId, orgId);
    const set = this.rows.get(k) ?? new Set<string>();
    set.add(uid);
    this.rows.set(k, set);
  }

  remove(userId: number, orgId: number, uid: string): void {
    this.rows.get(key(userId, orgId))?.delete(uid);
  }
}

const key = (userId: number, orgId: number) => `${userId}:${orgId}`;
