import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import type { Clock } from './clock.ts';
import type { AuditEvent, Store } from './store/types.ts';

/**
 * The audit trail: every event goes to the store and, as one JSON line, to the audit log file (or
 * standard output). Callers pass identifiers (user id, login, jti), never a token or a password.
 */
export class AuditLog {
  private readonly stream: WriteStream | NodeJS.WritableStream | undefined;
  private readonly observers: ((event: AuditEvent) => void)[] = [];

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    target: string,
  ) {
    if (target === '-') this.stream = process.stdout;
    else if (target !== '') {
      mkdirSync(dirname(target), { recursive: true });
      this.stream = createWriteStream(target, { flags: 'a', mode: 0o600 });
    }
  }

  /** `store`: the transaction the event belongs to, when it is recorded inside Store.exclusive. */
  async record(type: string, fields: Record<string, unknown> = {}, store: Store = this.store): Promise<void> {
    const event = { at: this.clock.now(), type, ...fields };
    for (const observe of this.observers) observe(event);
    this.stream?.write(`${JSON.stringify({ time: new Date(event.at).toISOString(), ...event })}\n`);
    await store.appendAudit(event);
  }

  /** Called with every event as it is recorded (the metrics count sign-ins from here). */
  observe(fn: (event: AuditEvent) => void): void {
    this.observers.push(fn);
  }

  async close(): Promise<void> {
    const s = this.stream;
    if (s && s !== process.stdout) await new Promise<void>((resolve) => (s as WriteStream).end(resolve));
  }
}
