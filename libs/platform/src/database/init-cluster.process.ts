import { PGlite } from '@electric-sql/pglite';
import { existsSync, readdirSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { tarWithout } from './cluster-tar';
import { markMaking, partialImageFile, removePartialImagesOfDeadWriters, unmarkMaking } from './fresh-cluster';
import { fileSystemFailure } from './file-system-failure';

/**
 * Runs initdb inside PGlite in a process of its own, started by
 * fresh-cluster.ts: initdb grows the WASM heap to about 800 MB and WASM memory
 * never shrinks, so the server process must not be the one that pays for it.
 * `dir <path> [<file>]` initialises a data folder, and writes the tarball
 * `<file>` of the fresh cluster when there is none yet; `image <file>` writes
 * only the tarball, for in-memory databases.
 */
async function main(mode: string, target: string, imageFile?: string): Promise<void> {
  if (mode === 'dir') {
    // Marked with this process's pid, not the server's: killed alone, the server leaves this process to finish, and
    // the next start waits for it rather than make the folder a second time beside it.
    markMaking(target);
    // What the folder held before its cluster (its lock file, naming the process that opens it, and the mark) is no
    // part of the copy: loaded into another folder, that lock would replace the lock of the process opening it.
    const held = new Set(readdirSync(target));
    const db = await PGlite.create(target);
    // The folder is made whether or not the machine's copy of a fresh cluster can be kept, which only saves later starts time.
    if (imageFile) await writeImage(db, imageFile, held).catch(() => undefined);
    await db.close();
    unmarkMaking(target);
    return;
  }
  const db = await PGlite.create();
  await writeImage(db, target, new Set());
  await db.close();
}

/**
 * Writes a tarball of `db`'s fresh cluster, without the files named `left`, to `file` unless another process has
 * written it meanwhile; never half a file.
 */
async function writeImage(db: PGlite, file: string, left: ReadonlySet<string>): Promise<void> {
  if (existsSync(file)) return;
  await removePartialImagesOfDeadWriters(file);
  const image = tarWithout(Buffer.from(await (await db.dumpDataDir('none')).arrayBuffer()), left);
  const partial = partialImageFile(file);
  try {
    // Readable by others but written by nobody else, whatever the umask: a copy another user could change is not
    // loaded. Never through a file or link someone put under the name first.
    await writeFile(partial, image, { mode: 0o644, flag: 'wx' });
    await rename(partial, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') await rm(partial, { force: true });
    throw error;
  }
}

main(process.argv[2], process.argv[3], process.argv[4]).catch((error: Error) => {
  process.stderr.write(`${fileSystemFailure(error)?.message ?? error.message}\n`);
  process.exit(1);
});
