import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from './project-root';

describe(projectRoot.name, () => {
  it('finds the nearest folder above with a package.json, from any depth', () => {
    const root = mkdtempSync(join(tmpdir(), 'project-root-'));
    writeFileSync(join(root, 'package.json'), '{}');
    const built = join(root, 'dist', 'apps', 'demo', 'src');
    const source = join(root, 'apps', 'demo', 'src');
    mkdirSync(built, { recursive: true });
    mkdirSync(source, { recursive: true });

    expect(projectRoot(built)).toBe(root);
    expect(projectRoot(source)).toBe(root);
  });

  it('is the folder of this project by default', () => {
    expect(projectRoot()).toBe(join(__dirname, '..', '..', '..'));
  });
});
