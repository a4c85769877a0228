import { PGlite } from '@electric-sql/pglite';
import { rename, writeFile } from 'node:fs/promises';
import { fileSystemFailure } from './file-system-failure';

/**
 * Runs initdb inside PGlite in a process of its own, started by
 * fresh-cluster.ts: initdb grows the WASM heap to about 800 MB and WASM memory
 * never shrinks, so the server process must not be the one that pays for it.
 * `dir <path>` initialises a data folder; `image <file>` writes a tarball of a
 * fresh cluster for in-memory databases.
 */
async function main(mode: string, target: string): Promise<void> {
  if (mode === 'dir') {
    await (await PGlite.create(target)).close();
    return;
  }
  const db = await PGlite.create();
  const image = await db.dumpDataDir('none');
  await db.close();
  const partial = `${target}.${process.pid}.partial`;
  await writeFile(partial, Buffer.from(await image.arrayBuffer()));
  await rename(partial, target);
}

main(process.argv[2], process.argv[3]).catch((error: Error) => {
  process.stderr.write(`${fileSystemFailure(error)?.message ?? error.message}\n`);
  process.exit(1);
});
