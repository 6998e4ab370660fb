/** Local account, region and partition: what every resolved ARN and URL is made of. */
export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_REGION = 'us-east-1';
const LOCAL_PARTITION = 'aws';
export const LOCAL_URL_SUFFIX = 'amazonaws.com';

/** Thrown when a template value cannot be resolved to a local value; says where and why. */
export class IntrinsicError extends Error {
  override readonly name = 'IntrinsicError';
}

/** What the resolver asks the local cloud for: a resource's Ref value and its attributes. */
export interface ResourceLookup {
  /** The value of `{Ref: logicalId}` (a resource or a parameter), or undefined if unknown. */
  ref(logicalId: string): unknown;
  /** The value of `{Fn::GetAtt: [logicalId, attribute]}`, or undefined if unknown. */
  getAtt(logicalId: string, attribute: string): unknown;
  /** Whether a template condition holds (Fn::If, Condition). */
  condition?(name: string): boolean;
}

const PSEUDO: Record<string, unknown> = {
  'AWS::Region': LOCAL_REGION,
  'AWS::AccountId': LOCAL_ACCOUNT,
  'AWS::Partition': LOCAL_PARTITION,
  'AWS::URLSuffix': LOCAL_URL_SUFFIX,
  'AWS::StackName': 'local',
  'AWS::StackId': `arn:aws:cloudformation:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stack/local/local`,
  'AWS::NotificationARNs': [],
};

/** Marks a value that resolves to nothing (AWS::NoValue): dropped from objects and arrays. */
const NO_VALUE = Symbol('AWS::NoValue');

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Resolves CloudFormation intrinsic functions in `value` to local values: Ref, Fn::GetAtt,
 * Fn::Join, Fn::Sub, Fn::Select, Fn::Split, Fn::If, Fn::Equals/And/Or/Not, Fn::Base64,
 * Fn::GetAZs and the pseudo parameters. Throws an IntrinsicError naming `where` otherwise.
 */
export function resolveIntrinsics(
  value: unknown,
  lookup: ResourceLookup,
  where = 'template',
): unknown {
  const resolved = resolveValue(value, lookup, where);
  return resolved === NO_VALUE ? undefined : resolved;
}

function resolveValue(value: unknown, lookup: ResourceLookup, where: string): unknown {
  if (Array.isArray(value)) {
    return value.map((v) => resolveValue(v, lookup, where)).filter((v) => v !== NO_VALUE);
  }
  if (!isRecord(value)) return value;
  const keys = Object.keys(value);
  const fn = keys.length === 1 ? keys[0] : undefined;
  if (fn !== undefined && (fn === 'Ref' || fn.startsWith('Fn::') || fn === 'Condition')) {
    return resolveFunction(fn, value[fn], lookup, where);
  }
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    const resolved = resolveValue(inner, lookup, `${where}.${key}`);
    if (resolved !== NO_VALUE) out[key] = resolved;
  }
  return out;
}

function asString(value: unknown, fn: string, where: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new IntrinsicError(`${where}: ${fn} expects a string, got ${JSON.stringify(value)}`);
}

function asArray(value: unknown, fn: string, where: string): unknown[] {
  if (Array.isArray(value)) return value;
  throw new IntrinsicError(`${where}: ${fn} expects a list, got ${JSON.stringify(value)}`);
}

function ref(name: string, lookup: ResourceLookup, where: string): unknown {
  if (name === 'AWS::NoValue') return NO_VALUE;
  if (name in PSEUDO) return PSEUDO[name];
  const value = lookup.ref(name);
  if (value === undefined) throw new IntrinsicError(`${where}: Ref to unknown ${name}`);
  return value;
}

function getAtt(logicalId: string, attribute: string, lookup: ResourceLookup, where: string) {
  const value = lookup.getAtt(logicalId, attribute);
  if (value === undefined) {
    throw new IntrinsicError(`${where}: Fn::GetAtt ${logicalId}.${attribute} has no local value`);
  }
  return value;
}

function condition(name: string, lookup: ResourceLookup, where: string): boolean {
  if (!lookup.condition) throw new IntrinsicError(`${where}: condition ${name} without Conditions`);
  return lookup.condition(name);
}

function resolveFunction(fn: string, arg: unknown, lookup: ResourceLookup, where: string): unknown {
  const here = `${where} (${fn})`;
  const resolve = (v: unknown) => resolveValue(v, lookup, here);
  switch (fn) {
    case 'Ref':
      return ref(asString(arg, fn, where), lookup, here);
    case 'Fn::GetAtt': {
      const parts =
        typeof arg === 'string'
          ? [arg.slice(0, arg.indexOf('.')), arg.slice(arg.indexOf('.') + 1)]
          : asArray(arg, fn, where).map((p) => asString(resolve(p), fn, where));
      const [logicalId, attribute] = parts;
      if (!logicalId || !attribute) throw new IntrinsicError(`${here}: bad ${JSON.stringify(arg)}`);
      return getAtt(logicalId, attribute, lookup, here);
    }
    case 'Fn::Join': {
      const [delimiter, list] = asArray(arg, fn, where);
      const items = asArray(resolve(list), fn, where);
      return items.map((i) => asString(i, fn, here)).join(asString(delimiter, fn, here));
    }
    case 'Fn::Sub': {
      const [template, vars] = typeof arg === 'string' ? [arg, {}] : asArray(arg, fn, where);
      const variables = isRecord(vars) ? (resolve(vars) as Record<string, unknown>) : {};
      return asString(template, fn, where).replace(/\$\{(!?)([^}]+)\}/g, (_m, bang, name) => {
        if (bang) return `\${${name}}`;
        const key = String(name).trim();
        if (key in variables) return asString(variables[key], fn, here);
        const dot = key.indexOf('.');
        if (dot > 0 && !key.startsWith('AWS::')) {
          return asString(getAtt(key.slice(0, dot), key.slice(dot + 1), lookup, here), fn, here);
        }
        return asString(ref(key, lookup, here), fn, here);
      });
    }
    case 'Fn::Select': {
      const [index, list] = asArray(arg, fn, where);
      const items = asArray(resolve(list), fn, where);
      const i = Number(resolve(index));
      if (!Number.isInteger(i) || i < 0 || i >= items.length) {
        throw new IntrinsicError(`${here}: index ${String(index)} out of range`);
      }
      return items[i];
    }
    case 'Fn::Split': {
      const [delimiter, source] = asArray(arg, fn, where);
      return asString(resolve(source), fn, here).split(asString(delimiter, fn, here));
    }
    case 'Fn::Base64':
      return Buffer.from(asString(resolve(arg), fn, here)).toString('base64');
    case 'Fn::GetAZs':
      return ['a', 'b', 'c'].map((az) => `${LOCAL_REGION}${az}`);
    case 'Fn::If': {
      const [name, whenTrue, whenFalse] = asArray(arg, fn, where);
      return condition(asString(name, fn, where), lookup, here)
        ? resolve(whenTrue)
        : resolve(whenFalse);
    }
    case 'Fn::Equals': {
      const [a, b] = asArray(arg, fn, where).map(resolve);
      return JSON.stringify(a) === JSON.stringify(b);
    }
    case 'Fn::And':
      return asArray(arg, fn, where).every((c) => resolve(c) === true);
    case 'Fn::Or':
      return asArray(arg, fn, where).some((c) => resolve(c) === true);
    case 'Fn::Not':
      return !(asArray(arg, fn, where).map(resolve)[0] === true);
    case 'Condition':
      return condition(asString(arg, fn, where), lookup, here);
    default:
      throw new IntrinsicError(`${where}: ${fn} is not supported by the local cloud`);
  }
}
