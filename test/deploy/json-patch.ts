import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { isJsonObject, type Json, type JsonObject } from './json';

/** The RFC 6902 operations the manifests use; `move` and `copy` are refused by the schema. */
export const jsonPatchSchema = z.array(
  z.discriminatedUnion('op', [
    z.strictObject({ op: z.literal('add'), path: z.string(), value: z.json() }),
    z.strictObject({ op: z.literal('replace'), path: z.string(), value: z.json() }),
    z.strictObject({ op: z.literal('remove'), path: z.string() }),
    z.strictObject({ op: z.literal('test'), path: z.string(), value: z.json() }),
  ]),
);

export type JsonPatch = z.output<typeof jsonPatchSchema>;

/** RFC 6901: "/a/b~1c/0" -> ["a", "b/c", "0"]. */
function parsePointer(pointer: string): string[] {
  if (!pointer.startsWith('/')) throw new Error(`"${pointer}" is not a JSON pointer`);
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function arrayIndex(array: Json[], token: string, pointer: string, allowEnd: boolean): number {
  const index = /^(0|[1-9][0-9]*)$/.test(token) ? Number(token) : NaN;
  const last = allowEnd ? array.length : array.length - 1;
  if (!(index >= 0 && index <= last)) throw new Error(`${pointer}: no index ${token}`);
  return index;
}

function childOf(container: Json, token: string, pointer: string): Json {
  if (Array.isArray(container)) return container[arrayIndex(container, token, pointer, false)]!;
  if (isJsonObject(container) && token in container) return container[token]!;
  throw new Error(`${pointer}: no member "${token}"`);
}

/**
 * Applies `patch` to `document` in place, operation by operation, as RFC 6902 says: a path that
 * does not exist fails the patch (except the last token of `add`), and a failed `test` stops it.
 */
export function applyJsonPatch(document: JsonObject, patch: JsonPatch): void {
  for (const operation of patch) {
    const tokens = parsePointer(operation.path);
    const last = tokens.pop()!;
    const parent = tokens.reduce<Json>(
      (node, token) => childOf(node, token, operation.path),
      document,
    );
    switch (operation.op) {
      case 'test':
        if (!isDeepStrictEqual(childOf(parent, last, operation.path), operation.value)) {
          throw new Error(`${operation.path}: test failed`);
        }
        break;
      case 'remove':
        childOf(parent, last, operation.path);
        if (Array.isArray(parent)) parent.splice(Number(last), 1);
        else if (isJsonObject(parent)) Reflect.deleteProperty(parent, last);
        break;
      case 'replace':
        childOf(parent, last, operation.path);
        if (Array.isArray(parent)) parent[Number(last)] = structuredClone(operation.value);
        else if (isJsonObject(parent)) parent[last] = structuredClone(operation.value);
        break;
      case 'add':
        if (Array.isArray(parent)) {
          const index =
            last === '-' ? parent.length : arrayIndex(parent, last, operation.path, true);
          parent.splice(index, 0, structuredClone(operation.value));
        } else if (isJsonObject(parent)) {
          parent[last] = structuredClone(operation.value);
        } else {
          throw new Error(`${operation.path}: parent is not a container`);
        }
        break;
      default: {
        const unknown: never = operation;
        throw new Error(`unsupported operation ${JSON.stringify(unknown)}`);
      }
    }
  }
}
