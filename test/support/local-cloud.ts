import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadStack } from '../../local/template/assembly.js';
import type { RuntimeValues } from '../../local/template/references.js';
import { StackTemplate } from '../../local/template/stack.js';

/** The fixture cloud assembly: the CDK stack's resource shapes, with tiny function assets. */
export const FIXTURE_ASSEMBLY = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  'local',
  'fixtures',
  'assembly',
);

/** The fixture stack, as the local cloud reads it. */
export function fixtureStack(runtime?: RuntimeValues): StackTemplate {
  return new StackTemplate(loadStack(FIXTURE_ASSEMBLY), runtime);
}

/** Polls `check` until it returns a value, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
