/**
 * The stand-in's only source of time. Starts at the real time and can only move forward, so tests can
 * expire tokens or JWKS cache entries without sleeping.
 */
export interface Clock {
  /** Milliseconds since the epoch, stand-in time. */
  now(): number;
  /** Moves stand-in time forward; returns the new now() in ms. */
  advanceSeconds(seconds: number): number;
}

export function createClock(realNow: () => number = Date.now): Clock {
  let offsetMs = 0;
  return {
    now: () => realNow() + offsetMs,
    advanceSeconds(seconds: number) {
      if (!Number.isFinite(seconds) || seconds < 0) {
        throw new RangeError(`clock.advanceSeconds: seconds must be a finite number >= 0, got ${seconds}`);
      }
      offsetMs += seconds * 1000;
      return realNow() + offsetMs;
    },
  };
}
