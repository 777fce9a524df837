import { closeSync, fstatSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Clock } from './clock.ts';
import type { AuditEvent, Store } from './store/types.ts';

/**
 * The audit trail. Every event goes to the store; the audit log file (or standard output) is written
 * from the store, in its order, one JSON line per event carrying its `seq`. So the file holds every
 * event the database holds: after a crash the next start reads the last `seq` in the file and appends
 * what the database has after it. The server's writer also picks up events the CLI recorded (the CLI
 * writes the database only). Callers pass identifiers (user id, jti), never a token or a password.
 */
export class AuditLog {
  private fd: number | undefined;
  /** Resolves to the last seq already in the file, once known. */
  private readonly ready: Promise<void>;
  private written = 0;
  private copying: Promise<void> | undefined;
  private again = false;
  private readonly observers: ((event: AuditEvent) => void)[] = [];

  /** `target`: a file path, "-" for standard output, "" for the database only. */
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    target: string,
  ) {
    let last: number | undefined;
    if (target === '-') this.fd = 1;
    else if (target !== '') {
      mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
      this.fd = openSync(target, 'a+', 0o600);
      last = endOfFile(this.fd);
    }
    // A new file (or one from before lines carried seq) starts with the events from now on.
    this.ready = (async () => {
      this.written = last ?? (this.fd === undefined ? 0 : await store.lastAuditSeq());
    })();
    this.ready.catch(() => undefined);
  }

  /**
   * `store`: the transaction the event belongs to, when it is recorded inside Store.exclusive; the
   * file gets it once the transaction has committed (the next copy).
   */
  async record(type: string, fields: Record<string, unknown> = {}, store: Store = this.store): Promise<void> {
    const event = { at: this.clock.now(), type, ...fields };
    for (const observe of this.observers) observe(event);
    await store.appendAudit(event);
    if (this.fd !== undefined && store === this.store) this.copy().catch(() => undefined);
  }

  /** Appends to the file what the database holds after the last seq written. One copy at a time. */
  copy(): Promise<void> {
    if (this.fd === undefined) return Promise.resolve();
    if (this.copying) {
      this.again = true;
      return this.copying;
    }
    this.copying = (async () => {
      await this.ready;
      do {
        this.again = false;
        for (;;) {
          const events = await this.store.listAuditAfter(this.written, 1000);
          if (events.length === 0 || this.fd === undefined) break;
          const lines = events.map(({ seq, at, type, ...rest }) => JSON.stringify({ seq, time: new Date(at).toISOString(), at, type, ...rest }));
          // Synchronous: a line is in the kernel before the next is read, whatever the thread pool is doing.
          writeSync(this.fd, `${lines.join('\n')}\n`);
          this.written = events.at(-1)!.seq;
        }
      } while (this.again);
    })().finally(() => (this.copying = undefined));
    return this.copying;
  }

  /** Called with every event as it is recorded (the metrics count sign-ins from here). */
  observe(fn: (event: AuditEvent) => void): void {
    this.observers.push(fn);
  }

  async close(): Promise<void> {
    await this.copy();
    if (this.fd !== undefined && this.fd !== 1) closeSync(this.fd);
    this.fd = undefined;
  }
}

/**
 * The seq of the last complete line of an audit file (undefined when it has none). A line cut short
 * by a crash is ended with a newline, so the next line starts on its own.
 */
function endOfFile(fd: number): number | undefined {
  const size = fstatSync(fd).size;
  if (size === 0) return undefined;
  const length = Math.min(size, 256 * 1024);
  const tail = Buffer.alloc(length);
  readSync(fd, tail, 0, length, size - length);
  if (tail[length - 1] !== 0x0a) writeSync(fd, '\n');
  const lines = tail.toString('utf8').split('\n');
  if (tail[length - 1] !== 0x0a) lines.pop();
  for (const line of lines.reverse()) {
    try {
      const seq = (JSON.parse(line) as { seq?: unknown }).seq;
      if (typeof seq === 'number') return seq;
    } catch {
      // a line cut short, or the start of the tail: look further back
    }
  }
  return undefined;
}
