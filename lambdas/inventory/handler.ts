/**
 * inventory λ, two doors: invoked by the worker (RequestResponse) with an InventoryCommand — a
 * business refusal is a normal reply, a transient failure throws (a function error the worker
 * retries) — and its queue of facts (subscribed to payment's payment.refunded.v1), on which it
 * releases on its own. The fault settings apply to the worker's commands only.
 */
import { requireEnv } from '../shared/config.js';
import { newDocumentClient } from '../shared/dynamodb.js';
import { ENV } from '../shared/env-names.js';
import { faultSourceFromEnv, participantHandler, withCompensation } from '../shared/participant.js';
import { parseInventoryCommand } from './domain.js';
import { DynamoInventoryStore } from './inventory-store.js';
import { Inventory } from './use-cases.js';

const config = {
  tableName: requireEnv(ENV.inventoryTable),
  faults: faultSourceFromEnv(),
};
const inventory = new Inventory(new DynamoInventoryStore(newDocumentClient(), config.tableName));

export const handler = withCompensation(
  participantHandler(
    parseInventoryCommand,
    (command) =>
      command.command === 'reserve'
        ? inventory.reserve(command.orderId, command.items)
        : inventory.release(command.orderId),
    config.faults,
  ),
  {
    on: 'payment.refunded.v1',
    compensate: (event) => inventory.compensateShipment(event),
    done: 'released',
  },
);
