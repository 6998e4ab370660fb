import { afterEach, describe, expect, it, vi } from 'vitest';
import { recordLogger } from '../../lambdas/shared/powertools.js';

/** The JSON lines the function's logger writes while `work` runs. */
function linesOf(work: () => void): Record<string, unknown>[] {
  const written: string[] = [];
  const spies = [process.stdout, process.stderr].map((stream) =>
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    }),
  );
  try {
    work();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return written
    .join('')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

afterEach(() => vi.restoreAllMocks());

describe('recordLogger', () => {
  it("writes each record's correlation keys on its own lines, interleaved with another record's, beside extra keys and an error", () => {
    const first = recordLogger({ correlationId: 'cid-1', orderId: 'o-1' });
    const second = recordLogger({ correlationId: 'cid-2', orderId: 'o-2' });

    const lines = linesOf(() => {
      first.info('reserved', { eventId: 'e-1' });
      second.warn('attempt failed', new Error('boom'));
      first.error('gave up');
    });

    expect(lines).toEqual([
      expect.objectContaining({
        message: 'reserved',
        correlation_id: 'cid-1',
        order_id: 'o-1',
        eventId: 'e-1',
      }),
      expect.objectContaining({
        message: 'attempt failed',
        correlation_id: 'cid-2',
        order_id: 'o-2',
        error: expect.objectContaining({ message: 'boom' }),
      }),
      expect.objectContaining({ message: 'gave up', correlation_id: 'cid-1', order_id: 'o-1' }),
    ]);
  });
});
