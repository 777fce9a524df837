/** The one source of time for the server: token times, key rotation, sessions and throttling. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that tests move by hand. */
export class ManualClock implements Clock {
  constructor(private current = Date.now()) {}
  now(): number {
    return this.current;
  }
  advanceMs(ms: number): void {
    this.current += ms;
  }
  set(ms: number): void {
    this.current = ms;
  }
}

export const seconds = (ms: number): number => Math.floor(ms / 1000);

/** Real time plus an offset that tests move forward: time passes, and can also jump. */
export class OffsetClock implements Clock {
  private offset = 0;
  now(): number {
    return Date.now() + this.offset;
  }
  advanceMs(ms: number): void {
    this.offset += ms;
  }
}
