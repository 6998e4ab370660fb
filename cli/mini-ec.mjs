#!/usr/bin/env node
// The `mini-ec` bin. Runs a prebuilt ESM bundle of cli/main.ts (esbuild, the packages it uses
// inside) cached in .cache/cli/main.mjs (git-ignored). The bundle is rebuilt when any source
// file it was built from (esbuild's metafile inputs) or node_modules/.package-lock.json (which
// npm rewrites on every install) is newer than it, so edits to cli/ or lambdas/shared/ show at
// once. If esbuild cannot build it, falls back to tsx.
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// The SDK's notice that it will drop Node 20 in 2027 would precede every error line the CLI
// prints; the CLI's contract is one line per error. (Set it yourself to 'false' to see it.)
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// `mini-ec … | head` closes the pipe early: stop quietly, as other command-line tools do.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const root = fileURLToPath(new URL('..', import.meta.url));
const cacheDir = join(root, '.cache', 'cli');
const bundle = join(cacheDir, 'main.mjs');
const inputsFile = join(cacheDir, 'inputs.json');

/** True when the bundle exists and no file it was built from is newer (or gone). */
function fresh() {
  try {
    const built = statSync(bundle).mtimeMs;
    const inputs = JSON.parse(readFileSync(inputsFile, 'utf8'));
    return inputs.every((input) => statSync(join(root, input)).mtimeMs <= built);
  } catch {
    return false;
  }
}

async function build() {
  const esbuild = await import('esbuild');
  mkdirSync(cacheDir, { recursive: true });
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: ['cli/main.ts'],
    bundle: true,
    // Chunks for main.ts's dynamic imports, so a command loads only what it needs.
    splitting: true,
    outdir: cacheDir,
    entryNames: '[name]',
    chunkNames: 'chunk-[hash]',
    outExtension: { '.js': '.mjs' },
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // The SDK inside the bundle: one file to read instead of Node resolving and loading a few
    // hundred modules of node_modules on every run. The banner gives CJS dependencies require().
    mainFields: ['module', 'main'],
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    metafile: true,
    write: false,
    logLevel: 'silent',
  });
  // Our sources one by one; the packages through the file npm rewrites on every install.
  const inputs = Object.keys(result.metafile.inputs)
    .filter((input) => !input.startsWith('node_modules/'))
    .concat('node_modules/.package-lock.json');
  // Chunks first and the entry last, each under a temporary name then renamed, so a
  // concurrent run never reads half a file.
  const files = [...result.outputFiles].sort((a, b) => (a.path === bundle) - (b.path === bundle));
  for (const file of files) {
    const tmp = `${file.path}.${process.pid}.tmp`;
    writeFileSync(tmp, file.contents);
    renameSync(tmp, file.path);
  }
  writeFileSync(`${inputsFile}.${process.pid}.tmp`, JSON.stringify(inputs));
  renameSync(`${inputsFile}.${process.pid}.tmp`, inputsFile);
}

let main;
try {
  if (!fresh()) await build();
  ({ main } = await import(pathToFileURL(bundle).href));
} catch {
  // No esbuild, an unwritable cache or a build error: run the sources through tsx instead.
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('./main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
