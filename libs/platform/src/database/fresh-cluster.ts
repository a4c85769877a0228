import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const initCluster = (mode: 'dir' | 'image', target: string) =>
  promisify(execFile)(process.execPath, [join(__dirname, 'init-cluster.process.js'), mode, target]);

/** Initialises `dataDir` in a child process unless it already holds a cluster. */
export async function ensureClusterIn(dataDir: string): Promise<void> {
  if (!existsSync(join(dataDir, 'PG_VERSION'))) await initCluster('dir', dataDir);
}

/**
 * A tarball of a fresh cluster for in-memory databases, made once per machine
 * and PGlite version: loading it takes a second where initdb takes six.
 */
export async function freshClusterImage(): Promise<Blob> {
  const manifest = join(dirname(require.resolve('@electric-sql/pglite')), '..', 'package.json');
  const { version } = JSON.parse(await readFile(manifest, 'utf8')) as { version: string };
  const file = join(tmpdir(), `tessera-pglite-${version}-fresh-cluster.tar`);
  if (!existsSync(file)) await initCluster('image', file);
  return new Blob([await readFile(file)]);
}
