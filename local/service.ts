/** A part of the local cloud: started in order, stopped in reverse (as architect/sandbox does). */
export interface Service {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Explains a startup failure to a person: what went wrong and what to do. */
export class StartupError extends Error {
  override readonly name = 'StartupError';
}

/**
 * Starts services one after the other; if one fails, stops those already started (in
 * reverse) and rethrows. Returns a function stopping them all in reverse order.
 */
export async function startServices(
  services: readonly Service[],
  onStep?: (message: string) => void,
): Promise<() => Promise<void>> {
  const started: Service[] = [];
  const stopAll = async () => {
    const errors: unknown[] = [];
    for (const service of started.splice(0).reverse()) {
      try {
        await service.stop();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, 'some services did not stop cleanly');
  };
  for (const service of services) {
    const t0 = performance.now();
    try {
      await service.start();
    } catch (error) {
      await stopAll().catch(() => undefined);
      throw error;
    }
    started.push(service);
    onStep?.(`${service.name} ready (${Math.round(performance.now() - t0)} ms)`);
  }
  return stopAll;
}
