/**
 * The items of a list answer. The contract's lists are `{object: 'list', data}`;
 * some engine routes answer `{records}` or a bare array, so every store reads
 * lists through here and takes whichever it got.
 */
import type { ListOf } from '../../preload/contract.js';

export function listData<T>(answer: ListOf<T> | readonly T[]): readonly T[] {
  const value: unknown = answer;
  if (Array.isArray(value)) return value as readonly T[];
  if (typeof value !== 'object' || value === null) return [];
  const record = value as Record<string, unknown>;
  if (Array.isArray(record.data)) return record.data as readonly T[];
  if (Array.isArray(record.records)) return record.records as readonly T[];
  const arrays = Object.values(record).filter(Array.isArray);
  return arrays.length === 1 ? (arrays[0] as readonly T[]) : [];
}
