/**
 * Global setup of the fast project: one DynamoDB Local for the whole run instead of one Java
 * process per file (each costs seconds of CPU to start). Files find it through
 * SHARED_DYNAMODB_ENV (the workers inherit this process's environment) and keep their own
 * randomly named tables.
 */
import { SHARED_DYNAMODB_ENV, spawnLocalDynamo } from './ddb.js';

export default async function setup(): Promise<() => Promise<void>> {
  const dynamo = await spawnLocalDynamo();
  process.env[SHARED_DYNAMODB_ENV] = dynamo.endpoint;
  return async () => {
    delete process.env[SHARED_DYNAMODB_ENV];
    await dynamo.stop();
  };
}
