import { GeneralError } from '../../infra/errors.ts';

/**
 * The on-disk shape of a target's data files, fixed when the target is created and recorded in its metadata; later
 * opens use the recorded layout whatever their options say, because slot addresses depend on it.
 */
export interface TargetLayout {
  readonly formatVersion: 1;
  /** Slot sizes in bytes, ascending. A version lives in the smallest class that holds its length. */
  readonly sizeClasses: readonly number[];
  readonly filesPerClass: number;
  /** Per size class: slots a data file grows by at a time, tracked by one bitmap record. */
  readonly slotsPerGroup: readonly number[];
}

const KiB = 1024;
const MiB = 1024 * KiB;

/** 64 KiB … 64 MiB in powers of two, like 3FS's chunk engine (11 classes): at most half a slot is wasted. */
export const DEFAULT_SIZE_CLASSES: readonly number[] = Array.from({ length: 11 }, (_, i) => 64 * KiB * 2 ** i);

/** Slot bitmaps stay small records even for the smallest class. */
export const MAX_SLOTS_PER_GROUP = 4096;
export const MAX_FILES_PER_CLASS = 4096;

export function createLayout(spec: { sizeClasses: readonly number[]; filesPerClass: number; growthBytes: number }): TargetLayout {
  const { sizeClasses, filesPerClass, growthBytes } = spec;
  if (sizeClasses.length === 0 || sizeClasses.length > 255) {
    throw GeneralError.INVALID_ARGUMENT(`a target needs 1-255 size classes, got ${sizeClasses.length}`);
  }
  sizeClasses.forEach((size, i) => {
    if (!Number.isInteger(size) || size < 4096 || size % 4096 !== 0 || size > 0xffff_ffff) {
      throw GeneralError.INVALID_ARGUMENT(`size class ${size} must be a multiple of 4 KiB below 4 GiB`, { context: { size } });
    }
    if (i > 0 && size <= sizeClasses[i - 1]!) throw GeneralError.INVALID_ARGUMENT('size classes must be ascending', { context: { sizeClasses } });
  });
  if (!Number.isInteger(filesPerClass) || filesPerClass < 1 || filesPerClass > MAX_FILES_PER_CLASS) {
    throw GeneralError.INVALID_ARGUMENT(`filesPerClass must be in [1, ${MAX_FILES_PER_CLASS}], got ${filesPerClass}`);
  }
  if (!Number.isInteger(growthBytes) || growthBytes < 1) throw GeneralError.INVALID_ARGUMENT(`growthBytes must be positive, got ${growthBytes}`);
  const slotsPerGroup = sizeClasses.map((size) => Math.min(MAX_SLOTS_PER_GROUP, Math.max(1, Math.floor(growthBytes / size))));
  return { formatVersion: 1, sizeClasses: [...sizeClasses], filesPerClass, slotsPerGroup };
}

/** The largest chunk a target can hold. */
export function maxChunkSize(layout: TargetLayout): number {
  return layout.sizeClasses[layout.sizeClasses.length - 1]!;
}

/** The class for content of `length` bytes; null for empty content, which needs no slot. */
export function sizeClassFor(layout: TargetLayout, length: number): number | null {
  if (length === 0) return null;
  const found = layout.sizeClasses.findIndex((size) => size >= length);
  if (found < 0) {
    throw GeneralError.INVALID_ARGUMENT(`a chunk holds at most ${maxChunkSize(layout)} bytes, got ${length}`, { context: { length } });
  }
  return found;
}

export function groupBytes(layout: TargetLayout, sizeClass: number): number {
  return layout.sizeClasses[sizeClass]! * layout.slotsPerGroup[sizeClass]!;
}

/** `64K`, `1M`: data file names carry their class size. */
export function sizeLabel(bytes: number): string {
  if (bytes % MiB === 0) return `${bytes / MiB}M`;
  if (bytes % KiB === 0) return `${bytes / KiB}K`;
  return `${bytes}B`;
}

export function isTargetLayout(value: unknown): value is TargetLayout {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    v['formatVersion'] === 1 &&
    Array.isArray(v['sizeClasses']) &&
    Array.isArray(v['slotsPerGroup']) &&
    v['sizeClasses'].length === v['slotsPerGroup'].length &&
    typeof v['filesPerClass'] === 'number'
  );
}
