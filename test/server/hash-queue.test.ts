import { describe, expect, it } from 'vitest';
import { HashQueue, HashQueueFull } from '../../server/hash-queue.ts';

/** A job that runs until released, recording the order jobs started in. */
function gate(started: string[], name: string) {
  let release!: () => void;
  const done = new Promise<void>((r) => (release = r));
  return { job: async () => { started.push(name); await done; return name; }, release: () => release() };
}

describe('HashQueue: bounded password-hashing work (issue 8, item 1)', () => {
  it('runs at most `concurrency` jobs at once and the rest in turn', async () => {
    const q = new HashQueue({ concurrency: 2, maxWaiting: 10, maxWaitingPerKey: 10 });
    const started: string[] = [];
    const gates = ['a', 'b', 'c'].map((n) => gate(started, n));
    const results = gates.map((g) => q.run('k', g.job));
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual(['a', 'b']);
    gates[0]!.release();
    await results[0];
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual(['a', 'b', 'c']);
    gates.forEach((g) => g.release());
    expect(await Promise.all(results)).toEqual(['a', 'b', 'c']);
  });

  it('refuses at once when a client has too many waiting, or the queue is full', async () => {
    const q = new HashQueue({ concurrency: 1, maxWaiting: 3, maxWaitingPerKey: 2 });
    const started: string[] = [];
    const gates = Array.from({ length: 6 }, (_, i) => gate(started, `j${i}`));
    const running = q.run('a', gates[0]!.job);
    const waiting = [q.run('a', gates[1]!.job), q.run('a', gates[2]!.job)];
    await expect(q.run('a', gates[3]!.job)).rejects.toBeInstanceOf(HashQueueFull);
    const other = q.run('b', gates[4]!.job);
    await expect(q.run('c', gates[5]!.job)).rejects.toBeInstanceOf(HashQueueFull);
    gates.forEach((g) => g.release());
    await Promise.all([running, ...waiting, other]);
  });

  it('serves clients in turn: one client queueing many cannot push another to the back', async () => {
    const q = new HashQueue({ concurrency: 1, maxWaiting: 20, maxWaitingPerKey: 10 });
    const started: string[] = [];
    const burst = Array.from({ length: 6 }, (_, i) => gate(started, `attacker${i}`));
    const results = burst.map((g) => q.run('attacker', g.job));
    const user = gate(started, 'user');
    results.push(q.run('user', user.job));
    for (const g of burst) {
      g.release();
      await new Promise((r) => setTimeout(r, 1));
    }
    user.release();
    await Promise.all(results);
    expect(started.indexOf('user')).toBe(2);
  });
});
