/**
 * Large typed arrays as hash fields: `prefix0`, `prefix1`, ..., each at most CHUNK_BYTES of
 * whole elements, so no single value, and no single command that writes or reads one, grows with
 * the array.
 */

/** 4 MiB: well under Redis's proto-max-bulk-len, and a few milliseconds of network each. */
export const CHUNK_BYTES = 4 * 2 ** 20;

type Numbers = Float32Array | Float64Array | Int32Array;

/** The array's bytes, little-endian as the platform's, shared rather than copied. */
export const bytesOf = (array: Numbers): Buffer =>
  Buffer.from(array.buffer, array.byteOffset, array.byteLength);

/** The fields of `array` cut in chunks of `unit` elements' multiples (a matrix's whole rows). */
export function chunkFields(
  prefix: string,
  array: Numbers,
  unit = 1,
  chunkBytes = CHUNK_BYTES,
): [string, Buffer][] {
  const step = unit * Math.max(1, Math.floor(chunkBytes / (array.BYTES_PER_ELEMENT * unit)));
  const fields: [string, Buffer][] = [];
  for (let start = 0, chunk = 0; start < array.length; start += step, chunk++) {
    fields.push([`${prefix}${chunk}`, bytesOf(array.subarray(start, start + step))]);
  }
  return fields;
}

/**
 * Copies the chunks of `prefix`, in order, into `target`'s bytes; returns how many bytes the
 * chunks hold, which the caller compares with what it expected (a count beyond target's length
 * copied no more than fits).
 */
export function readChunks(
  fields: Readonly<Record<string, Buffer>>,
  prefix: string,
  target: Numbers,
): number {
  const bytes = new Uint8Array(target.buffer, target.byteOffset, target.byteLength);
  let offset = 0;
  for (let chunk = 0; ; chunk++) {
    const part = fields[`${prefix}${chunk}`];
    if (part === undefined) return offset;
    if (offset + part.length <= bytes.length) bytes.set(part, offset);
    offset += part.length;
  }
}

/** A Buffer's bytes on an ArrayBuffer of their own, so typed arrays over them are aligned. */
export const copyOf = (buffer: Buffer): ArrayBuffer =>
  buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength);
