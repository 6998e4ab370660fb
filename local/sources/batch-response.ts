/** What a function's answer says about a batch: all done, some items to retry, or failed. */
export type BatchOutcome =
  | { readonly kind: 'success' }
  | { readonly kind: 'partial'; readonly failedIds: ReadonlySet<string> }
  | { readonly kind: 'failure'; readonly reason: string };

/**
 * Reads a function's response to a batch, with ReportBatchItemFailures semantics: no
 * response, an empty or missing `batchItemFailures` → success; identifiers all in the
 * batch → partial; an empty, null or unknown identifier → the whole batch failed.
 */
export function readBatchResponse(
  payload: string,
  reportBatchItemFailures: boolean,
  batchIds: ReadonlySet<string>,
): BatchOutcome {
  if (!reportBatchItemFailures) return { kind: 'success' };
  let response: unknown;
  try {
    response = JSON.parse(payload);
  } catch {
    return { kind: 'success' };
  }
  if (typeof response !== 'object' || response === null) return { kind: 'success' };
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return { kind: 'success' };
  if (!Array.isArray(failures))
    return { kind: 'failure', reason: 'batchItemFailures is not a list' };
  if (failures.length === 0) return { kind: 'success' };
  const failedIds = new Set<string>();
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || id === '' || !batchIds.has(id)) {
      return { kind: 'failure', reason: `invalid itemIdentifier ${JSON.stringify(id)}` };
    }
    failedIds.add(id);
  }
  return { kind: 'partial', failedIds };
}
