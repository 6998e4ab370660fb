/**
 * Fail-fast configuration: read once at module scope, throw on a missing or malformed value.
 */
class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

/** The value of a required environment variable; throws when it is missing or empty. */
export function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new ConfigurationError(`environment variable ${name} is required`);
  }
  return value;
}

/** A required numeric environment variable within [min, max]. */
export function requireNumberEnv(name: string, min: number, max: number): number {
  const raw = requireEnv(name);
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new ConfigurationError(
      `environment variable ${name} must be a number in [${min}, ${max}], got "${raw}"`,
    );
  }
  return value;
}
