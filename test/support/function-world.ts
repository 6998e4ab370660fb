/**
 * What an integration test that runs the functions' handlers in-process needs: DynamoDB Local
 * with the services' tables, fauxqs, an SSM emulator holding a chaos parameter (`{}`), and the
 * environment every handler reads at load (faults off, the tables, the limits). Set it before
 * importing a handler; the test adds what is its own (queue URLs, endpoints).
 */
import { SsmService } from '../../local/emulators/ssm.js';
import { type LocalDynamo, startLocalDynamo } from './ddb.js';
import { type LocalSqs, startLocalSqs } from './sqs.js';

type Table = 'orders' | 'inventory' | 'payments' | 'shipments';

/** The running emulators, the tables' names and the handlers' common environment. */
export interface FunctionWorld {
  dynamo: LocalDynamo;
  sqs: LocalSqs;
  tables: Record<Table, string>;
  /** The variables every handler reads (set them with Object.assign(process.env, …)). */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** Starts the emulators and creates a table of each service. */
export async function startFunctionWorld(): Promise<FunctionWorld> {
  const [dynamo, sqs] = await Promise.all([startLocalDynamo(), startLocalSqs()]);
  const ssm = new SsmService({
    parameters: [{ logicalId: 'Chaos', name: '/test/chaos', type: 'String', value: '{}' }],
  });
  await ssm.start();
  const tables: Record<Table, string> = {
    orders: await dynamo.createTable('orders'),
    inventory: await dynamo.createTable('inventory'),
    payments: await dynamo.createTable('payments'),
    shipments: await dynamo.createTable('shipments'),
  };
  return {
    dynamo,
    sqs,
    tables,
    env: {
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      ORDERS_TABLE_NAME: tables.orders,
      INVENTORY_TABLE_NAME: tables.inventory,
      PAYMENTS_TABLE_NAME: tables.payments,
      SHIPMENTS_TABLE_NAME: tables.shipments,
      INVENTORY_FUNCTION_NAME: 'inventory',
      PAYMENT_FUNCTION_NAME: 'payment',
      PAYMENT_LIMIT: '100000',
      FAULT_FAIL_RATE: '0',
      FAULT_DELAY_MS: '0',
      FAULT_FAIL_AFTER_COMMIT: '0',
      CHAOS_PARAMETER_NAME: '/test/chaos',
      AWS_ENDPOINT_URL_SSM: ssm.endpoint,
      MAX_RECEIVE_COUNT: '3',
      INVOKE_TIMEOUT_MS: '3000',
    },
    stop: async () => {
      await Promise.all([dynamo.stop(), sqs.stop(), ssm.stop()]);
    },
  };
}
