import { Dirent, existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';

/** The folders `npm run build` compiles, under the repository and under dist/. */
const BUILT_FOLDERS = ['apps', 'libs'];

interface NewestFile {
  path: string;
  mtimeMs: number;
}

/**
 * When this process runs from a build (dist/) that sits next to the sources
 * it was made from, and one of those sources changed after the build: the
 * line saying so, naming the newest change and what to run. Undefined when the
 * build is current, or when there are no sources beside it (the image). Costs
 * a stat of each source and built file, a few milliseconds.
 */
export function staleBuildWarning(buildDir = resolve(__dirname, '../../../..')): string | undefined {
  if (basename(buildDir) !== 'dist') return undefined;
  const root = dirname(buildDir);
  if (!BUILT_FOLDERS.every((folder) => existsSync(join(root, folder)))) return undefined;
  const source = newestFile(root, (file) => file.endsWith('.ts') && !file.endsWith('.spec.ts') && !file.includes('/testing/'));
  const built = newestFile(buildDir, (file) => file.endsWith('.js'));
  if (!source || !built || source.mtimeMs <= built.mtimeMs) return undefined;
  return `The build in dist/ is older than the sources (${relative(root, source.path)} changed since): this runs the old code; run \`npm run build\`, or \`npm run start:dev\` to rebuild on every change`;
}

function newestFile(root: string, wanted: (path: string) => boolean): NewestFile | undefined {
  let newest: NewestFile | undefined;
  for (const folder of BUILT_FOLDERS) {
    const dir = join(root, folder);
    if (!existsSync(dir)) continue;
    for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true }) as Dirent[]) {
      if (!entry.isFile()) continue;
      const path = join(entry.parentPath, entry.name);
      if (path.includes('/node_modules/') || !wanted(path)) continue;
      const { mtimeMs } = statSync(path);
      if (!newest || mtimeMs > newest.mtimeMs) newest = { path, mtimeMs };
    }
  }
  return newest;
}
