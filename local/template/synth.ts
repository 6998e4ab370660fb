import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  FAULT_NAMES,
  FAULT_SERVICES,
  type FaultSettings,
  faultNamesOf,
} from '../../lambdas/shared/faults.js';

/** Fault settings given to the stack through CDK context (see lib/config.ts). */
export interface FaultOptions {
  readonly failRate?: number;
  readonly delayMs?: number;
  readonly inventoryFailRate?: number;
  readonly inventoryDelayMs?: number;
  readonly paymentFailRate?: number;
  readonly paymentDelayMs?: number;
  readonly failAfterCommit?: number;
  readonly inventoryFailAfterCommit?: number;
  readonly paymentFailAfterCommit?: number;
  readonly shippingFailRate?: number;
  readonly shippingDelayMs?: number;
  readonly shippingFailAfterCommit?: number;
}

/** Each option's CDK context key and environment variable, from lambdas/shared/faults.ts. */
const FAULT_CONTEXT = Object.fromEntries(
  (Object.keys(FAULT_NAMES) as (keyof FaultSettings)[]).flatMap((setting) => [
    [setting, FAULT_NAMES[setting]],
    ...FAULT_SERVICES.map((service) => [
      `${service}${setting[0]?.toUpperCase()}${setting.slice(1)}`,
      faultNamesOf(service, setting),
    ]),
  ]),
) as Record<keyof FaultOptions, { context: string; env: string }>;

/** Reads FAULT_FAIL_RATE, FAULT_DELAY_MS, INVENTORY_FAULT_*, PAYMENT_FAULT_* from an environment. */
export function faultsFromEnv(env: NodeJS.ProcessEnv): FaultOptions {
  const faults: Record<string, number> = {};
  for (const [key, { env: name }] of Object.entries(FAULT_CONTEXT)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const value = Number(raw);
    if (!Number.isFinite(value)) throw new Error(`${name} must be a number, got ${raw}`);
    faults[key] = value;
  }
  return faults as FaultOptions;
}

/** The CDK context keys the stack reads its fault settings from. */
export function faultContext(faults: FaultOptions): Record<string, number> {
  const context: Record<string, number> = {};
  for (const [key, { context: name }] of Object.entries(FAULT_CONTEXT)) {
    const value = faults[key as keyof FaultOptions];
    if (value !== undefined) context[name] = value;
  }
  return context;
}

/** What `buildApp` of lib/app.ts looks like to the local cloud. */
type BuildApp = (options: {
  outdir?: string;
  context?: Record<string, unknown>;
  builtinCloudFormationValidation?: boolean;
}) => {
  synth(): { directory: string };
};

/** What the synth reads besides node_modules (whose versions package-lock.json pins). */
const SYNTH_INPUTS = [
  'lib',
  'lambdas',
  'bin',
  'cdk.json',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
];
/** Where a synth records what it was made from, inside its cloud assembly. */
const STAMP_FILE = '.mini-ec-synth.json';

/** Every input file's path, size and mtime, in order (a deleted or added file changes it too). */
function inputListing(root: string): string[] {
  const lines: string[] = [];
  const visit = (relative: string) => {
    const full = path.join(root, relative);
    if (!existsSync(full)) return;
    const stat = statSync(full);
    if (stat.isDirectory()) {
      for (const entry of readdirSync(full).sort()) {
        if (entry !== 'node_modules') visit(path.join(relative, entry));
      }
    } else {
      lines.push(`${relative} ${stat.size} ${stat.mtimeMs}`);
    }
  };
  for (const input of SYNTH_INPUTS) visit(input);
  return lines;
}

/** The assembly's own files as written (a `cdk synth` run in between changes them). */
function assemblyListing(outdir: string): string[] | undefined {
  const manifest = path.join(outdir, 'manifest.json');
  if (!existsSync(manifest)) return undefined;
  return readdirSync(outdir)
    .filter((f) => f === 'manifest.json' || f.endsWith('.template.json'))
    .sort()
    .map((f) => {
      const stat = statSync(path.join(outdir, f));
      return `${f} ${stat.size} ${stat.mtimeMs}`;
    });
}

function sourcesHash(root: string, context: Record<string, unknown>): string {
  return createHash('sha256')
    .update(JSON.stringify(context))
    .update(`${process.env.CDK_DEFAULT_ACCOUNT ?? ''} ${process.env.CDK_DEFAULT_REGION ?? ''}\n`)
    .update(inputListing(root).join('\n'))
    .digest('hex');
}

/**
 * Synthesizes the project's CDK app (lib/app.ts `buildApp`) into `outdir`, with asset
 * metadata on (the local cloud finds each function's bundle through it), unless `outdir`
 * holds this very synth already: same context, no input file (lib, lambdas, bin, cdk.json,
 * package files, tsconfig) added, removed or changed since, assembly untouched. Returns the
 * cloud assembly directory and whether it was reused.
 */
export async function synthesize(options: {
  outdir: string;
  context?: Record<string, unknown>;
  appModule?: string;
}): Promise<{ directory: string; reused: boolean }> {
  const release = await lockOutdir(path.resolve(options.outdir));
  try {
    return await synthesizeLocked(options);
  } finally {
    release();
  }
}

/** How long a synth may hold an outdir's lock before another process takes it over. */
const LOCK_STALE_MS = 10 * 60_000;

function lockOwnerAlive(lockDir: string): boolean {
  try {
    const owner = Number(readFileSync(path.join(lockDir, 'pid'), 'utf8'));
    if (!Number.isInteger(owner) || owner <= 0) return false;
    process.kill(owner, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but is not ours to signal.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes `<outdir>.lock` (mkdir is atomic), so two processes that synthesize into one folder
 * (two test files, or `npm start` beside `npm run bench`) do it one after the other: the
 * second then finds the first one's stamp and reuses its assembly. A lock whose process is
 * gone, or older than LOCK_STALE_MS, is taken over.
 */
async function lockOutdir(outdir: string): Promise<() => void> {
  const lockDir = `${outdir}.lock`;
  mkdirSync(path.dirname(lockDir), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(path.join(lockDir, 'pid'), String(process.pid));
      return () => rmSync(lockDir, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let age = 0;
    try {
      age = Date.now() - statSync(lockDir).mtimeMs;
    } catch {
      continue; // released in between
    }
    // A lock just made may not hold its pid file yet: give its owner a moment to write it.
    if (age > LOCK_STALE_MS || (age > 2_000 && !lockOwnerAlive(lockDir))) {
      rmSync(lockDir, { recursive: true, force: true });
      continue;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function synthesizeLocked(options: {
  outdir: string;
  context?: Record<string, unknown>;
  appModule?: string;
}): Promise<{ directory: string; reused: boolean }> {
  const modulePath = options.appModule ?? path.resolve('lib', 'app.ts');
  const context = { 'aws:cdk:enable-asset-metadata': true, ...options.context };
  const outdir = path.resolve(options.outdir);
  const stampFile = path.join(outdir, STAMP_FILE);
  const root = path.dirname(path.dirname(modulePath));
  const sources = `${modulePath}\n${sourcesHash(root, context)}`;
  if (existsSync(stampFile)) {
    const stamp = JSON.parse(readFileSync(stampFile, 'utf8')) as {
      sources?: string;
      assembly?: string[];
    };
    if (
      stamp.sources === sources &&
      JSON.stringify(stamp.assembly) === JSON.stringify(assemblyListing(outdir))
    ) {
      return { directory: outdir, reused: true };
    }
  }
  const module = (await import(pathToFileURL(modulePath).href)) as { buildApp?: BuildApp };
  if (typeof module.buildApp !== 'function')
    throw new Error(`${modulePath} does not export buildApp`);
  // Without CDK's built-in CloudFormation validation (see lib/app.ts): cdk-nag still runs.
  const app = module.buildApp({ outdir, context, builtinCloudFormationValidation: false });
  const directory = app.synth().directory;
  // Hashed again: an input saved during the synth makes the next start synthesize anew.
  const after = `${modulePath}\n${sourcesHash(root, context)}`;
  if (after === sources) {
    writeFileSync(
      path.join(directory, STAMP_FILE),
      `${JSON.stringify({ sources, assembly: assemblyListing(directory) })}\n`,
    );
  }
  return { directory, reused: false };
}
