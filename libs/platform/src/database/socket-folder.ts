import { mkdtempSync, readdirSync, rmdirSync, unlinkSync } from 'node:fs';
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
    try {
      removeSocketFolder(join(parent, name));
    } catch {
      // Left for the next start.
    }
  }
}

/**
 * Removes a socket folder with what is in it, without a stat of anything: rm and rmSync lstat every entry, and once
 * Node has stat-ed a socket, the next require() may stop following symlinks (nodejs/node#51142, open: realpath
 * reads the last stat's file type for a folder it already knows). A node_modules reached through a link then loads a
 * second time, as a second Nest, class-validator and class-transformer beside the first: an early start that removed a
 * killed process's folder made the app that loaded next log through Nest's default logger and refuse valid nested
 * fields (the start:dev suite, whose node_modules is a link). Another process may remove the folder first; either way
 * it is gone.
 */
export function removeSocketFolder(folder: string): void {
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return;
    throw error;
  }
  for (const name of names) {
    const entry = join(folder, name);
    try {
      unlinkSync(entry);
    } catch (error) {
      const code = codeOf(error);
      if (code === 'ENOENT') continue;
      // A folder (Linux says EISDIR, others EPERM): the socket folder holds none, but what is in it goes too.
      if (code !== 'EISDIR' && code !== 'EPERM') throw error;
      removeSocketFolder(entry);
    }
  }
  try {
    rmdirSync(folder);
  } catch (error) {
    if (codeOf(error) !== 'ENOENT') throw error;
  }
}

function codeOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}
