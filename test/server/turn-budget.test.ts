import { describe, expect, it } from 'vitest';
import { connect, createServer, type AddressInfo } from 'node:net';
import { TurnBudget } from '../../server/turn-budget.ts';

describe('TurnBudget', () => {
  it('lets at most perTurn callers through per event-loop turn, in arrival order', async () => {
    const budget = new TurnBudget(8);
    const released: { i: number; stillQueued: number }[] = [];
    const all = Array.from({ length: 20 }, (_, i) => budget.next().then(() => released.push({ i, stillQueued: budget.queued })));
    expect(budget.queued).toBe(20);
    expect(released).toEqual([]); // never in the caller's own turn
    await Promise.all(all);
    expect(released.map((r) => r.i)).toEqual([...Array(20).keys()]);
    // Three turns: 8 released while 12 wait, 8 while 4 wait, then the last 4.
    expect(released.map((r) => r.stillQueued)).toEqual([...Array(8).fill(12), ...Array(8).fill(4), ...Array(4).fill(0)]);
  });

  it('gives the loop back between turns, so new connections are accepted while work is queued', async () => {
    // libuv accepts one connection per turn: five clients connecting at once need five turns.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const budget = new TurnBudget(1);
    const queuedAtAccept: number[] = [];
    const accepted = new Promise<void>((resolve) =>
      server.on('connection', (socket) => {
        queuedAtAccept.push(budget.queued);
        socket.destroy();
        if (queuedAtAccept.length === 5) resolve();
      }),
    );
    const { port } = server.address() as AddressInfo;
    const clients = Array.from({ length: 5 }, () => connect(port, '127.0.0.1').on('error', () => {}));
    // 40 units of 2 ms of blocking work each, one per turn.
    const work = Array.from({ length: 40 }, () =>
      budget.next().then(() => {
        const end = performance.now() + 2;
        while (performance.now() < end);
      }),
    );
    await Promise.all([...work, accepted]);
    clients.forEach((c) => c.destroy());
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(queuedAtAccept).toHaveLength(5);
    // Every connection was accepted while most of the work was still waiting for its turn.
    expect(Math.max(...queuedAtAccept)).toBeGreaterThan(0);
    expect(Math.min(...queuedAtAccept)).toBeGreaterThan(20);
  });

  it('refuses a budget below one', () => {
    expect(() => new TurnBudget(0)).toThrow(RangeError);
  });
});
