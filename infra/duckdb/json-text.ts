/**
 * JSON text for values that have no column type of their own (arrays and objects stored in VARCHAR, Arrow types
 * we fall back to VARCHAR for). Plain JSON.stringify throws on bigint and spells a Uint8Array as an object with
 * numeric keys, so both get a readable form here.
 */
export function jsonText(value: unknown): string {
  return JSON.stringify(value, jsonReplacer) ?? 'null';
}

function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') {
    // A safe bigint stays a JSON number; a larger one becomes a string rather than silently losing digits.
    return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  }
  if (value instanceof Uint8Array) return Array.from(value);
  return value;
}

/** A short, unambiguous rendering of a value for error messages: strings quoted, bigints with `n`, long text cut. */
export function describeValue(value: unknown): string {
  let text: string;
  if (typeof value === 'string') text = JSON.stringify(value);
  else if (typeof value === 'bigint') text = `${value}n`;
  else if (value instanceof Date) text = Number.isNaN(value.getTime()) ? 'Invalid Date' : `Date(${value.toISOString()})`;
  else if (value instanceof Uint8Array) text = `Uint8Array(${value.length})`;
  else if (typeof value === 'object' && value !== null) text = jsonText(value);
  else text = String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
