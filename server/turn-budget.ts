/**
 * Keeps event-loop turns short when the server is saturated, so it keeps accepting connections.
 *
 * libuv (since 1.45, Node 20) accepts one new connection per event-loop turn, and a turn at saturation
 * serves every request that is ready: with 50 busy connections a turn costs 50 token requests, and a
 * browser opening a new connection waits one such turn for every connection queued before it (the
 * token endpoint's p99 tail, docs/benchmarks.md). Work that goes through `next()` runs at most
 * `perTurn` callers per turn, in arrival order: a turn then costs a few requests and the loop returns
 * to accept sooner. An idle server pays one extra turn (microseconds).
 */
export class TurnBudget {
  private waiting: (() => void)[] = [];
  private scheduled = false;

  constructor(private readonly perTurn: number) {
    if (!Number.isInteger(perTurn) || perTurn < 1) throw new RangeError(`perTurn must be an integer >= 1, got ${perTurn}`);
  }

  /** Resolves in this turn's check phase or a later one, at most `perTurn` callers per turn. */
  next(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.release);
      }
    });
  }

  /** Callers waiting for a later turn. */
  get queued(): number {
    return this.waiting.length;
  }

  private readonly release = (): void => {
    const now = this.waiting.splice(0, this.perTurn);
    // Scheduled from the check phase, the next release runs in the next turn, after its poll phase.
    if (this.waiting.length > 0) setImmediate(this.release);
    else this.scheduled = false;
    for (const resolve of now) resolve();
  };
}
