/**
 * inventory λ, invoked by the worker (RequestResponse) with an InventoryCommand. A business
 * refusal is a normal reply; a transient failure throws (a function error the worker retries).
 */
import { requireEnv } from '../shared/config.js';
import { newDocumentClient } from '../shared/dynamodb.js';
import { ENV } from '../shared/env-names.js';
import { faultSourceFromEnv, participantHandler } from '../shared/participant.js';
import { parseInventoryCommand } from './domain.js';
import { DynamoInventoryStore } from './inventory-store.js';
import { Inventory } from './use-cases.js';

const config = {
  tableName: requireEnv(ENV.inventoryTable),
  faults: faultSourceFromEnv(),
};
const inventory = new Inventory(new DynamoInventoryStore(newDocumentClient(), config.tableName));

export const handler = participantHandler(
  parseInventoryCommand,
  (command) =>
    command.command === 'reserve'
      ? inventory.reserve(command.orderId, command.items)
      : inventory.release(command.orderId),
  config.faults,
);
