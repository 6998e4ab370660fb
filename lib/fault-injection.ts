/**
 * What the stack gives a service that takes fault injection (the participants and shipping):
 * its chaos parameter, which `npx mini-ec chaos set` changes while the stack runs, and the
 * environment that names it beside the base settings (lambdas/shared/faults.ts).
 */
import type { Stack } from 'aws-cdk-lib';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { ENV } from '../lambdas/shared/env-names.js';
import type { FaultService, FaultSettings } from '../lambdas/shared/faults.js';

/**
 * A service's chaos settings: a JSON object (`{}`: none) that `npx mini-ec chaos set`
 * changes while the stack runs; the service reads it with a short cache.
 */
export function newChaosParameter(scope: Stack, service: FaultService): ssm.StringParameter {
  return new ssm.StringParameter(scope, `${service[0]?.toUpperCase()}${service.slice(1)}Chaos`, {
    parameterName: `/${scope.stackName}/chaos/${service}`,
    stringValue: '{}',
    description: `Chaos settings of the ${service} service (fault injection); {} in normal operation`,
  });
}

/** The environment of a service's fault injection: base settings and its chaos parameter. */
export function faultEnvironment(
  faults: FaultSettings,
  chaos: ssm.StringParameter,
): Record<string, string> {
  return {
    [ENV.faultFailRate]: String(faults.failRate),
    [ENV.faultDelayMs]: String(faults.delayMs),
    [ENV.faultFailAfterCommit]: String(faults.failAfterCommit),
    [ENV.chaosParameterName]: chaos.parameterName,
  };
}
