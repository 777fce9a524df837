// The worker's end of the popup's search port (common/launcher.ts), as runtime.connect hands it to
// the popup: what the popup asked, and answers the test sends back.
import { fakeBrowser } from '@webext-core/fake-browser';
import { act } from '@testing-library/react';
import { expect, vi } from 'vitest';
import { searchPortName, type SearchAnswer, type SearchRequest } from '../../extension/common/launcher';
import { fakeEvent } from './fakes';

export function fakePort() {
  const onMessage = fakeEvent<(m: unknown) => void>();
  const onDisconnect = fakeEvent<() => void>();
  const requests: SearchRequest[] = [];
  return {
    requests,
    port: { name: searchPortName, postMessage: (m: SearchRequest) => void requests.push(m), disconnect: vi.fn(), onMessage, onDisconnect },
    /** Sends an answer (by default: to the newest request, complete). */
    answer: (a: Partial<SearchAnswer>) =>
      act(async () => {
        const last = requests.at(-1)!;
        await onMessage.trigger({ seq: last.seq, query: last.query, hits: [], recent: [], instances: [], done: true, ...a });
      }),
    /** The worker goes away (stopped by the browser). */
    disconnect: () => act(async () => void (await onDisconnect.trigger())),
  };
}

/** Makes runtime.connect hand out fake ports; returns every port made, newest last. */
export function fakeSearchPorts(): ReturnType<typeof fakePort>[] {
  const ports: ReturnType<typeof fakePort>[] = [];
  Object.assign(fakeBrowser.runtime, {
    connect: vi.fn((info: { name: string }) => {
      expect(info.name).toBe(searchPortName);
      const p = fakePort();
      ports.push(p);
      return p.port;
    }),
  });
  return ports;
}
