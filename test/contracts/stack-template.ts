import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp, STACK_NAME } from '../../lib/app.js';

let synthesized: Template | undefined;

/** The stack's template, synthesized once per file: no function bundles, no CloudFormation validation. */
export function stackTemplate(): Template {
  if (synthesized) return synthesized;
  const outdir = mkdtempSync(join(tmpdir(), 'mini-ec-contracts-'));
  const app = buildApp({
    outdir,
    context: { 'aws:cdk:bundling-stacks': [] },
    builtinCloudFormationValidation: false,
  });
  synthesized = Template.fromStack(app.node.findChild(STACK_NAME) as Stack);
  rmSync(outdir, { recursive: true, force: true });
  return synthesized;
}

/** The properties of each resource of a type, by logical id. */
export function resourcesOf(type: string): [string, Record<string, unknown>][] {
  return Object.entries(stackTemplate().findResources(type)).map(([id, resource]) => [
    id,
    (resource as { Properties?: Record<string, unknown> }).Properties ?? {},
  ]);
}

/**
 * The construct path of a logical id, without the hash CDK appends (`OrdersQueueC538DD4C` →
 * `OrdersQueue`: the queue `Queue` of the construct `Orders`).
 */
export const constructName = (logicalId: string): string => logicalId.replace(/[0-9A-F]{8}$/, '');

/** The logical id an `Fn::GetAtt` or a `Ref` points at, else undefined. */
export function referenced(value: unknown): string | undefined {
  const node = value as { 'Fn::GetAtt'?: [string, string]; Ref?: string } | undefined;
  return node?.['Fn::GetAtt']?.[0] ?? node?.Ref;
}
