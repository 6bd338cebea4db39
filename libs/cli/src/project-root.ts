import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The folder of the project's package.json: the same from the built files under dist/ and from
 * the TypeScript sources, which sit at different depths below it.
 */
export function projectRoot(from: string = __dirname): string {
  for (let folder = from; ; folder = dirname(folder)) {
    if (existsSync(join(folder, 'package.json'))) return folder;
    if (dirname(folder) === folder) throw new Error(`no package.json above ${from}`);
  }
}
