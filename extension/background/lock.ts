// Serialises the worker's state changes (a sync, a refresh alarm and a popup click can arrive
// together). Only a queue of pending work lives in memory: if the worker stops, that work stops with
// it, and the next event starts from what storage.session holds.
export function createLock() {
  let tail: Promise<unknown> = Promise.resolve();
  return function exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = tail.then(task, task);
    tail = run.catch(() => undefined);
    return run;
  };
}

/** The account's lock: config, session, tokens. */
export const exclusive = createLock();
