/** JSON values as YAML manifests parse to, and the few guards the renderer needs to walk them. */
export type Json = null | boolean | number | string | Json[] | JsonObject;

export interface JsonObject {
  [key: string]: Json;
}

export const isJsonObject = (value: Json | undefined): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The object at `key`, or undefined when the key is absent. */
export function objectAt(parent: JsonObject, key: string): JsonObject | undefined {
  const value = parent[key];
  if (value === undefined) return undefined;
  if (!isJsonObject(value)) throw new Error(`expected "${key}" to be an object`);
  return value;
}

/** The object at `key`, created empty when absent. */
export function ensureObjectAt(parent: JsonObject, key: string): JsonObject {
  const value = objectAt(parent, key) ?? {};
  parent[key] = value;
  return value;
}

/** The objects of the list at `key`, or none when the key is absent. */
export function objectsAt(parent: JsonObject, key: string): JsonObject[] {
  const value = parent[key];
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every(isJsonObject)) {
    throw new Error(`expected "${key}" to be a list of objects`);
  }
  return value;
}
