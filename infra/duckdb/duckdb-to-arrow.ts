import {
  Binary,
  Bool,
  BufferType,
  Data,
  DateDay,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  TimestampMicrosecond,
  TimestampMillisecond,
  TimestampNanosecond,
  TimestampSecond,
  Uint16,
  Uint32,
  Uint64,
  Uint8,
  Utf8,
} from 'apache-arrow';
import type { DataType } from 'apache-arrow';
import {
  DuckDBBlobVector,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTypeId,
} from '@duckdb/node-api';
import type { DuckDBType, DuckDBValue, DuckDBVector } from '@duckdb/node-api';

/**
 * Accumulates one result column, DuckDB chunk by DuckDB chunk, straight into Arrow buffers (a values array, a
 * validity bitmap, offsets for variable-width data), so a million-row result never becomes row objects.
 */
export interface ArrowColumnBuilder {
  readonly type: DataType;
  /** Bytes of variable-width data held; the caller cuts a batch before Int32 offsets could overflow. */
  readonly byteLength: number;
  /** Appends items 0..count-1 of one DuckDB vector. */
  append(vector: DuckDBVector, count: number): void;
  /** Hands over everything appended since the last flush as one Arrow Data, and starts empty. */
  flush(): Data;
}

/**
 * The Arrow type a DuckDB column becomes. Integers, floats, BOOLEAN, VARCHAR, BLOB, DATE and the TIMESTAMP family
 * keep their width or unit (TIMESTAMPTZ is a microsecond timestamp in 'UTC'). DECIMAL and HUGEINT/UHUGEINT become
 * Float64: JS Arrow decimals are awkward to consume, and DuckDB itself writes HUGEINT to Parquet as DOUBLE, so a
 * result read back from our Parquet files has the same type. Anything else becomes Utf8 of DuckDB's string form.
 */
export function arrowColumnFor(type: DuckDBType): ArrowColumnBuilder {
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN: return new BoolColumn();
    case DuckDBTypeId.TINYINT: return new FixedColumn(new Int8(), (n) => new Int8Array(n), Number);
    case DuckDBTypeId.SMALLINT: return new FixedColumn(new Int16(), (n) => new Int16Array(n), Number);
    case DuckDBTypeId.INTEGER: return new FixedColumn(new Int32(), (n) => new Int32Array(n), Number);
    case DuckDBTypeId.UTINYINT: return new FixedColumn(new Uint8(), (n) => new Uint8Array(n), Number);
    case DuckDBTypeId.USMALLINT: return new FixedColumn(new Uint16(), (n) => new Uint16Array(n), Number);
    case DuckDBTypeId.UINTEGER: return new FixedColumn(new Uint32(), (n) => new Uint32Array(n), Number);
    case DuckDBTypeId.FLOAT: return new FixedColumn(new Float32(), (n) => new Float32Array(n), Number);
    case DuckDBTypeId.DOUBLE:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT: return new FixedColumn(new Float64(), (n) => new Float64Array(n), Number);
    case DuckDBTypeId.DECIMAL: return new FixedColumn(new Float64(), (n) => new Float64Array(n), decimalToNumber);
    case DuckDBTypeId.DATE: return new FixedColumn(new DateDay(), (n) => new Int32Array(n), dateToDays);
    case DuckDBTypeId.BIGINT: return new FixedColumn(new Int64(), (n) => new BigInt64Array(n), toBigInt);
    case DuckDBTypeId.UBIGINT: return new FixedColumn(new Uint64(), (n) => new BigUint64Array(n), toBigInt);
    case DuckDBTypeId.TIMESTAMP: return new FixedColumn(new TimestampMicrosecond(), (n) => new BigInt64Array(n), timestampTicks);
    case DuckDBTypeId.TIMESTAMP_TZ: return new FixedColumn(new TimestampMicrosecond('UTC'), (n) => new BigInt64Array(n), timestampTicks);
    case DuckDBTypeId.TIMESTAMP_S: return new FixedColumn(new TimestampSecond(), (n) => new BigInt64Array(n), timestampTicks);
    case DuckDBTypeId.TIMESTAMP_MS: return new FixedColumn(new TimestampMillisecond(), (n) => new BigInt64Array(n), timestampTicks);
    case DuckDBTypeId.TIMESTAMP_NS: return new FixedColumn(new TimestampNanosecond(), (n) => new BigInt64Array(n), timestampTicks);
    case DuckDBTypeId.BLOB: return new BytesColumn(new Binary(), blobBytes);
    case DuckDBTypeId.VARCHAR:
    default: return new BytesColumn(new Utf8(), (vector, index) => {
      const item = vector.getItem(index);
      return item === null ? null : String(item);
    });
  }
}

function decimalToNumber(item: DuckDBValue): number {
  return item instanceof DuckDBDecimalValue ? item.toDouble() : Number(item);
}

function dateToDays(item: DuckDBValue): number {
  return item instanceof DuckDBDateValue ? item.days : Number(item);
}

function toBigInt(item: DuckDBValue): bigint {
  return typeof item === 'bigint' ? item : BigInt(String(item));
}

/** The raw tick count in the column's own unit, which is exactly what the Arrow timestamp stores. */
function timestampTicks(item: DuckDBValue): bigint {
  if (item instanceof DuckDBTimestampValue || item instanceof DuckDBTimestampTZValue) return item.micros;
  if (item instanceof DuckDBTimestampSecondsValue) return item.seconds;
  if (item instanceof DuckDBTimestampMillisecondsValue) return item.millis;
  if (item instanceof DuckDBTimestampNanosecondsValue) return item.nanos;
  return toBigInt(item);
}

function blobBytes(vector: DuckDBVector, index: number): Uint8Array | null {
  if (vector instanceof DuckDBBlobVector) return vector.getItemBytes(index);
  const item = vector.getItem(index);
  return item === null ? null : new TextEncoder().encode(String(item));
}

/** A growable LSB-first bitmap: Arrow's layout for both validity and boolean values. */
class BitmapBuilder {
  private bits: Uint8Array = new Uint8Array(64);
  length = 0;
  zeros = 0;

  push(bit: boolean): void {
    if (this.length >> 3 >= this.bits.length) this.bits = grown(this.bits, (this.length >> 3) + 1);
    if (bit) this.bits[this.length >> 3]! |= 1 << (this.length & 7);
    else this.zeros++;
    this.length++;
  }

  take(): Uint8Array {
    const bits = this.bits.slice(0, (this.length + 7) >> 3);
    this.bits = new Uint8Array(64);
    this.length = 0;
    this.zeros = 0;
    return bits;
  }
}

/** The typed arrays behind fixed-width columns, seen through what the builder needs from them. */
interface FixedArray<V extends number | bigint> {
  [index: number]: V;
  readonly length: number;
  set(source: ArrayLike<V>): void;
  slice(start: number, end: number): FixedArray<V>;
}

/** Integers, floats, DATE (Int32 days) and timestamps (int64 ticks): one value slot per row, 0 under a null. */
class FixedColumn<V extends number | bigint> implements ArrowColumnBuilder {
  private values: FixedArray<V>;
  private readonly validity = new BitmapBuilder();
  readonly byteLength = 0;

  constructor(
    readonly type: DataType,
    private readonly allocate: (length: number) => FixedArray<V>,
    private readonly read: (item: DuckDBValue) => V,
  ) {
    this.values = allocate(1024);
  }

  append(vector: DuckDBVector, count: number): void {
    const start = this.validity.length;
    if (start + count > this.values.length) this.values = grownTo(this.values, start + count, this.allocate);
    for (let i = 0; i < count; i++) {
      const item = vector.getItem(i);
      if (item !== null) this.values[start + i] = this.read(item);
      this.validity.push(item !== null);
    }
  }

  flush(): Data {
    const { length, zeros } = this.validity;
    const values = this.values.slice(0, length);
    this.values = this.allocate(1024);
    return makeFixedData(this.type, length, zeros, values, this.validity.take());
  }
}

class BoolColumn implements ArrowColumnBuilder {
  readonly type = new Bool();
  readonly byteLength = 0;
  private readonly values = new BitmapBuilder();
  private readonly validity = new BitmapBuilder();

  append(vector: DuckDBVector, count: number): void {
    for (let i = 0; i < count; i++) {
      const item = vector.getItem(i);
      this.values.push(item === true);
      this.validity.push(item !== null);
    }
  }

  flush(): Data {
    const { length, zeros } = this.validity;
    return makeFixedData(this.type, length, zeros, this.values.take(), this.validity.take());
  }
}

/** Utf8 or Binary: Int32 offsets plus one byte buffer. Strings are UTF-8 encoded in place, without a temporary. */
class BytesColumn implements ArrowColumnBuilder {
  private offsets = new Int32Array(1025);
  private bytes: Uint8Array = new Uint8Array(16 * 1024);
  private readonly validity = new BitmapBuilder();
  private readonly encoder = new TextEncoder();

  constructor(
    readonly type: DataType,
    private readonly read: (vector: DuckDBVector, index: number) => Uint8Array | string | null,
  ) {}

  get byteLength(): number {
    return this.offsets[this.validity.length] ?? 0;
  }

  append(vector: DuckDBVector, count: number): void {
    const start = this.validity.length;
    if (start + count + 1 > this.offsets.length) this.offsets = grownTo(this.offsets, start + count + 1, (n) => new Int32Array(n));
    let end = this.offsets[start] ?? 0;
    for (let i = 0; i < count; i++) {
      const item = this.read(vector, i);
      if (typeof item === 'string') {
        // UTF-8 needs at most 3 bytes per UTF-16 code unit.
        if (end + item.length * 3 > this.bytes.length) this.bytes = grown(this.bytes, end + item.length * 3);
        end += this.encoder.encodeInto(item, this.bytes.subarray(end)).written;
      } else if (item !== null) {
        if (end + item.length > this.bytes.length) this.bytes = grown(this.bytes, end + item.length);
        this.bytes.set(item, end);
        end += item.length;
      }
      this.offsets[start + i + 1] = end;
      this.validity.push(item !== null);
    }
  }

  flush(): Data {
    const { length, zeros } = this.validity;
    const offsets = this.offsets.slice(0, length + 1);
    const bytes = this.bytes.slice(0, offsets[length] ?? 0);
    this.offsets = new Int32Array(1025);
    this.bytes = new Uint8Array(16 * 1024);
    const validity = this.validity.take();
    return new Data(this.type, 0, length, zeros, {
      [BufferType.OFFSET]: offsets,
      [BufferType.DATA]: bytes,
      [BufferType.VALIDITY]: zeros === 0 ? new Uint8Array(0) : validity,
    });
  }
}

function makeFixedData(type: DataType, length: number, nullCount: number, values: FixedArray<number | bigint> | Uint8Array, validity: Uint8Array): Data {
  // An empty validity buffer tells Arrow "no nulls", which saves readers a bit test per value.
  return new Data(type, 0, length, nullCount, {
    [BufferType.DATA]: values,
    [BufferType.VALIDITY]: nullCount === 0 ? new Uint8Array(0) : validity,
  });
}

function grown(bytes: Uint8Array, needed: number): Uint8Array {
  return grownTo(bytes, needed, (n) => new Uint8Array(n));
}

/** A copy of `array` with room for at least `needed` items, doubling so appends stay amortised O(1). */
function grownTo<A extends { readonly length: number; set(source: A): void }>(array: A, needed: number, allocate: (length: number) => A): A {
  const next = allocate(Math.max(needed, array.length * 2));
  next.set(array);
  return next;
}
