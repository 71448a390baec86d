/**
 * Ids for the surfaces' answers (`msg_…`, `resp_…`, `toolu_…`): 128 random
 * bits as 32 hex characters, unguessable (stored responses are fetched by id).
 * The bits come from a pool filled 256 ids at a time by the OS's generator:
 * one slice of it per id costs less than a randomUUID and its dashes removed.
 */
import { randomBytes } from 'node:crypto';

const ID_BYTES = 16;
const POOL_BYTES = ID_BYTES * 256;

let pool = Buffer.alloc(0);
let offset = 0;

export function randomId(prefix: string): string {
  if (offset + ID_BYTES > pool.length) {
    pool = randomBytes(POOL_BYTES);
    offset = 0;
  }
  const hex = pool.toString('hex', offset, offset + ID_BYTES);
  offset += ID_BYTES;
  return `${prefix}_${hex}`;
}
