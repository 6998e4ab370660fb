import { describe, expect, it } from 'vitest';
import { RACE_ATTEMPTS, retryLostRaces } from '../../lambdas/shared/race.js';

class Lost extends Error {}
const lost = (error: unknown) => error instanceof Lost;
const busy = () => new Error('busy');

/** A read-then-write that loses `losses` races, then succeeds. */
function losing(losses: number) {
  let calls = 0;
  const run = async () => {
    calls += 1;
    if (calls <= losses) throw new Lost();
    return `done after ${calls}`;
  };
  return { run, calls: () => calls };
}

describe('retryLostRaces', () => {
  it('runs again while the write loses a race, and returns what the winning run returns', async () => {
    const op = losing(RACE_ATTEMPTS - 1);

    expect(await retryLostRaces(op.run, lost, busy)).toBe(`done after ${RACE_ATTEMPTS}`);
    expect(op.calls()).toBe(RACE_ATTEMPTS);
  });

  it(`gives up with busy() after losing ${RACE_ATTEMPTS} times`, async () => {
    const op = losing(RACE_ATTEMPTS);

    await expect(retryLostRaces(op.run, lost, busy)).rejects.toThrow('busy');
    expect(op.calls()).toBe(RACE_ATTEMPTS);
  });

  it('ends at once on any other error', async () => {
    let calls = 0;
    const failing = async () => {
      calls += 1;
      throw new TypeError('store down');
    };

    await expect(retryLostRaces(failing, lost, busy)).rejects.toThrow('store down');
    expect(calls).toBe(1);
  });
});
