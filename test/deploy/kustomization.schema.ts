import { z } from 'zod';

const name = z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'expected a Kubernetes name');

/** `KEY=value`; kustomize strips quotes around a value, which the renderer does not, so none. */
const literal = z
  .string()
  .regex(/^[-._a-zA-Z0-9]+=(?!["']).*$/, 'expected KEY=value with an unquoted value');

/**
 * The part of kustomize's Kustomization the manifests use, and nothing more: every object is
 * strict, so a field this renderer does not implement fails the render instead of being ignored.
 */
export const kustomizationSchema = z.strictObject({
  apiVersion: z.literal('kustomize.config.k8s.io/v1beta1'),
  kind: z.literal('Kustomization'),
  namespace: name.optional(),
  resources: z.array(z.string().min(1)).default([]),
  // Without includeSelectors or includeTemplates: metadata.labels only.
  labels: z.array(z.strictObject({ pairs: z.record(z.string(), z.string()) })).default([]),
  configMapGenerator: z
    .array(
      z.strictObject({
        name,
        behavior: z.enum(['create', 'merge', 'replace']).default('create'),
        literals: z.array(literal).min(1),
      }),
    )
    .default([]),
  // JSON 6902 patches, chosen by kind and exact name.
  patches: z
    .array(
      z.strictObject({
        target: z.strictObject({ kind: z.string().min(1), name }),
        patch: z.string().min(1),
      }),
    )
    .default([]),
  replicas: z.array(z.strictObject({ name, count: z.number().int().min(0) })).default([]),
  images: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        newName: z.string().min(1).optional(),
        newTag: z.string().min(1).optional(),
      }),
    )
    .default([]),
});

export type Kustomization = z.output<typeof kustomizationSchema>;
