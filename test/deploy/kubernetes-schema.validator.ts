import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { type KubeObject } from './kube-object';

/** The Kubernetes version whose OpenAPI schemas kubernetes-models 4.5 is generated from. */
export const SCHEMA_KUBERNETES_VERSION = '1.33';

/** Validates against the schema of the object's apiVersion and kind; throws on any error. */
function validate(object: KubeObject): void {
  // `is` checks apiVersion and kind only; `validate` checks the rest against the schema.
  if (ConfigMap.is(object)) {
    new ConfigMap(object).validate();
  } else if (Deployment.is(object)) {
    new Deployment(object).validate();
  } else if (HorizontalPodAutoscaler.is(object)) {
    new HorizontalPodAutoscaler(object).validate();
  } else if (Job.is(object)) {
    new Job(object).validate();
  } else if (PodDisruptionBudget.is(object)) {
    new PodDisruptionBudget(object).validate();
  } else if (Secret.is(object)) {
    new Secret(object).validate();
  } else if (Service.is(object)) {
    new Service(object).validate();
  } else {
    throw new Error(`no schema for ${object.apiVersion} ${object.kind}`);
  }
}

/**
 * What the Kubernetes JSON schema says is wrong with `object` (types, required fields, enums,
 * formats such as quantities), or nothing. The schemas do not forbid unknown fields.
 */
export function schemaErrors(object: KubeObject): string[] {
  try {
    validate(object);
    return [];
  } catch (error) {
    return [error instanceof Error ? error.message : String(error)];
  }
}
