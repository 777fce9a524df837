// What the worker's jobs take from outside: the time and the network. Every entry point accepts them,
// so the unit tests and the 8-hour simulation run the real code on their own clock and server link.
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export interface WorkerDeps {
  clock: Clock;
  fetch: typeof fetch;
}

export const systemDeps: WorkerDeps = {
  clock: { now: () => Date.now() },
  // Looked up at call time, so a test's stub of the global applies.
  fetch: (...args) => fetch(...args),
};
