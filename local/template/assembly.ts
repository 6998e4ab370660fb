/**
 * Reading a cloud assembly (the folder `cdk synth` writes): its manifest, the chosen stack and
 * its CloudFormation template.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

/** One resource of a CloudFormation template. */
export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
  readonly Condition?: string;
}

/** The parts of a CloudFormation template the local cloud reads. */
export interface CfnTemplate {
  readonly Resources: Record<string, CfnResource>;
  readonly Outputs?: Record<string, { Value: unknown; Description?: string }>;
  readonly Parameters?: Record<string, { Default?: unknown }>;
  readonly Conditions?: Record<string, unknown>;
}

/** A stack read from a cloud assembly: its template and the directory its assets live in. */
export interface LoadedStack {
  readonly stackName: string;
  readonly template: CfnTemplate;
  readonly assemblyDir: string;
  /** The template's file (absolute). */
  readonly templateFile: string;
}

interface ManifestArtifact {
  type?: string;
  displayName?: string;
  properties?: { templateFile?: string };
}

/**
 * Reads a stack's template from a cloud assembly (`manifest.json` → the stack artifact's
 * templateFile). With no name, takes the only stack of the assembly.
 */
export function loadStack(assemblyDir: string, stackName?: string): LoadedStack {
  const manifestPath = path.join(assemblyDir, 'manifest.json');
  if (!existsSync(manifestPath))
    throw new Error(`no cloud assembly at ${assemblyDir} (manifest.json missing)`);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    artifacts?: Record<string, ManifestArtifact>;
  };
  const stacks = Object.entries(manifest.artifacts ?? {}).filter(
    ([, a]) => a.type === 'aws:cloudformation:stack',
  );
  const chosen =
    stackName === undefined
      ? stacks.length === 1
        ? stacks[0]
        : undefined
      : stacks.find(([id, a]) => id === stackName || a.displayName === stackName);
  if (!chosen) {
    const names = stacks.map(([id]) => id).join(', ') || 'none';
    throw new Error(
      `stack ${stackName ?? '(the only one)'} not found in ${assemblyDir}; stacks: ${names}`,
    );
  }
  const [id, artifact] = chosen;
  const templateFile = artifact.properties?.templateFile ?? `${id}.template.json`;
  const file = path.resolve(assemblyDir, templateFile);
  const template = JSON.parse(readFileSync(file, 'utf8')) as CfnTemplate;
  return { stackName: id, template, assemblyDir, templateFile: file };
}
