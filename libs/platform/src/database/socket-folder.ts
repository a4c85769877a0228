import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
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
 * Synchronous, as the start of the database's thread is (EmbeddedPostgres.start).
 */
export function newSocketFolder(parent: string = tmpdir(), isAlive: (pid: number) => boolean = isProcessAlive): string {
  removeFoldersOfDeadProcesses(parent, isAlive);
  return mkdtempSync(join(parent, `${PREFIX}${process.pid}-`));
}

function removeFoldersOfDeadProcesses(parent: string, isAlive: (pid: number) => boolean): void {
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(FOLDER_OF_A_PROCESS.exec(name)?.[1]);
    if (!Number.isSafeInteger(pid) || pid === process.pid || isAlive(pid)) continue;
    // Another process starting at the same time may remove it first; either way it is gone.
    try {
      rmSync(join(parent, name), { recursive: true, force: true });
    } catch {
      // Left for the next start.
    }
  }
}
