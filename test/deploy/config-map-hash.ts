import { createHash } from 'node:crypto';

/** Go's encoding/json escapes these even in strings, and kustomize hashes what Go writes. */
const GO_JSON_ESCAPES: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

const goJsonString = (value: string): string =>
  JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (char) => GO_JSON_ESCAPES[char]!);

/** kustomize swaps these hex digits for letters so a suffix never reads as a number or word. */
const SUFFIX_LETTERS: Record<string, string> = { '0': 'g', '1': 'h', '3': 'k', a: 'm', e: 't' };

/**
 * The suffix kustomize appends to a generated ConfigMap's name (its `hasher` package): the
 * SHA-256 of `{"data":{..},"kind":"ConfigMap","name":""}` as Go's json.Marshal writes it (map
 * keys sorted, HTML characters escaped), cut to ten hex digits and spelled with SUFFIX_LETTERS.
 *
 * The name is hashed as "": kustomize 5 looks it up as one field called "metadata/name", finds
 * none and hashes the empty string, so two generators with equal data get equal suffixes.
 */
export function configMapNameSuffix(data: Record<string, string>): string {
  const entries = Object.keys(data)
    .sort()
    .map((key) => `${goJsonString(key)}:${goJsonString(data[key]!)}`);
  const encoded = `{"data":{${entries.join(',')}},"kind":"ConfigMap","name":""}`;
  const hex = createHash('sha256').update(encoded).digest('hex').slice(0, 10);
  return hex.replace(/[013ae]/g, (digit) => SUFFIX_LETTERS[digit]!);
}
