/** Exit codes of the CLI. */
export const EXIT = {
  ok: 0,
  /** The command ran and failed: unknown sku, API error, an order that did not converge. */
  failed: 1,
  /** The command could not run: bad arguments, or nothing to talk to. */
  usage: 2,
} as const;

/**
 * An error the CLI reports as one line on stderr (`mini-ec: <message>`) before exiting with
 * `exitCode`; any other error is unexpected and reported the same way with exit code 1.
 */
export class CliError extends Error {
  override readonly name = 'CliError';

  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A command line that cannot be run as given. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(`${message} (see mini-ec --help)`, EXIT.usage);
  }
}

/** An SDK error as one line: `<name>: <message>`. */
function sdkErrorText(error: unknown): string {
  const e = error as { name?: string; message?: string };
  return `${e.name ?? 'Error'}: ${e.message ?? String(error)}`;
}

/**
 * Runs one AWS call of a command: a failure becomes a CliError `<what>: <describe(error)>`
 * (exit 1); a CliError thrown inside passes through as it is.
 */
export async function callAws<T>(
  what: string,
  send: () => Promise<T>,
  describe: (error: unknown) => string = sdkErrorText,
): Promise<T> {
  try {
    return await send();
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`${what}: ${describe(error)}`, EXIT.failed, { cause: error });
  }
}
