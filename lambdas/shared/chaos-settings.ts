/**
 * The chaos settings of a participant, changeable while it runs: an SSM parameter (a JSON
 * object, `{}` when no chaos is set) read through Powertools Parameters with a short cache,
 * over the base settings of the function's environment. The same code runs in AWS and in the
 * local cloud (which serves the SSM API from the synthesized template's parameters).
 */
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { type FaultSettings, type FaultSource, parseFaultSettings } from './faults.js';
import type { Log } from './powertools.js';

/** How long a read parameter is trusted: a `chaos set` takes effect within this many seconds. */
export const CHAOS_CACHE_SECONDS = 5;

/** FaultSource over an SSM parameter; falls back to the last good settings when it cannot read. */
export class SsmChaosSettings implements FaultSource {
  private lastGood: FaultSettings;
  private lastProblem?: string;

  constructor(
    private readonly parameterName: string,
    private readonly base: FaultSettings,
    private readonly log: Log,
    private readonly provider: Pick<SSMProvider, 'get'> = new SSMProvider({
      clientConfig: { maxAttempts: 2 },
    }),
  ) {
    this.lastGood = base;
  }

  async current(): Promise<FaultSettings> {
    try {
      const value = await this.provider.get(this.parameterName, {
        maxAge: CHAOS_CACHE_SECONDS,
        transform: 'json',
      });
      this.lastGood = parseFaultSettings(value ?? {}, this.base);
      this.lastProblem = undefined;
    } catch (error) {
      // Chaos is a test tool: a bad or unreadable setting must not break real commands.
      const problem = error instanceof Error ? error.message : String(error);
      if (problem !== this.lastProblem) {
        this.log.warn('chaos settings unreadable; keeping the last good ones', {
          parameter: this.parameterName,
          error,
        });
        this.lastProblem = problem;
      }
    }
    return this.lastGood;
  }
}
