import type { AuditLog } from './audit.ts';
import type { Clock } from './clock.ts';

interface Open {
  startedAt: number;
  lastAt: number;
  count: number;
  fields: Record<string, unknown>;
}

/**
 * Refused sign-in attempts, coalesced: the first refusal of a key (an account or an address) in a
 * window is audited at once; the rest of that window become one event with their count when the
 * window ends (the maintenance timer, or the next refusal after it). A client repeating a refused
 * attempt thousands of times adds two audit rows a window, not thousands.
 */
export class ThrottleEvents {
  private readonly open = new Map<string, Open>();

  constructor(
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly windowMs: number,
  ) {}

  async refused(key: string, fields: Record<string, unknown>): Promise<void> {
    const now = this.clock.now();
    // Many keys at once (addresses rotating): close the ended windows rather than grow without bound.
    if (this.open.size >= 10_000) await this.flush();
    const current = this.open.get(key);
    if (current && now - current.startedAt < this.windowMs) {
      current.count++;
      current.lastAt = now;
      return;
    }
    if (current) await this.close(key, current);
    this.open.set(key, { startedAt: now, lastAt: now, count: 0, fields });
    await this.audit.record('sign_in_throttled', { ...fields, key, count: 1 });
  }

  /** Writes the counts of the windows that have ended (all of them when `all`). */
  async flush(all = false): Promise<void> {
    const now = this.clock.now();
    for (const [key, w] of [...this.open]) if (all || now - w.startedAt >= this.windowMs) await this.close(key, w);
  }

  private async close(key: string, w: Open): Promise<void> {
    this.open.delete(key);
    if (w.count > 0) {
      await this.audit.record('sign_in_throttled', { ...w.fields, key, count: w.count, repeated: true, from: new Date(w.startedAt).toISOString(), to: new Date(w.lastAt).toISOString() });
    }
  }
}
