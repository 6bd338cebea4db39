import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Deployment, type IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { type IContainer } from 'kubernetes-models/v1/Container';
import { type IPodSpec } from 'kubernetes-models/v1/PodSpec';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { type Json } from './json';
import { identityOf, type KubeObject, namespaceOf } from './kube-object';
import { schemaErrors, SCHEMA_KUBERNETES_VERSION } from './kubernetes-schema.validator';
import { renderKustomization } from './kustomize.renderer';

const K8S = join(__dirname, '../../deploy/k8s');
const RENDERINGS = ['base', 'overlays/dev', 'overlays/prod'];

/** Credentials: they come from the Secret `recommender-credentials`, never from a literal. */
const CREDENTIALS = ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD', 'REDIS_URL'];
/** The services stop within 30 s of SIGTERM; the kubelet must wait longer before SIGKILL. */
const SHUTDOWN_SECONDS = 30;

const ofKind = <T>(objects: readonly KubeObject[], is: (value: unknown) => value is T) =>
  objects.flatMap((object) => (is(object) ? [object] : []));

interface PodOwner {
  name: string;
  namespace: string | undefined;
  spec: IPodSpec;
}

/** Deployments and Jobs, with the pod spec each runs. */
function podOwners(objects: readonly KubeObject[]): PodOwner[] {
  return [...ofKind(objects, Deployment.is), ...ofKind(objects, Job.is)].map((object) => ({
    name: `${object.kind} ${object.metadata.name}`,
    namespace: namespaceOf(object),
    spec: object.spec!.template.spec!,
  }));
}

const containersOf = (spec: IPodSpec): IContainer[] => [
  ...(spec.initContainers ?? []),
  ...spec.containers,
];

const matchesLabels = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([key, value]) => labels[key] === value);

const podLabels = (deployment: IDeployment) => deployment.spec!.template.metadata?.labels ?? {};

describe.each(RENDERINGS)('deploy/k8s/%s', (rendering) => {
  let objects: KubeObject[];
  let deployments: (KubeObject & IDeployment)[];

  beforeAll(() => {
    objects = renderKustomization(join(K8S, rendering));
    deployments = ofKind(objects, Deployment.is);
  });

  it(`matches the Kubernetes ${SCHEMA_KUBERNETES_VERSION} schema in every object`, () => {
    const errors = objects.flatMap((object) =>
      schemaErrors(object).map((error) => `${identityOf(object)}: ${error}`),
    );

    expect(objects.length).toBeGreaterThan(0);
    expect(errors).toEqual([]);
  });

  it('renders the three services as Deployments', () => {
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual([
      'ingest',
      'query',
      'recluster',
    ]);
  });

  it('probes every service container for liveness and readiness over HTTP', () => {
    const probes = deployments.flatMap((deployment) =>
      deployment.spec!.template.spec!.containers.map((container) => ({
        container: container.name,
        live: container.livenessProbe?.httpGet?.path,
        ready: container.readinessProbe?.httpGet?.path,
      })),
    );

    expect(probes).toHaveLength(deployments.length);
    for (const probe of probes) {
      expect(probe).toEqual({
        container: probe.container,
        live: '/health/live',
        ready: '/health/ready',
      });
    }
  });

  it('gives every container cpu and memory requests and limits', () => {
    const containers = podOwners(objects).flatMap((owner) => containersOf(owner.spec));

    expect(containers.length).toBeGreaterThan(0);
    for (const { name, resources } of containers) {
      expect({ name, requests: Object.keys(resources?.requests ?? {}).sort() }).toEqual({
        name,
        requests: ['cpu', 'memory'],
      });
      expect({ name, limits: Object.keys(resources?.limits ?? {}).sort() }).toEqual({
        name,
        limits: ['cpu', 'memory'],
      });
    }
  });

  it('runs every container non-root, read-only, unprivileged, without capabilities, seccomp on', () => {
    for (const { name, spec } of podOwners(objects)) {
      for (const container of containersOf(spec)) {
        const own = container.securityContext ?? {};
        const effective = {
          pod: name,
          container: container.name,
          runAsNonRoot: own.runAsNonRoot ?? spec.securityContext?.runAsNonRoot,
          seccomp: (own.seccompProfile ?? spec.securityContext?.seccompProfile)?.type,
          readOnlyRootFilesystem: own.readOnlyRootFilesystem,
          allowPrivilegeEscalation: own.allowPrivilegeEscalation,
          privileged: own.privileged ?? false,
          dropped: own.capabilities?.drop,
          added: own.capabilities?.add ?? [],
        };

        expect(effective).toEqual({
          pod: name,
          container: container.name,
          runAsNonRoot: true,
          seccomp: 'RuntimeDefault',
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          privileged: false,
          dropped: ['ALL'],
          added: [],
        });
      }
    }
  });

  it('lets every pod shut down gracefully, without service links in its environment', () => {
    for (const { name, spec } of podOwners(objects)) {
      // A Service named `query` would otherwise set QUERY_PORT=tcp://..., which the config rejects.
      expect({ name, enableServiceLinks: spec.enableServiceLinks }).toEqual({
        name,
        enableServiceLinks: false,
      });
    }
    for (const deployment of deployments) {
      const grace = deployment.spec!.template.spec!.terminationGracePeriodSeconds ?? 30;

      expect(grace).toBeGreaterThan(SHUTDOWN_SECONDS);
    }
  });

  it('covers every Deployment with a PodDisruptionBudget', () => {
    const budgets = ofKind(objects, PodDisruptionBudget.is);
    const uncovered = deployments
      .filter(
        (deployment) =>
          !budgets.some(
            (budget) =>
              namespaceOf(budget) === namespaceOf(deployment) &&
              budget.spec?.selector?.matchExpressions === undefined &&
              matchesLabels(budget.spec?.selector?.matchLabels ?? {}, podLabels(deployment)) &&
              Object.keys(budget.spec?.selector?.matchLabels ?? {}).length > 0,
          ),
      )
      .map((deployment) => deployment.metadata.name);

    expect(uncovered).toEqual([]);
  });

  it('carries no secret values', () => {
    const secretsWithData = ofKind(objects, Secret.is).filter(
      (secret) => secret.data !== undefined || secret.stringData !== undefined,
    );
    const configuredCredentials = ofKind(objects, ConfigMap.is).flatMap((configMap) =>
      Object.keys(configMap.data ?? {}).filter(
        (key) => CREDENTIALS.includes(key) || /PASSWORD|SECRET|TOKEN/.test(key),
      ),
    );
    const credentialVariables = podOwners(objects).flatMap(({ spec }) =>
      containersOf(spec).flatMap((container) =>
        (container.env ?? []).filter((variable) => CREDENTIALS.includes(variable.name)),
      ),
    );

    expect(secretsWithData.map(identityOf)).toEqual([]);
    expect(configuredCredentials).toEqual([]);
    expect(credentialVariables.length).toBeGreaterThan(0);
    for (const variable of credentialVariables) {
      expect({ name: variable.name, value: variable.value }).toEqual({
        name: variable.name,
        value: undefined,
      });
      expect(variable.valueFrom?.secretKeyRef?.name).toBe('recommender-credentials');
    }
  });

  it('gives query and recluster the admin token from its Secret, and no token from a literal', () => {
    const tokens = podOwners(objects).flatMap(({ name, spec }) =>
      containersOf(spec).flatMap((container) =>
        (container.env ?? [])
          .filter((variable) => variable.name.includes('TOKEN'))
          .map((variable) => ({ owner: name, variable })),
      ),
    );
    const admin = tokens.filter(({ variable }) => variable.name === 'ADMIN_TOKEN');

    expect(admin.map(({ owner }) => owner).sort()).toEqual([
      'Deployment query',
      'Deployment recluster',
    ]);
    for (const { variable } of admin) {
      // A pod without the Secret does not start, rather than start with its admin routes locked.
      expect(variable.valueFrom?.secretKeyRef?.optional).toBeUndefined();
    }
    for (const { variable } of tokens) {
      expect(variable.value).toBeUndefined();
      expect(variable.valueFrom?.secretKeyRef?.name).toBe('recommender-admin-token');
    }
    // Nothing opens the admin routes: ADMIN_AUTH=disabled is for a developer's machine.
    expect(JSON.stringify(objects)).not.toContain('ADMIN_AUTH');
  });

  it('refers only to ConfigMaps it renders', () => {
    const rendered = new Set(ofKind(objects, ConfigMap.is).map(identityOf));
    const references = podOwners(objects).flatMap(({ name, namespace, spec }) =>
      containersOf(spec).flatMap((container) =>
        (container.envFrom ?? []).flatMap((source) =>
          source.configMapRef
            ? [{ from: name, namespace, configMap: source.configMapRef.name }]
            : [],
        ),
      ),
    );

    expect(references.length).toBeGreaterThan(0);
    for (const { from, namespace, configMap } of references) {
      expect({ from, found: rendered.has(`ConfigMap/${namespace ?? ''}/${configMap}`) }).toEqual({
        from,
        found: true,
      });
    }
  });

  it("routes every Service to a Deployment's named container ports", () => {
    for (const service of ofKind(objects, Service.is)) {
      const targets = deployments.filter(
        (deployment) =>
          namespaceOf(deployment) === namespaceOf(service) &&
          matchesLabels(service.spec?.selector ?? {}, podLabels(deployment)),
      );
      const ports = targets.flatMap((deployment) =>
        deployment.spec!.template.spec!.containers.flatMap((c) => c.ports ?? []),
      );

      expect({ service: service.metadata.name, targets: targets.length }).toEqual({
        service: service.metadata.name,
        targets: 1,
      });
      for (const { targetPort } of service.spec?.ports ?? []) {
        expect(ports.map((port) => port.name)).toContain(targetPort);
      }
    }
  });

  it('scales query with a HorizontalPodAutoscaler that alone sets its replicas', () => {
    const autoscalers = ofKind(objects, HorizontalPodAutoscaler.is).filter(
      (hpa) =>
        hpa.spec?.scaleTargetRef.kind === 'Deployment' && hpa.spec.scaleTargetRef.name === 'query',
    );
    const query = deployments.find((deployment) => deployment.metadata.name === 'query');

    expect(autoscalers).toHaveLength(1);
    const { minReplicas, maxReplicas } = autoscalers[0]!.spec!;
    expect(minReplicas).toBeGreaterThanOrEqual(1);
    expect(maxReplicas).toBeGreaterThanOrEqual(minReplicas!);
    expect(query?.spec?.replicas).toBeUndefined();
  });

  it("creates the topics with the project's own command, from an image the services use", () => {
    const [job] = ofKind(objects, Job.is).filter((j) => j.metadata.name === 'kafka-topics');
    const container = job!.spec!.template.spec!.containers[0]!;
    const images = new Set(
      deployments.flatMap((d) => containersOf(d.spec!.template.spec!).map((c) => c.image)),
    );

    expect(images).toContain(container.image);
    // The image holds the build at /app: the command's entry point is one the build makes.
    const [node, entry] = container.command ?? [];
    expect(node).toBe('node');
    expect(entry).toMatch(/^\/app\/dist\/apps\/[a-z-]+\/src\/main\.js$/);
    expect(existsSync(join(__dirname, '../../apps', entry!.split('/')[4]!, 'src/main.ts'))).toBe(
      true,
    );
  });

  it("keeps every Node heap flag within its container's memory limit", () => {
    const toMiB = (quantity: string): number => {
      const [, value, unit] = /^(\d+)(Mi|Gi)$/.exec(quantity) ?? [];
      return Number(value) * (unit === 'Gi' ? 1024 : 1);
    };
    for (const deployment of deployments) {
      for (const container of containersOf(deployment.spec!.template.spec!)) {
        const options = container.env?.find((e) => e.name === 'NODE_OPTIONS')?.value ?? '';
        const heap = /--max-old-space-size=(\d+)/.exec(options)?.[1];
        if (heap === undefined) continue;
        const limit = toMiB(String(container.resources?.limits?.memory));
        expect(Number(heap)).toBeLessThanOrEqual(limit - 128);
        // Recluster's typed arrays (the ratings matrix) live outside the heap: room for them.
        if (deployment.metadata.name === 'recluster') {
          expect(Number(heap)).toBeLessThanOrEqual(limit / 2);
        }
      }
    }
  });

  it('runs no more ingest consumers than the topics have partitions', () => {
    const ingest = deployments.find((deployment) => deployment.metadata.name === 'ingest')!;
    const configMapName =
      ingest.spec!.template.spec!.containers[0]!.envFrom![0]!.configMapRef!.name;
    const config = ofKind(objects, ConfigMap.is).find((c) => c.metadata.name === configMapName);
    const partitions = Number(config?.data?.KAFKA_TOPIC_PARTITIONS);

    expect(partitions).toBeGreaterThanOrEqual(1);
    expect(ingest.spec!.replicas ?? 1).toBeLessThanOrEqual(partitions);
  });
});

describe('deploy/k8s/overlays/prod', () => {
  it('runs one ingest consumer per partition and a standby recluster', () => {
    const objects = renderKustomization(join(K8S, 'overlays/prod'));
    const replicas = Object.fromEntries(
      ofKind(objects, Deployment.is).map((d) => [d.metadata.name, d.spec?.replicas]),
    );

    expect(replicas).toEqual({ ingest: 4, recluster: 2, query: undefined });
  });
});

describe(schemaErrors.name, () => {
  const deployment = (containerPort: Json): KubeObject => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'sut' },
    spec: {
      selector: { matchLabels: { app: 'sut' } },
      template: {
        metadata: { labels: { app: 'sut' } },
        spec: { containers: [{ name: 'sut', image: 'sut', ports: [{ containerPort }] }] },
      },
    },
  });

  it('accepts a valid object', () => {
    expect(schemaErrors(deployment(3000))).toEqual([]);
  });

  it('rejects a wrongly typed field, naming its path', () => {
    const [error] = schemaErrors(deployment('3000'));

    expect(error).toMatch(/containers\/0\/ports\/0\/containerPort must be integer/);
  });

  it('rejects a kind it has no schema for', () => {
    const sut = { apiVersion: 'apps/v1beta1', kind: 'Deployment', metadata: { name: 'sut' } };

    expect(schemaErrors(sut)).toEqual(['no schema for apps/v1beta1 Deployment']);
  });
});
