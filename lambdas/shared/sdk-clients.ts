/**
 * What every AWS SDK client of this project gets, in the functions and in the local cloud.
 *
 * The SDK's logger middleware builds a copy of each command's input and output with their
 * sensitive members masked, for a logger, on every call, and hands it to the client's logger;
 * with no logger configured that logger is a no-op and the copy is thrown away. Nothing here
 * configures an SDK logger (the functions log through Powertools), so the middleware is
 * removed: 5–10 % of the client's CPU per DynamoDB transaction in a microbenchmark against
 * DynamoDB Local (2026-12-05); too little to tell apart in `npm run bench`.
 */

/** The part of an SDK client this module touches. */
interface WithMiddlewareStack {
  readonly middlewareStack: { remove(toRemove: string): boolean };
}

/** The client without the SDK's logger middleware (it logs nothing without a logger); returns it. */
export function withoutSdkLogger<Client extends WithMiddlewareStack>(client: Client): Client {
  client.middlewareStack.remove('loggerMiddleware');
  return client;
}
