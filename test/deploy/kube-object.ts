import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { type JsonObject } from './json';

/** A Kubernetes object as a manifest holds it: apiVersion, kind and a name are present. */
export type KubeObject = JsonObject & {
  apiVersion: string;
  kind: string;
  metadata: JsonObject & { name: string };
};

const kubeObjectSchema = z.looseObject({
  apiVersion: z.string().min(1),
  kind: z.string().min(1),
  metadata: z.looseObject({ name: z.string().min(1) }),
});

/** Every object in a YAML stream; empty documents are skipped, as kubectl skips them. */
export function parseKubeObjects(text: string, source: string): KubeObject[] {
  return parseAllDocuments(text).flatMap((document, index) => {
    const [error] = document.errors;
    if (error) throw new Error(`${source}: ${error.message}`);
    const value: unknown = document.toJS();
    if (value === null) return [];
    const parsed = kubeObjectSchema.safeParse(value);
    if (!parsed.success) {
      throw new Error(`${source}, document ${index + 1}: ${z.prettifyError(parsed.error)}`);
    }
    // YAML's core schema yields JSON values only, and the schema checked the named fields.
    return [value as KubeObject];
  });
}

export const namespaceOf = (object: KubeObject): string | undefined => {
  const namespace = object.metadata.namespace;
  return typeof namespace === 'string' ? namespace : undefined;
};

/** kind/namespace/name: unique within one rendering. */
export const identityOf = (object: KubeObject): string =>
  `${object.kind}/${namespaceOf(object) ?? ''}/${object.metadata.name}`;
