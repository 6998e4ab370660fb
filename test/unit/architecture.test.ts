import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..', '..');

function sourceFiles(dir: string): string[] {
  return fs
    .readdirSync(path.join(root, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.(ts|mts|cts|mjs|cjs)$/.test(entry.name))
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)));
}

function importsOf(file: string): string[] {
  const text = fs.readFileSync(path.join(root, file), 'utf8');
  return [...text.matchAll(/(?:from\s+|import\s*\(\s*|require\(\s*)['"]([^'"]+)['"]/g)].map(
    (m) => m[1] ?? '',
  );
}

function resolvedImports(file: string): string[] {
  return importsOf(file)
    .filter((spec) => spec.startsWith('.'))
    .map((spec) => path.relative(root, path.resolve(path.dirname(path.join(root, file)), spec)));
}

describe('dependency direction', () => {
  it('keeps lambdas/ free of the local cloud, the CLI, the CDK code and the tests', () => {
    const offending = sourceFiles('lambdas').flatMap((file) =>
      resolvedImports(file)
        .filter((target) => /^(local|cli|lib|bin|test)\//.test(target))
        .map((target) => `${file} → ${target}`),
    );
    expect(offending).toEqual([]);
  });

  it('keeps the AWS SDK out of every domain module', () => {
    const domains = sourceFiles('lambdas').filter(
      (file) => path.basename(file) === 'domain.ts' || file === 'lambdas/shared/queue-messages.ts',
    );
    expect(domains.length).toBeGreaterThanOrEqual(5);
    const offending = domains.filter((file) =>
      importsOf(file).some((spec) => spec.startsWith('@aws-sdk/')),
    );
    expect(offending).toEqual([]);
  });

  it('lets lib/ use only the shared contracts of lambdas/, never a handler or adapter', () => {
    const offending = sourceFiles('lib').flatMap((file) =>
      resolvedImports(file)
        .filter((target) => target.startsWith('lambdas/') && !target.startsWith('lambdas/shared/'))
        .map((target) => `${file} → ${target}`),
    );
    expect(offending).toEqual([]);
  });

  it('lets cli/ and local/ use only the shared contracts of lambdas/, never a handler or adapter', () => {
    const files = [...sourceFiles('cli'), ...sourceFiles('local')];
    expect(files.length).toBeGreaterThan(20);
    const offending = files.flatMap((file) =>
      resolvedImports(file)
        .filter((target) => target.startsWith('lambdas/') && !target.startsWith('lambdas/shared/'))
        .map((target) => `${file} → ${target}`),
    );
    expect(offending).toEqual([]);
  });

  it('keeps bench/ and proof/ free of the tests: what they share with them lives in proof/', () => {
    const offending = [...sourceFiles('bench'), ...sourceFiles('proof')].flatMap((file) =>
      resolvedImports(file)
        .filter((target) => target.startsWith('test/'))
        .map((target) => `${file} → ${target}`),
    );
    expect(offending).toEqual([]);
  });

  it('has no code path in lambdas/ that asks whether it runs locally or under test', () => {
    const offending = sourceFiles('lambdas').filter((file) =>
      /process\.env\.(NODE_ENV|VITEST|TEST|CI|LOCAL|IS_OFFLINE|AWS_SAM_LOCAL)\b|localhost|127\.0\.0\.1/.test(
        fs.readFileSync(path.join(root, file), 'utf8'),
      ),
    );
    expect(offending).toEqual([]);
  });
});
