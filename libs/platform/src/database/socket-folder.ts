import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isProcessAlive } from './embedded-database.lock';

const PREFIX = 'tessera-pg-';
/** `tessera-pg-<pid>-<six characters of mkdtemp>`: the folder of the process `pid`. */
const FOLDER_OF_A_PROCESS = /^tessera-pg-(\d+)-[A-Za-z0-9]{6}$/;

/**
 * A private folder for the embedded database's socket, named after this
 * process. A process that is killed cannot remove its folder, so each start
 * first removes the folders of processes that no longer run, as the database
 * lock takes over a dead process's lock: without that, every SIGKILL (a crash
 * test, an out-of-memory kill) left one behind in the temporary folder.
 */
export async function newSocketFolder(parent: string = tmpdir(), isAlive: (pid: number) => boolean = isProcessAlive): Promise<string> {
  await removeFoldersOfDeadProcesses(parent, isAlive);
  return mkdtemp(join(parent, `${PREFIX}${process.pid}-`));
}

async function removeFoldersOfDeadProcesses(parent: string, isAlive: (pid: number) => boolean): Promise<void> {
  const names = await readdir(parent).catch(() => [] as string[]);
  await Promise.all(
    names.map(async (name) => {
      const pid = Number(FOLDER_OF_A_PROCESS.exec(name)?.[1]);
      if (!Number.isSafeInteger(pid) || pid === process.pid || isAlive(pid)) return;
      // Another process starting at the same time may remove it first; either way it is gone.
      await rm(join(parent, name), { recursive: true, force: true }).catch(() => undefined);
    }),
  );
}
