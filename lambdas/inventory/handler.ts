/**
 * inventory λ, invoked by the worker (RequestResponse) with an InventoryCommand. A business
 * refusal is a normal reply; a transient failure throws (a function error the worker retries).
 */
import type { Context } from 'aws-lambda';
import type { InventoryReply } from '../shared/commands.js';
import { requireEnv, requireNumberEnv } from '../shared/config.js';
import { newDocumentClient } from '../shared/dynamodb.js';
import { ENV } from '../shared/env-names.js';
import { injectFault } from '../shared/faults.js';
import { logger, withCorrelation } from '../shared/powertools.js';
import { parseInventoryCommand } from './domain.js';
import { DynamoInventoryStore } from './inventory-store.js';
import { Inventory } from './use-cases.js';

const config = {
  tableName: requireEnv(ENV.inventoryTable),
  faults: {
    failRate: requireNumberEnv(ENV.faultFailRate, 0, 1),
    delayMs: requireNumberEnv(ENV.faultDelayMs, 0, 60_000),
  },
};
const inventory = new Inventory(new DynamoInventoryStore(newDocumentClient(), config.tableName));

export const handler = async (event: unknown, context: Context): Promise<InventoryReply> => {
  logger.addContext(context);
  const command = parseInventoryCommand(event);
  return withCorrelation(
    { correlationId: command.correlationId, orderId: command.orderId },
    async () => {
      try {
        await injectFault(config.faults);
        const reply =
          command.command === 'reserve'
            ? await inventory.reserve(command.orderId, command.items)
            : await inventory.release(command.orderId);
        logger.info(`${command.command}: ${reply.outcome}`, { command: command.command, reply });
        return reply;
      } catch (error) {
        logger.warn(`${command.command}: temporary failure, the caller will retry`, { error });
        throw error;
      }
    },
  );
};
