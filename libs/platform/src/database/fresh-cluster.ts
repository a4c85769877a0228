import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const initCluster = (mode: 'dir' | 'image', target: string) =>
  promisify(execFile)(process.execPath, [join(__dirname, 'init-cluster.process.js'), mode, target]);

/**
 * Tells whether `dataDir` already holds a cluster; if not, initialises it in a
 * child process, or answers the cached image of a fresh cluster to load when
 * this machine has one (a second instead of six).
 */
export async function prepareCluster(dataDir: string): Promise<{ loadDataDir?: Blob }> {
  if (existsSync(join(dataDir, 'PG_VERSION'))) return {};
  const image = await cachedImageFile();
  if (existsSync(image)) return { loadDataDir: new Blob([await readFile(image)]) };
  await initCluster('dir', dataDir);
  return {};
}

/**
 * A tarball of a fresh cluster for in-memory databases, made once per machine
 * and PGlite version: loading it takes a second where initdb takes six.
 */
export async function freshClusterImage(): Promise<Blob> {
  const file = await cachedImageFile();
  if (!existsSync(file)) await initCluster('image', file);
  return new Blob([await readFile(file)]);
}

async function cachedImageFile(): Promise<string> {
  const manifest = join(dirname(require.resolve('@electric-sql/pglite')), '..', 'package.json');
  const { version } = JSON.parse(await readFile(manifest, 'utf8')) as { version: string };
  return join(tmpdir(), `tessera-pglite-${version}-fresh-cluster.tar`);
}
