/**
 * Lambda event filtering (the EventBridge pattern syntax): a record passes a FilterCriteria
 * when it matches any of its patterns. A pattern is an object mirroring the record; a leaf
 * is a list of matchers, any of which may match: a literal (string, number, boolean, null),
 * `{prefix}`, `{suffix}`, `{equals-ignore-case}`, `{exists}`, `{anything-but}`,
 * `{numeric: [op, n, …]}`, `{wildcard}`; a `$or` key takes a list of sub-patterns.
 */
export type Pattern = Record<string, unknown>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses FilterCriteria (`{Filters: [{Pattern: '<json>'}]}`) into patterns. */
export function parseFilterCriteria(criteria: unknown): Pattern[] {
  if (!isRecord(criteria)) return [];
  const filters = Array.isArray(criteria.Filters) ? criteria.Filters : [];
  return filters.map((f: unknown) => {
    const raw = isRecord(f) ? f.Pattern : undefined;
    const parsed: unknown = typeof raw === 'string' ? JSON.parse(raw) : raw;
    if (!isRecord(parsed))
      throw new Error(`filter pattern must be a JSON object, got ${String(raw)}`);
    return parsed;
  });
}

/** Whether a record passes the filters: no filters pass everything, else any pattern. */
export function passesFilters(patterns: readonly Pattern[], record: unknown): boolean {
  return patterns.length === 0 || patterns.some((p) => matchesPattern(p, record));
}

/** Whether a record matches one pattern. */
export function matchesPattern(pattern: Pattern, record: unknown): boolean {
  for (const [key, expected] of Object.entries(pattern)) {
    if (key === '$or') {
      if (
        !Array.isArray(expected) ||
        !expected.some((p) => isRecord(p) && matchesPattern(p, record))
      ) {
        return false;
      }
      continue;
    }
    const present = isRecord(record) && key in record;
    const actual = present ? record[key] : undefined;
    if (Array.isArray(expected)) {
      if (!matchesLeaf(expected, present, actual)) return false;
    } else if (isRecord(expected)) {
      if (!isRecord(actual) || !matchesPattern(expected, actual)) return false;
    } else {
      throw new Error(`filter pattern value of ${key} must be a list or an object`);
    }
  }
  return true;
}

function matchesLeaf(matchers: readonly unknown[], present: boolean, actual: unknown): boolean {
  return matchers.some((matcher) => {
    if (isRecord(matcher) && 'exists' in matcher) {
      const exists = present && actual !== undefined && !isRecord(actual);
      return matcher.exists === true ? exists : !exists;
    }
    if (!present) return false;
    const values = Array.isArray(actual) ? actual : [actual];
    return values.some((value) => matchesValue(matcher, value));
  });
}

function matchesValue(matcher: unknown, value: unknown): boolean {
  if (!isRecord(matcher)) return matcher === value;
  if ('prefix' in matcher) {
    const p = matcher.prefix;
    if (isRecord(p) && typeof p['equals-ignore-case'] === 'string') {
      return (
        typeof value === 'string' &&
        value.toLowerCase().startsWith(p['equals-ignore-case'].toLowerCase())
      );
    }
    return typeof value === 'string' && typeof p === 'string' && value.startsWith(p);
  }
  if ('suffix' in matcher) {
    return (
      typeof value === 'string' &&
      typeof matcher.suffix === 'string' &&
      value.endsWith(matcher.suffix)
    );
  }
  if ('equals-ignore-case' in matcher) {
    const e = matcher['equals-ignore-case'];
    return (
      typeof value === 'string' && typeof e === 'string' && value.toLowerCase() === e.toLowerCase()
    );
  }
  if ('wildcard' in matcher) {
    if (typeof value !== 'string' || typeof matcher.wildcard !== 'string') return false;
    const regex = matcher.wildcard.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
    return new RegExp(`^${regex.join('.*')}$`, 's').test(value);
  }
  if ('anything-but' in matcher) {
    const but = matcher['anything-but'];
    if (isRecord(but)) return !matchesValue(but, value);
    const excluded = Array.isArray(but) ? but : [but];
    return !excluded.includes(value);
  }
  if ('numeric' in matcher) {
    return (
      typeof value === 'number' &&
      Array.isArray(matcher.numeric) &&
      matchesNumeric(matcher.numeric, value)
    );
  }
  throw new Error(`unsupported filter matcher ${JSON.stringify(matcher)}`);
}

function matchesNumeric(conditions: readonly unknown[], value: number): boolean {
  for (let i = 0; i + 1 < conditions.length; i += 2) {
    const op = conditions[i];
    const bound = Number(conditions[i + 1]);
    const ok =
      op === '='
        ? value === bound
        : op === '>'
          ? value > bound
          : op === '>='
            ? value >= bound
            : op === '<'
              ? value < bound
              : op === '<='
                ? value <= bound
                : false;
    if (!ok) return false;
  }
  return true;
}
