import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configMapNameSuffix } from './config-map-hash';
import { applyJsonPatch } from './json-patch';
import { identityOf, type KubeObject, parseKubeObjects } from './kube-object';
import { renderKustomization } from './kustomize.renderer';

const FIXTURE = join(__dirname, 'fixtures/kustomize');

const byIdentity = (objects: readonly KubeObject[]) =>
  [...objects].sort((a, b) => identityOf(a).localeCompare(identityOf(b)));

describe(renderKustomization.name, () => {
  let scratch: string;

  beforeEach(() => {
    scratch = mkdtempSync(join(tmpdir(), 'kustomize-'));
  });

  afterEach(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  const writeKustomization = (files: Record<string, string>) => {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(scratch, path, '..'), { recursive: true });
      writeFileSync(join(scratch, path), text);
    }
  };

  it('renders the fixture overlay exactly as kubectl kustomize rendered it', () => {
    const expected = parseKubeObjects(
      readFileSync(join(FIXTURE, 'overlay.expected.yaml'), 'utf8'),
      'overlay.expected.yaml',
    );

    const sut = renderKustomization(join(FIXTURE, 'overlay'));

    expect(byIdentity(sut)).toEqual(byIdentity(expected));
  });

  it('refuses a kustomization field it does not implement', () => {
    writeKustomization({
      'kustomization.yaml':
        'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamePrefix: x-\n',
    });

    expect(() => renderKustomization(scratch)).toThrow(/namePrefix/);
  });

  it('refuses a kind whose references it does not know how to rewrite', () => {
    writeKustomization({
      'kustomization.yaml':
        'resources: [set.yaml]\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n',
      'set.yaml': 'apiVersion: apps/v1\nkind: StatefulSet\nmetadata: { name: db }\n',
    });

    expect(() => renderKustomization(scratch)).toThrow(/does not know kind StatefulSet/);
  });

  it('refuses a patch whose target is missing', () => {
    writeKustomization({
      'kustomization.yaml': [
        'apiVersion: kustomize.config.k8s.io/v1beta1',
        'kind: Kustomization',
        'patches:',
        '  - target: { kind: Deployment, name: absent }',
        '    patch: "[{op: remove, path: /spec}]"',
      ].join('\n'),
    });

    expect(() => renderKustomization(scratch)).toThrow(/no Deployment absent to patch/);
  });
});

describe(configMapNameSuffix.name, () => {
  // Suffixes kubectl kustomize (kustomize v5.5.0) gave these literals.
  it.each([
    [{ K: 'v' }, '276ch85d82'],
    [{ X: 'a<b&c>d', K10: '1', K9: '2', U: 'é ü' }, 'hk89m74fmb'],
  ])('gives %j the suffix kustomize gives it', (data, suffix) => {
    expect(configMapNameSuffix(data)).toBe(suffix);
  });
});

describe(applyJsonPatch.name, () => {
  const document = () => ({ spec: { ports: [{ port: 80 }] } });

  it('adds, replaces and removes by JSON pointer', () => {
    const sut = document();

    applyJsonPatch(sut, [
      { op: 'add', path: '/spec/ports/-', value: { port: 90 } },
      { op: 'replace', path: '/spec/ports/0/port', value: 8080 },
      { op: 'add', path: '/metadata', value: { annotations: {} } },
      { op: 'add', path: '/metadata/annotations/example.com~1a~0b', value: 'x' },
      { op: 'remove', path: '/spec/ports/1' },
    ]);

    expect(sut).toEqual({
      spec: { ports: [{ port: 8080 }] },
      metadata: { annotations: { 'example.com/a~b': 'x' } },
    });
  });

  it.each([
    [{ op: 'replace', path: '/spec/replicas', value: 2 } as const, /no member "replicas"/],
    [{ op: 'remove', path: '/spec/ports/1' } as const, /no index 1/],
    [{ op: 'add', path: '/spec/missing/x', value: 1 } as const, /no member "missing"/],
    [{ op: 'test', path: '/spec/ports/0/port', value: 81 } as const, /test failed/],
  ])('fails %j', (operation, message) => {
    expect(() => {
      applyJsonPatch(document(), [operation]);
    }).toThrow(message);
  });
});
