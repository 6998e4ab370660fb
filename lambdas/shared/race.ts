/** Attempts of a read-then-write that lost a race before the store is called busy. */
export const RACE_ATTEMPTS = 3;

/**
 * Runs a read-then-write again while it loses to another writer (`lost(error)`: its condition
 * failed because the item changed between the read and the write), RACE_ATTEMPTS times at
 * most; then throws `busy()`. Any other error ends it at once.
 */
export async function retryLostRaces<T>(
  run: () => Promise<T>,
  lost: (error: unknown) => boolean,
  busy: () => Error,
): Promise<T> {
  for (let attempt = 1; attempt <= RACE_ATTEMPTS; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (!lost(error)) throw error;
    }
  }
  throw busy();
}
