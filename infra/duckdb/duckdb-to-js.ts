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
} from '@duckdb/node-api';
import type { DuckDBType, DuckDBValue } from '@duckdb/node-api';
import { MS_PER_DAY, floorDiv } from './time-units.ts';

/** Turns one DuckDB value of a known column type into plain JS. Built once per column, applied per row. */
export type JsConverter = (value: DuckDBValue) => unknown;

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
// The ECMAScript Date range: ±1e8 days around the epoch.
const MAX_DATE_MS = 8_640_000_000_000_000n;

/** A `number` when the integer is exactly representable (|v| ≤ 2**53-1), else the `bigint` unchanged. */
export function numberIfSafe(value: bigint): number | bigint {
  return value >= MIN_SAFE && value <= MAX_SAFE ? Number(value) : value;
}

/**
 * The plain-JS converter for `type`:
 *
 *   integers (any width) → number when safe, else bigint   FLOAT/DOUBLE/DECIMAL → number
 *   VARCHAR → string   BOOLEAN → boolean   BLOB → Uint8Array   DATE/TIMESTAMP* → Date (UTC)
 *   LIST/ARRAY → array   STRUCT → object   MAP with VARCHAR keys → object, other MAPs → [{ key, value }]
 *   NULL → null   everything else (TIME, INTERVAL, UUID, ENUM, UNION, ...) → DuckDB's string form
 *
 * A DATE or TIMESTAMP outside the JS Date range (including ±infinity) also comes back as its string form: a
 * Date cannot hold it, and an Invalid Date would hide the value.
 */
export function jsConverterFor(type: DuckDBType): JsConverter {
  const convert = nonNullConverterFor(type);
  return (value) => (value === null ? null : convert(value));
}

function nonNullConverterFor(type: DuckDBType): JsConverter {
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
    case DuckDBTypeId.VARCHAR:
      return (value) => value;
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
    case DuckDBTypeId.BIGNUM:
      return (value) => (typeof value === 'bigint' ? numberIfSafe(value) : value);
    case DuckDBTypeId.DECIMAL:
      return (value) => (value instanceof DuckDBDecimalValue ? value.toDouble() : Number(value));
    case DuckDBTypeId.BLOB:
      // A plain Uint8Array view, not the Buffer subclass DuckDB hands out, so results compare like any other bytes.
      return (value) =>
        value instanceof DuckDBBlobValue ? new Uint8Array(value.bytes.buffer, value.bytes.byteOffset, value.bytes.byteLength) : String(value);
    case DuckDBTypeId.DATE:
      return (value) => (value instanceof DuckDBDateValue ? dateOrString(BigInt(value.days * MS_PER_DAY), dateText(value)) : String(value));
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_TZ:
      return (value) =>
        value instanceof DuckDBTimestampValue || value instanceof DuckDBTimestampTZValue
          ? dateOrString(floorDiv(value.micros, 1000n), value)
          : String(value);
    case DuckDBTypeId.TIMESTAMP_S:
      return (value) => (value instanceof DuckDBTimestampSecondsValue ? dateOrString(value.seconds * 1000n, value) : String(value));
    case DuckDBTypeId.TIMESTAMP_MS:
      return (value) => (value instanceof DuckDBTimestampMillisecondsValue ? dateOrString(value.millis, value) : String(value));
    case DuckDBTypeId.TIMESTAMP_NS:
      return (value) =>
        value instanceof DuckDBTimestampNanosecondsValue ? dateOrString(floorDiv(value.nanos, 1_000_000n), value) : String(value);
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY: {
      const item = jsConverterFor(type.valueType);
      return (value) =>
        value instanceof DuckDBListValue || value instanceof DuckDBArrayValue ? value.items.map(item) : String(value);
    }
    case DuckDBTypeId.STRUCT: {
      const fields = type.entryNames.map((name, i) => [name, jsConverterFor(type.entryTypes[i] ?? type)] as const);
      return (value) => {
        if (!(value instanceof DuckDBStructValue)) return String(value);
        const out: Record<string, unknown> = {};
        // hasOwn: an inherited name (a field called "constructor") must not read the prototype.
        for (const [name, convert] of fields) setField(out, name, convert(Object.hasOwn(value.entries, name) ? (value.entries[name] ?? null) : null));
        return out;
      };
    }
    case DuckDBTypeId.MAP: {
      const key = jsConverterFor(type.keyType);
      const item = jsConverterFor(type.valueType);
      const asObject = type.keyType.typeId === DuckDBTypeId.VARCHAR;
      return (value) => {
        if (!(value instanceof DuckDBMapValue)) return String(value);
        if (!asObject) return value.entries.map((entry) => ({ key: key(entry.key), value: item(entry.value) }));
        const out: Record<string, unknown> = {};
        for (const entry of value.entries) setField(out, String(entry.key), item(entry.value));
        return out;
      };
    }
    case DuckDBTypeId.SQLNULL:
      return () => null;
    default:
      return (value) => String(value);
  }
}

/**
 * Sets `key` as an own enumerable property. Plain assignment of `__proto__` would replace the prototype instead,
 * and column and map keys come from data.
 */
export function setField(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

function dateOrString(ms: bigint, original: { toString(): string }): Date | string {
  return ms >= -MAX_DATE_MS && ms <= MAX_DATE_MS ? new Date(Number(ms)) : original.toString();
}

/** DuckDBDateValue prints ±infinity as far-off calendar dates; DuckDB itself says 'infinity'. */
function dateText(value: DuckDBDateValue): { toString(): string } {
  if (value.days === DuckDBDateValue.PosInf.days) return 'infinity';
  if (value.days === DuckDBDateValue.NegInf.days) return '-infinity';
  return value;
}
