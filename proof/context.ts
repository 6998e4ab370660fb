/**
 * What every scenario of the proof gets (./scenarios.ts): the local cloud, a probe of its
 * tables, the CLI's target, and the operator's doors — chaos settings, verify, the DLQs.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type ChaosOverrides, ChaosParameters, type ChaosService } from '../cli/chaos.js';
import type { VerifyReport } from '../cli/invariants.js';
import {
  DEAD_LETTER_QUEUES,
  type DeadLetterQueue,
  DeadLetters,
} from '../cli/queues/dead-letters.js';
import { StreamFailures } from '../cli/queues/stream-failures.js';
import { resolveTarget, type Target } from '../cli/target.js';
import { verifyInvariants } from '../cli/verify.js';
import { CHAOS_CACHE_SECONDS } from '../lambdas/shared/chaos-settings.js';
import type { E2eCloud } from './harness.js';
import { ProofProbe } from './probe.js';

/** What every scenario gets: the cloud, a probe of its tables and queues, the CLI's target. */
export class ProofContext {
  readonly probe: ProofProbe;
  readonly target: Target;
  private readonly chaos: ChaosParameters;
  private skuCounter = 0;

  constructor(
    readonly cloud: E2eCloud,
    readonly log: (message: string) => void = () => undefined,
  ) {
    this.probe = new ProofProbe(cloud.cloud);
    this.target = resolveTarget({ cloudFile: cloud.cloudFile, env: {} });
    this.chaos = new ChaosParameters(this.target);
  }

  /** A sku no other scenario uses, with its stock and price set (`noShip`: it cannot ship). */
  async newSku(stock: number, price = 100, { noShip = false } = {}): Promise<string> {
    this.skuCounter += 1;
    const sku = `proof-${Date.now().toString(36)}-${this.skuCounter}`;
    await this.cloud.setStock(sku, stock, price, { noShip });
    return sku;
  }

  /** `mini-ec chaos set` for each service given, then waits until every instance sees it. */
  async setChaos(settings: Partial<Record<ChaosService, ChaosOverrides>>): Promise<void> {
    for (const [service, overrides] of Object.entries(settings)) {
      await this.chaos.put(service as ChaosService, overrides as ChaosOverrides);
    }
    await sleep(CHAOS_CACHE_SECONDS * 1000 + 500);
  }

  /** `mini-ec chaos clear`, then waits until every instance sees it. */
  async clearChaos(): Promise<void> {
    await this.setChaos({ inventory: {}, payment: {}, shipping: {} });
  }

  /** The invariants over all tables (every accepted order must exist; nothing PENDING). */
  verify(accepted: readonly string[]): Promise<VerifyReport> {
    return verifyInvariants(this.target, { acceptedOrderIds: accepted, maxPendingSeconds: 0 });
  }

  /** What `mini-ec dlq list` counts in every DLQ: the consumer queues' and the relay's. */
  async deadLetterCounts(): Promise<number> {
    const queues = (Object.keys(DEAD_LETTER_QUEUES) as DeadLetterQueue[]).map(
      (queue) => new DeadLetters(this.target, queue),
    );
    const relay = new StreamFailures(this.target);
    try {
      const counts = await Promise.all(
        [...queues, relay].map(async (dlq) => (await dlq.peek(0)).approximateCount),
      );
      return counts.reduce((a, b) => a + b, 0);
    } finally {
      for (const dlq of [...queues, relay]) dlq.close();
    }
  }

  /**
   * `mini-ec dlq redrive --queue Q` until that DLQ is empty (receive-and-send, as on the local
   * cloud), then waits until the queues drained; returns how many messages it moved.
   */
  async redrive(queue: DeadLetterQueue): Promise<number> {
    const dlq = new DeadLetters(this.target, queue);
    try {
      const { moved } = await dlq.redrive(Number.MAX_SAFE_INTEGER);
      await this.cloud.waitForQueuesToDrain(120_000);
      return moved;
    } finally {
      dlq.close();
    }
  }

  close(): void {
    this.probe.close();
    this.chaos.close();
  }
}
