import { execFile } from 'node:child_process';
import { existsSync, readFileSync, renameSync, type Stats, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { fileInTar } from './cluster-tar';
import { isProcessAlive, LOCK_FILE_NAME } from './embedded-database.lock';
import { fileSystemCodeIn } from './file-system-failure';

/** Runs init-cluster.process.js; a failure says what the child said, with the file system's code when it was that. */
async function initCluster(mode: 'dir' | 'image', target: string, imageFile?: string): Promise<void> {
  try {
    await promisify(execFile)(process.execPath, [join(__dirname, 'init-cluster.process.js'), mode, target, ...(imageFile ? [imageFile] : [])]);
  } catch (error) {
    const said = String((error as { stderr?: unknown }).stderr ?? '').trim();
    const message = `preparing a new database failed: ${said || (error as Error).message}`;
    throw Object.assign(new Error(message), { code: fileSystemCodeIn(said) });
  }
}

/**
 * How a folder that held no cluster got one: from the machine's image of a fresh cluster, or by initdb, which leaves
 * that image; why an image found there was removed first, when one could not be loaded; and which process had left
 * half a cluster there, when one had.
 */
export interface NewCluster {
  from: 'image' | 'initdb';
  image: string;
  removedImage?: string;
  halfMadeBy?: number;
}

/**
 * In a folder while a cluster is made in it (the image loaded, or initdb), holding the pid of the process making it.
 * A folder that still holds it once that process is gone holds half a cluster, PG_VERSION maybe among it: killed
 * while loading the image, a process left a folder that every later start took for a database and could not open.
 */
export const MAKING_FILE_NAME = 'tessera.making';

/**
 * Notes in `dataDir` that the process `pid` is making its cluster, before it writes any of it; renamed into place, so
 * that a start reading it never finds it empty.
 */
export function markMaking(dataDir: string, pid: number = process.pid): void {
  const marker = join(dataDir, MAKING_FILE_NAME);
  writeFileSync(`${marker}.${pid}`, `${pid}\n`);
  renameSync(`${marker}.${pid}`, marker);
}

/** Notes in `dataDir` that its cluster is whole. */
export function unmarkMaking(dataDir: string): void {
  unlinkSync(join(dataDir, MAKING_FILE_NAME));
}

/** How long a start waits for another process to finish making the cluster of its folder. */
const MAKER_WAIT_MS = 120_000;
const MAKER_POLL_MS = 100;

/**
 * Waits while another process makes the cluster of `dataDir` (the initdb child of a start that was killed goes on
 * alone), and answers the pid of a maker that ended before it was done, if one did.
 */
export async function unfinishedMakerOf(
  dataDir: string,
  isAlive: (pid: number) => boolean = isProcessAlive,
  poll: { everyMs: number; forMs: number } = { everyMs: MAKER_POLL_MS, forMs: MAKER_WAIT_MS },
): Promise<number | undefined> {
  const marker = join(dataDir, MAKING_FILE_NAME);
  for (const givenUpAt = Date.now() + poll.forMs; ;) {
    const maker = makerIn(marker);
    if (maker === undefined) return undefined;
    // This process's own marker is no other process at work: it was left by a start of this process that failed.
    if (maker !== process.pid && isAlive(maker)) {
      if (Date.now() >= givenUpAt) throw new Error(`process ${maker} has been making a new database in ${dataDir} for over ${poll.forMs / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, poll.everyMs));
      continue;
    }
    return maker;
  }
}

function makerIn(marker: string): number | undefined {
  try {
    const pid = Number(readFileSync(marker, 'utf8').trim());
    // Not a pid (written by hand, or damaged): no process can be at work on it.
    return Number.isSafeInteger(pid) && pid > 0 ? pid : 0;
  } catch {
    return undefined;
  }
}

/**
 * Tells whether `dataDir` already holds a cluster; if not, answers the cached
 * image of a fresh cluster to load when this machine has one (0.7 s on two
 * cores), or initialises the folder in a child process (2.4 s), which leaves
 * the image for the next new folder or in-memory database. Half a cluster,
 * left by a process that ended while making it, is taken out first.
 */
export async function prepareCluster(dataDir: string): Promise<{ loadDataDir?: Blob; made?: NewCluster }> {
  const halfMadeBy = await unfinishedMakerOf(dataDir);
  if (halfMadeBy !== undefined) await removeAllBut(dataDir, [LOCK_FILE_NAME]);
  else if (existsSync(join(dataDir, 'PG_VERSION'))) return {};
  const image = await imageFileToUse();
  const remade = halfMadeBy === undefined ? {} : { halfMadeBy };
  if (isOwnImage(image)) return { loadDataDir: new Blob([await readFile(image)]), made: { from: 'image', image, ...remade } };
  await initCluster('dir', dataDir, image);
  return { made: { from: 'initdb', image, ...remade } };
}

/** Takes out of `dir` everything but the files named `kept` (its lock file). */
export async function removeAllBut(dir: string, kept: readonly string[]): Promise<void> {
  const names = (await readdir(dir)).filter((name) => !kept.includes(name));
  await Promise.all(names.map((name) => rm(join(dir, name), { recursive: true, force: true })));
}

/**
 * A tarball of a fresh cluster for in-memory databases, made once per machine
 * and PGlite version (or left by the first new folder): loading it takes 0.7 s
 * where initdb takes 2.4 s.
 */
export async function freshClusterImage(): Promise<Blob> {
  const file = await imageFileToUse();
  // A failure to make it is told by the private image's failure below, which repeats it.
  if (!existsSync(file)) await initCluster('image', file).catch(() => undefined);
  if (isOwnImage(file)) return new Blob([await readFile(file)]);
  return privateImage();
}

/**
 * Whether `file` is an image this process may load: there, written by the user the process runs as, and writable by
 * nobody else. The temporary folder is shared: another user of the machine could have put a cluster of theirs under
 * the name this process looks for, with roles and settings of their choosing.
 */
export function isOwnImage(file: string): boolean {
  const stats = statSync(file, { throwIfNoEntry: false });
  return !!stats?.isFile() && isThisUsers(stats) && (stats.mode & 0o022) === 0;
}

function isThisUsers(stats: Stats): boolean {
  return process.getuid === undefined || stats.uid === process.getuid();
}

/**
 * The machine's image, where this process looks for it. One of this user's own that others may write (written under
 * a umask of 002 before its mode was set) is removed first, to be made again, rather than passed over for ever.
 */
export async function imageFileToUse(): Promise<string> {
  const file = await cachedImageFile();
  const stats = statSync(file, { throwIfNoEntry: false });
  if (stats?.isFile() && isThisUsers(stats) && (stats.mode & 0o022) !== 0) await rm(file, { force: true });
  return file;
}

/** A fresh cluster made for this process alone, where the machine's image is another user's file. */
async function privateImage(): Promise<Blob> {
  const folder = await mkdtemp(join(tmpdir(), 'tessera-pglite-'));
  try {
    const file = join(folder, 'fresh-cluster.tar');
    await initCluster('image', file);
    return new Blob([await readFile(file)]);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/**
 * Removes the machine's image of a fresh cluster, which PGlite could not start from (damaged since it was written, or
 * written by another build of the same version): the next database that needs one makes it again.
 */
export async function removeCachedImage(): Promise<string> {
  const file = await cachedImageFile();
  if (isOwnImage(file)) await rm(file, { force: true });
  return file;
}

/** Where the process `pid` writes the image `file` before it renames it to `file`: never half an image under its name. */
export function partialImageFile(file: string, pid: number = process.pid): string {
  return `${file}.${pid}${PARTIAL}`;
}

const PARTIAL = '.partial';

/**
 * Removes the partial files of the image `file` that writers killed while writing left beside it, 40 MB each: a
 * process that no longer runs will not finish its own. Another user's, in a shared temporary folder, are theirs.
 */
export async function removePartialImagesOfDeadWriters(file: string, isAlive: (pid: number) => boolean = isProcessAlive): Promise<void> {
  const folder = dirname(file);
  const prefix = `${basename(file)}.`;
  const names = await readdir(folder).catch(() => [] as string[]);
  await Promise.all(
    names.map(async (name) => {
      const writer = name.startsWith(prefix) && name.endsWith(PARTIAL) ? name.slice(prefix.length, -PARTIAL.length) : '';
      const pid = /^\d+$/.test(writer) ? Number(writer) : NaN;
      if (!Number.isSafeInteger(pid) || pid === process.pid || isAlive(pid)) return;
      const partial = join(folder, name);
      const stats = statSync(partial, { throwIfNoEntry: false });
      if (!stats || !isThisUsers(stats)) return;
      // Another writer may remove it first; either way it is gone.
      await rm(partial, { force: true }).catch(() => undefined);
    }),
  );
}

async function cachedImageFile(): Promise<string> {
  const manifest = join(dirname(require.resolve('@electric-sql/pglite')), '..', 'package.json');
  const { version } = JSON.parse(await readFile(manifest, 'utf8')) as { version: string };
  return join(tmpdir(), `tessera-pglite-${version}-fresh-cluster.tar`);
}

/** The major version of Postgres that made the cluster in `dataDir` (its PG_VERSION file), if it has one. */
export async function postgresVersionOf(dataDir: string): Promise<string | undefined> {
  const file = join(dataDir, 'PG_VERSION');
  return existsSync(file) ? (await readFile(file, 'utf8')).trim() : undefined;
}

/** The major version of this PGlite's Postgres: the PG_VERSION of a fresh cluster, read from its image (made if need be). */
export async function postgresVersionOfThisPGlite(): Promise<string | undefined> {
  return fileInTar(Buffer.from(await (await freshClusterImage()).arrayBuffer()), '/PG_VERSION')?.trim();
}
