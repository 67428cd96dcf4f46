import type { Connection } from '@temporalio/client';
import type { SearchAttributeType } from './dev-server.ts';

// temporal.api.enums.v1.IndexedValueType
const INDEXED_VALUE_TYPE: Record<SearchAttributeType, number> = {
  Text: 1, Keyword: 2, Int: 3, Double: 4, Bool: 5, Datetime: 6, KeywordList: 7,
};

/**
 * Makes sure the namespace knows our search attributes. The dev servers we start register them at launch; on another
 * server (a real cluster, or one started by hand) they are added here, once. Returns the names that were added.
 */
export async function ensureSearchAttributes(
  connection: Connection,
  namespace: string,
  wanted: readonly { readonly name: string; readonly type: SearchAttributeType }[],
): Promise<string[]> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const known = new Set([...Object.keys(existing.customAttributes ?? {}), ...Object.keys(existing.systemAttributes ?? {})]);
  const missing = wanted.filter((w) => !known.has(w.name));
  if (missing.length === 0) return [];
  const searchAttributes: Record<string, number> = {};
  for (const m of missing) searchAttributes[m.name] = INDEXED_VALUE_TYPE[m.type];
  try {
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
  } catch (err) {
    // Another client may have added them at the same moment.
    if (!/already exists/i.test((err as Error).message)) throw err;
  }
  return missing.map((m) => m.name);
}
