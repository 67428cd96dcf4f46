import {
  DuckDBArrayValue,
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBListValue,
  DuckDBMapValue,
  DuckDBStructValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTypeId,
  DuckDBUUIDValue,
} from '@duckdb/node-api';
import type { DuckDBType, DuckDBValue } from '@duckdb/node-api';
import { jsonText } from './json-text.ts';
import { MS_PER_DAY, floorDiv } from './time-units.ts';

/** A value does not fit its column type. The caller adds which column, row and value; this says what was expected. */
export class ValueMismatch extends Error {}

/** Turns one plain-JS value (null and undefined allowed) into a DuckDB value of a fixed column type. */
export type ToDuckDBConverter = (value: unknown) => DuckDBValue;

/**
 * The strict converter into `type`, or null when this layer does not write that type (TIME, INTERVAL, UNION, ...).
 * Nothing is coerced across kinds: numbers go to numeric columns, strings to VARCHAR/ENUM/UUID, booleans to
 * BOOLEAN, Dates to DATE/TIMESTAMP*, Uint8Arrays to BLOB, arrays to LIST/ARRAY, plain objects to STRUCT/MAP.
 * The exceptions are deliberate: VARCHAR also takes arrays and plain objects as JSON text (how inferred schemas
 * store them), a JSON column takes any value as its JSON text, and DATE keeps the UTC day of a Date.
 */
export function toDuckDBConverterFor(type: DuckDBType): ToDuckDBConverter | null {
  const convert = nonNullConverterFor(type);
  return convert === null ? null : (value) => (value === null || value === undefined ? null : convert(value));
}

function nonNullConverterFor(type: DuckDBType): ToDuckDBConverter | null {
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return (value) => (typeof value === 'boolean' ? value : mismatch('a boolean'));
    case DuckDBTypeId.TINYINT: return smallInteger(-(2 ** 7), 2 ** 7 - 1, 'TINYINT');
    case DuckDBTypeId.SMALLINT: return smallInteger(-(2 ** 15), 2 ** 15 - 1, 'SMALLINT');
    case DuckDBTypeId.INTEGER: return smallInteger(-(2 ** 31), 2 ** 31 - 1, 'INTEGER');
    case DuckDBTypeId.UTINYINT: return smallInteger(0, 2 ** 8 - 1, 'UTINYINT');
    case DuckDBTypeId.USMALLINT: return smallInteger(0, 2 ** 16 - 1, 'USMALLINT');
    case DuckDBTypeId.UINTEGER: return smallInteger(0, 2 ** 32 - 1, 'UINTEGER');
    case DuckDBTypeId.BIGINT: return largeInteger(-(2n ** 63n), 2n ** 63n - 1n, 'BIGINT');
    case DuckDBTypeId.UBIGINT: return largeInteger(0n, 2n ** 64n - 1n, 'UBIGINT');
    case DuckDBTypeId.HUGEINT: return largeInteger(-(2n ** 127n), 2n ** 127n - 1n, 'HUGEINT');
    case DuckDBTypeId.UHUGEINT: return largeInteger(0n, 2n ** 128n - 1n, 'UHUGEINT');
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return (value) => (typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : mismatch('a number'));
    case DuckDBTypeId.DECIMAL: {
      const { width, scale } = type;
      const limit = 10n ** BigInt(width);
      return (value) => {
        let decimal: DuckDBDecimalValue;
        if (typeof value === 'bigint') decimal = new DuckDBDecimalValue(value * 10n ** BigInt(scale), width, scale);
        else if (typeof value === 'number' && Number.isFinite(value) && Math.abs(value) < 10 ** (width - scale)) {
          decimal = DuckDBDecimalValue.fromDouble(value, width, scale);
        } else return mismatch(`a finite number that fits ${type.toString()}`);
        return decimal.value > -limit && decimal.value < limit ? decimal : mismatch(`a number that fits ${type.toString()}`);
      };
    }
    case DuckDBTypeId.VARCHAR:
      if (type.alias === 'JSON') return (value) => jsonText(value);
      return (value) => (typeof value === 'string' ? value : isJsonContainer(value) ? jsonText(value) : mismatch('a string'));
    case DuckDBTypeId.ENUM:
      return (value) => (typeof value === 'string' ? value : mismatch('a string'));
    case DuckDBTypeId.UUID:
      return (value) => {
        const hex = typeof value === 'string' ? /^\{?([0-9a-f]{8})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{12})\}?$/i.exec(value) : null;
        return hex === null ? mismatch('a UUID string') : DuckDBUUIDValue.fromUint128(BigInt(`0x${hex.slice(1).join('')}`));
      };
    case DuckDBTypeId.BLOB:
      return (value) => (value instanceof Uint8Array ? new DuckDBBlobValue(value) : mismatch('a Uint8Array'));
    case DuckDBTypeId.DATE:
      return (value) => new DuckDBDateValue(Math.floor(epochMillis(value) / MS_PER_DAY));
    case DuckDBTypeId.TIMESTAMP:
      return (value) => new DuckDBTimestampValue(BigInt(epochMillis(value)) * 1_000n);
    case DuckDBTypeId.TIMESTAMP_TZ:
      return (value) => new DuckDBTimestampTZValue(BigInt(epochMillis(value)) * 1_000n);
    case DuckDBTypeId.TIMESTAMP_S:
      return (value) => new DuckDBTimestampSecondsValue(floorDiv(BigInt(epochMillis(value)), 1_000n));
    case DuckDBTypeId.TIMESTAMP_MS:
      return (value) => new DuckDBTimestampMillisecondsValue(BigInt(epochMillis(value)));
    case DuckDBTypeId.TIMESTAMP_NS:
      return (value) => new DuckDBTimestampNanosecondsValue(BigInt(epochMillis(value)) * 1_000_000n);
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY: {
      const item = toDuckDBConverterFor(type.valueType);
      if (item === null) return null;
      const length = type.typeId === DuckDBTypeId.ARRAY ? type.length : null;
      return (value) => {
        if (!Array.isArray(value) || (length !== null && value.length !== length)) {
          return mismatch(length === null ? 'an array' : `an array of ${length} items`);
        }
        const items = value.map((element: unknown, index) => within(`item ${index}`, () => item(element)));
        return length === null ? new DuckDBListValue(items) : new DuckDBArrayValue(items);
      };
    }
    case DuckDBTypeId.STRUCT: {
      const fields = type.entryNames.map((name, index) => [name, toDuckDBConverterFor(type.entryTypes[index] ?? type)] as const);
      if (fields.some(([, convert]) => convert === null)) return null;
      const known = new Set(type.entryNames);
      return (value) => {
        if (!isPlainObject(value)) return mismatch('a plain object');
        const extra = Object.keys(value).find((key) => !known.has(key));
        if (extra !== undefined) return mismatch(`only the fields ${[...known].join(', ')}; found "${extra}"`);
        const entries: Record<string, DuckDBValue> = {};
        for (const [name, convert] of fields) {
          entries[name] = within(`field "${name}"`, () => convert?.(Object.hasOwn(value, name) ? value[name] : null) ?? null);
        }
        return new DuckDBStructValue(entries);
      };
    }
    case DuckDBTypeId.MAP: {
      const key = toDuckDBConverterFor(type.keyType);
      const item = toDuckDBConverterFor(type.valueType);
      if (key === null || item === null) return null;
      return (value) => {
        const entries: [unknown, unknown][] | null =
          value instanceof Map ? [...value.entries()] : isPlainObject(value) ? Object.entries(value) : null;
        if (entries === null) return mismatch('a Map or a plain object');
        return new DuckDBMapValue(
          entries.map(([k, v]) => ({ key: within(`key ${String(k)}`, () => key(k)), value: within(`value of ${String(k)}`, () => item(v)) })),
        );
      };
    }
    default:
      return null;
  }
}

function smallInteger(min: number, max: number, name: string): ToDuckDBConverter {
  return (value) => {
    const n = typeof value === 'bigint' ? Number(value) : value;
    return typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max ? n : mismatch(`an integer in the ${name} range`);
  };
}

function largeInteger(min: bigint, max: bigint, name: string): ToDuckDBConverter {
  return (value) => {
    const n = typeof value === 'number' && Number.isInteger(value) ? BigInt(value) : value;
    return typeof n === 'bigint' && n >= min && n <= max ? n : mismatch(`an integer in the ${name} range`);
  };
}

function epochMillis(value: unknown): number {
  const ms = value instanceof Date ? value.getTime() : Number.NaN;
  return Number.isNaN(ms) ? mismatch('a valid Date') : ms;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Arrays and plain objects: the values stored as JSON text in VARCHAR. */
export function isJsonContainer(value: unknown): boolean {
  return Array.isArray(value) || isPlainObject(value);
}

function mismatch(expected: string): never {
  throw new ValueMismatch(`expected ${expected}`);
}

/** Runs a nested conversion, prefixing where inside the value a mismatch happened ("item 2: expected ..."). */
function within<T>(where: string, convert: () => T): T {
  try {
    return convert();
  } catch (error) {
    if (error instanceof ValueMismatch) throw new ValueMismatch(`${where}: ${error.message}`);
    throw error;
  }
}
