/** Thrown when the queue refuses a job; the sign-in route answers 503 with Retry-After. */
export class HashQueueFull extends Error {
  constructor() {
    super('too many sign-ins are being checked');
    this.name = 'HashQueueFull';
  }
}

export interface HashQueueLimits {
  /** Jobs running at once (each scrypt run takes ~128 MB and a thread-pool thread). */
  concurrency: number;
  /** Jobs waiting in all; past this, new jobs are refused at once. */
  maxWaiting: number;
  /** Jobs one client (address) may have waiting. */
  maxWaitingPerKey: number;
}

/**
 * A small queue for password hashing. Bounded, so a burst of sign-ins is refused quickly instead of
 * queueing minutes of work; and served client by client in turn, so one client queueing many
 * attempts delays another client's sign-in by at most one job per running slot.
 */
export class HashQueue {
  private running = 0;
  private waitingCount = 0;
  /** Waiting jobs per client key; Map order is the round-robin order. */
  private readonly waiting = new Map<string, (() => void)[]>();

  constructor(private readonly limits: HashQueueLimits) {}

  async run<T>(key: string, job: () => Promise<T>): Promise<T> {
    if (this.running >= this.limits.concurrency) {
      const lane = this.waiting.get(key) ?? [];
      if (this.waitingCount >= this.limits.maxWaiting || lane.length >= this.limits.maxWaitingPerKey) throw new HashQueueFull();
      await new Promise<void>((start) => {
        lane.push(start);
        this.waiting.set(key, lane);
        this.waitingCount++;
      });
    } else this.running++;
    try {
      return await job();
    } finally {
      this.next();
    }
  }

  /** Hands the finished job's slot to the first waiting job of the next client in turn. */
  private next(): void {
    const [key, lane] = this.waiting.entries().next().value ?? [];
    if (!key || !lane) {
      this.running--;
      return;
    }
    const start = lane.shift()!;
    this.waiting.delete(key);
    // The client goes to the back of the turn order.
    if (lane.length > 0) this.waiting.set(key, lane);
    this.waitingCount--;
    start();
  }
}
