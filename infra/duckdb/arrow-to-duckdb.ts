import { DataType, Precision, TimeUnit, makeVector } from 'apache-arrow';
import type { Data } from 'apache-arrow';
import {
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
} from '@duckdb/node-api';
import type { DuckDBValue } from '@duckdb/node-api';
import { jsonText } from './json-text.ts';
import { MS_PER_DAY, floorDiv } from './time-units.ts';

/** How one Arrow column becomes a DuckDB column: the SQL type to create and a reader for its values. */
export interface DuckDBColumnPlan {
  readonly sqlType: string;
  /** DuckDB values for rows [start, end) of one Arrow Data (one record batch's column). */
  read(data: Data, start: number, end: number): DuckDBValue[];
}

/**
 * Int8..Int64 and Uint8..Uint64 keep their width, Float16/32 → FLOAT, Float64 → DOUBLE, Bool → BOOLEAN,
 * Utf8/LargeUtf8/Utf8View → VARCHAR, Binary/LargeBinary/BinaryView/FixedSizeBinary → BLOB, Date → DATE.
 * Timestamps keep every digit: seconds, milliseconds and microseconds → TIMESTAMP, nanoseconds → TIMESTAMP_NS,
 * and any timestamp with a time zone → TIMESTAMPTZ (microseconds, as DuckDB stores it).
 * Everything else (decimal, time, interval, list, struct, map, dictionary, null) → VARCHAR holding the value's
 * string form: strings as they are, scalars via String, nested values as JSON text.
 */
export function duckdbColumnFor(type: DataType): DuckDBColumnPlan {
  if (DataType.isInt(type)) {
    const name = { 8: 'TINYINT', 16: 'SMALLINT', 32: 'INTEGER', 64: 'BIGINT' }[type.bitWidth];
    return byValue(type.isSigned ? name : `U${name}`, (value) => (typeof value === 'number' || typeof value === 'bigint' ? value : null));
  }
  if (DataType.isFloat(type)) {
    return byValue(type.precision === Precision.DOUBLE ? 'DOUBLE' : 'FLOAT', (value) => (typeof value === 'number' ? value : null));
  }
  if (DataType.isBool(type)) return byValue('BOOLEAN', (value) => (typeof value === 'boolean' ? value : null));
  if (DataType.isUtf8(type) || DataType.isLargeUtf8(type) || DataType.isUtf8View(type)) {
    return byValue('VARCHAR', (value) => (typeof value === 'string' ? value : null));
  }
  if (DataType.isBinary(type) || DataType.isLargeBinary(type) || DataType.isBinaryView(type) || DataType.isFixedSizeBinary(type)) {
    return byValue('BLOB', (value) => (value instanceof Uint8Array ? new DuckDBBlobValue(value) : null));
  }
  if (DataType.isDate(type)) {
    // Arrow hands out both date units as epoch milliseconds; a DATE is whole days.
    return byValue('DATE', (value) => (typeof value === 'number' ? new DuckDBDateValue(Math.floor(value / MS_PER_DAY)) : null));
  }
  if (DataType.isTimestamp(type)) return timestampColumn(type.unit, type.timezone ?? null);
  return byValue('VARCHAR', stringForm);
}

/** Reads through Arrow's own getters, which already decode dictionaries, offsets and bit-packing. */
function byValue(sqlType: string, convert: (value: unknown) => DuckDBValue): DuckDBColumnPlan {
  return {
    sqlType,
    read(data, start, end) {
      const vector = makeVector(data);
      const out = new Array<DuckDBValue>(end - start);
      for (let row = start; row < end; row++) {
        const value: unknown = vector.get(row);
        out[row - start] = value === null || value === undefined ? null : convert(value);
      }
      return out;
    },
  };
}

/**
 * Arrow's getter turns timestamps into float milliseconds, which drops microseconds, so this reads the raw int64
 * ticks and rescales them exactly.
 */
function timestampColumn(unit: TimeUnit, timezone: string | null): DuckDBColumnPlan {
  const zoned = timezone !== null && timezone !== '';
  let sqlType = zoned ? 'TIMESTAMPTZ' : 'TIMESTAMP';
  let make: (ticks: bigint) => DuckDBValue;
  if (unit === TimeUnit.NANOSECOND && !zoned) {
    sqlType = 'TIMESTAMP_NS';
    make = (ticks) => new DuckDBTimestampNanosecondsValue(ticks);
  } else {
    const toMicros = (ticks: bigint): bigint => {
      switch (unit) {
        case TimeUnit.SECOND: return ticks * 1_000_000n;
        case TimeUnit.MILLISECOND: return ticks * 1_000n;
        case TimeUnit.MICROSECOND: return ticks;
        case TimeUnit.NANOSECOND: return floorDiv(ticks, 1_000n);
      }
    };
    make = zoned ? (ticks) => new DuckDBTimestampTZValue(toMicros(ticks)) : (ticks) => new DuckDBTimestampValue(toMicros(ticks));
  }
  return {
    sqlType,
    read(data, start, end) {
      const ticks: ArrayLike<unknown> = data.values;
      const out = new Array<DuckDBValue>(end - start);
      for (let row = start; row < end; row++) {
        const tick = ticks[row];
        out[row - start] = data.getValid(row) && tick !== undefined ? make(typeof tick === 'bigint' ? tick : BigInt(Number(tick))) : null;
      }
      return out;
    },
  };
}

function stringForm(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return value.toISOString();
  return jsonText(value);
}
