import { type ModelVariant } from '@app/query-client';

/** 2^32: hashes are unsigned 32-bit integers. */
const HASH_RANGE = 2 ** 32;

/**
 * murmur3's 32-bit finaliser: each input bit flips each output bit about half the time, so
 * consecutive user ids land all over the range.
 */
export function fmix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * A user id's hash, fixed forever (it decides who sees which model): fmix32 of the id below
 * 2^32; above it, the high 32 bits are mixed in first, so ids up to 2^53 - 1 spread as well.
 */
export function userHash(userId: number): number {
  const high = Math.floor(userId / HASH_RANGE);
  return fmix32(fmix32(high) ^ (userId >>> 0));
}

/**
 * The variant a user sees when a share (0..1) of users go to the candidate: those whose hash
 * falls in the lowest `share` of the range. The same user always sees the same variant, and
 * raising the share only moves users from the active model to the candidate, never back.
 */
export function variantOf(userId: number, share: number): ModelVariant {
  return userHash(userId) < share * HASH_RANGE ? 'candidate' : 'active';
}
