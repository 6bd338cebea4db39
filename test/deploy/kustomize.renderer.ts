import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { configMapNameSuffix } from './config-map-hash';
import { ensureObjectAt, type JsonObject, objectAt, objectsAt } from './json';
import { applyJsonPatch, jsonPatchSchema } from './json-patch';
import { identityOf, type KubeObject, namespaceOf, parseKubeObjects } from './kube-object';
import { type Kustomization, kustomizationSchema } from './kustomization.schema';

/**
 * Renders a kustomization directory as `kubectl kustomize` (kustomize 5) does, for the features
 * in kustomizationSchema only: resources (files and directories), configMapGenerator (literals;
 * create, merge, replace; name suffix hash), JSON 6902 patches, namespace, labels, replicas and
 * images. Anything else is refused rather than ignored. Objects come back in resource order,
 * not in kustomize's kind order; the content is the same.
 */
export function renderKustomization(directory: string): KubeObject[] {
  const { objects, generated } = accumulate(directory);
  // Like kustomize, the hash suffix is added once, on the final data, at the top level only.
  const renames = new Map<string, string>();
  for (const configMap of generated) {
    const oldName = configMap.metadata.name;
    configMap.metadata.name = `${oldName}-${configMapNameSuffix(stringData(configMap))}`;
    renames.set(`${namespaceOf(configMap) ?? ''}/${oldName}`, configMap.metadata.name);
  }
  for (const object of objects) {
    const podSpec = podSpecOf(object);
    if (podSpec) renameConfigMapReferences(podSpec, namespaceOf(object) ?? '', renames);
  }
  return objects;
}

interface Accumulated {
  objects: KubeObject[];
  /** ConfigMaps made by a generator: they get the hash suffix. */
  generated: Set<KubeObject>;
}

function accumulate(directory: string): Accumulated {
  const kustomization = loadKustomization(directory);
  const accumulated: Accumulated = { objects: [], generated: new Set() };
  for (const resource of kustomization.resources) {
    const path = join(directory, resource);
    if (statSync(path).isDirectory()) {
      const base = accumulate(path);
      accumulated.objects.push(...base.objects);
      base.generated.forEach((object) => accumulated.generated.add(object));
    } else {
      accumulated.objects.push(...parseKubeObjects(readFileSync(path, 'utf8'), path));
    }
  }
  generateConfigMaps(kustomization, accumulated);
  assertUniqueIdentities(accumulated.objects, directory);
  accumulated.objects.forEach(assertKnownKind);
  // kustomize's transformer order: patches, namespace, labels, replicas, images.
  applyPatches(kustomization, accumulated.objects);
  accumulated.objects.forEach((object) => {
    if (kustomization.namespace !== undefined) object.metadata.namespace = kustomization.namespace;
    for (const { pairs } of kustomization.labels) {
      Object.assign(ensureObjectAt(object.metadata, 'labels'), pairs);
    }
  });
  applyReplicas(kustomization, accumulated.objects);
  applyImages(kustomization, accumulated.objects);
  return accumulated;
}

function loadKustomization(directory: string): Kustomization {
  const path = join(directory, 'kustomization.yaml');
  const parsed = kustomizationSchema.safeParse(parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new Error(`${path}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

function assertUniqueIdentities(objects: readonly KubeObject[], directory: string): void {
  const seen = new Set<string>();
  for (const identity of objects.map(identityOf)) {
    if (seen.has(identity)) throw new Error(`${directory}: ${identity} is defined twice`);
    seen.add(identity);
  }
}

function generateConfigMaps(kustomization: Kustomization, accumulated: Accumulated): void {
  for (const generator of kustomization.configMapGenerator) {
    const data = literalData(generator.literals);
    const existing = accumulated.objects.filter(
      (object) => object.kind === 'ConfigMap' && object.metadata.name === generator.name,
    );
    if (generator.behavior === 'create') {
      if (existing.length > 0) throw new Error(`ConfigMap ${generator.name} already exists`);
      const configMap: KubeObject = {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: generator.name },
        data,
      };
      accumulated.objects.push(configMap);
      accumulated.generated.add(configMap);
      continue;
    }
    const [target, ...others] = existing;
    if (!target || others.length > 0 || !accumulated.generated.has(target)) {
      throw new Error(`${generator.behavior}: expected one generated ConfigMap ${generator.name}`);
    }
    target.data = generator.behavior === 'merge' ? { ...stringData(target), ...data } : data;
  }
}

function literalData(literals: readonly string[]): Record<string, string> {
  const data: Record<string, string> = {};
  for (const literal of literals) {
    const separator = literal.indexOf('=');
    const key = literal.slice(0, separator);
    if (key in data) throw new Error(`literal ${key} is given twice`);
    data[key] = literal.slice(separator + 1);
  }
  return data;
}

function stringData(configMap: KubeObject): Record<string, string> {
  const data = objectAt(configMap, 'data') ?? {};
  return Object.fromEntries(
    Object.entries(data).map(([key, value]) => {
      if (typeof value !== 'string') throw new Error(`ConfigMap data ${key} is not a string`);
      return [key, value];
    }),
  );
}

function applyPatches(kustomization: Kustomization, objects: readonly KubeObject[]): void {
  for (const { target, patch } of kustomization.patches) {
    const operations = jsonPatchSchema.parse(parse(patch));
    const matches = objects.filter(
      (object) => object.kind === target.kind && object.metadata.name === target.name,
    );
    if (matches.length === 0) throw new Error(`no ${target.kind} ${target.name} to patch`);
    matches.forEach((object) => {
      applyJsonPatch(object, operations);
    });
  }
}

function applyReplicas(kustomization: Kustomization, objects: readonly KubeObject[]): void {
  for (const { name, count } of kustomization.replicas) {
    const matches = objects.filter(
      (object) => object.kind === 'Deployment' && object.metadata.name === name,
    );
    if (matches.length === 0) throw new Error(`no Deployment ${name} to scale`);
    matches.forEach((object) => {
      ensureObjectAt(object, 'spec').replicas = count;
    });
  }
}

/** `registry/name:tag` -> name `registry/name`, tag `tag`; digests are not supported. */
function splitImage(image: string): { name: string; tag: string | undefined } {
  if (image.includes('@')) throw new Error(`image digests are not supported: ${image}`);
  const colon = image.lastIndexOf(':');
  return colon > image.lastIndexOf('/')
    ? { name: image.slice(0, colon), tag: image.slice(colon + 1) }
    : { name: image, tag: undefined };
}

function applyImages(kustomization: Kustomization, objects: readonly KubeObject[]): void {
  for (const object of objects) {
    const podSpec = podSpecOf(object);
    if (!podSpec) continue;
    for (const container of [
      ...objectsAt(podSpec, 'initContainers'),
      ...objectsAt(podSpec, 'containers'),
    ]) {
      if (typeof container.image !== 'string') continue;
      const { name, tag } = splitImage(container.image);
      const rule = kustomization.images.find((image) => image.name === name);
      if (!rule) continue;
      const newTag = rule.newTag ?? tag;
      container.image = `${rule.newName ?? name}${newTag === undefined ? '' : `:${newTag}`}`;
    }
  }
}

/** Kinds the renderer knows: where each keeps its pod spec, or null for none. */
const POD_SPEC_PATHS: Readonly<Record<string, readonly string[] | null>> = {
  Deployment: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  ConfigMap: null,
  Secret: null,
  Service: null,
  PodDisruptionBudget: null,
  HorizontalPodAutoscaler: null,
};

/** The transformers know where these kinds keep names and images; others would be missed. */
function assertKnownKind(object: KubeObject): void {
  if (!(object.kind in POD_SPEC_PATHS)) {
    throw new Error(`the renderer does not know kind ${object.kind} (${object.metadata.name})`);
  }
}

function podSpecOf(object: KubeObject): JsonObject | undefined {
  assertKnownKind(object);
  return POD_SPEC_PATHS[object.kind]?.reduce<JsonObject | undefined>(
    (node, key) => (node ? objectAt(node, key) : undefined),
    object,
  );
}

function renameConfigMapReferences(
  podSpec: JsonObject,
  namespace: string,
  renames: ReadonlyMap<string, string>,
): void {
  const rename = (reference: JsonObject | undefined) => {
    const name = reference?.name;
    const renamed = typeof name === 'string' ? renames.get(`${namespace}/${name}`) : undefined;
    if (reference && renamed) reference.name = renamed;
  };
  for (const container of [
    ...objectsAt(podSpec, 'initContainers'),
    ...objectsAt(podSpec, 'containers'),
  ]) {
    objectsAt(container, 'envFrom').forEach((source) => {
      rename(objectAt(source, 'configMapRef'));
    });
    objectsAt(container, 'env').forEach((variable) => {
      rename(objectAt(objectAt(variable, 'valueFrom') ?? {}, 'configMapKeyRef'));
    });
  }
  objectsAt(podSpec, 'volumes').forEach((volume) => {
    rename(objectAt(volume, 'configMap'));
  });
}
