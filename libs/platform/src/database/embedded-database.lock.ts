// Not the package's index: an early start (early-embedded-database.ts) loads this file before the app's modules.
import { DependencyUnavailableError } from '@tessera/messaging/start-refusal';
import { closeSync, linkSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** The file in an embedded database's folder that names the process using it. */
export const LOCK_FILE_NAME = 'tessera.lock';

/**
 * One process at a time in an embedded database's folder: PGlite has no lock
 * of its own, and two processes writing one folder corrupt it. The lock is a
 * file holding the owner's pid, created atomically (O_EXCL); a lock whose pid
 * no longer runs (a process that was killed) is taken over, and a lock is
 * removed when its process stops or exits.
 */
export class EmbeddedDatabaseLock {
  private released = false;
  private readonly releaseOnExit = () => this.release();

  private constructor(readonly file: string) {
    process.once('exit', this.releaseOnExit);
  }

  /** Takes the folder's lock for this process, or refuses naming the process that holds it. */
  static acquire(dir: string, isAlive: (pid: number) => boolean = isProcessAlive): EmbeddedDatabaseLock {
    const file = join(dir, LOCK_FILE_NAME);
    if (tryCreate(file)) return new EmbeddedDatabaseLock(file);
    const holder = holderOf(file);
    if (holder !== undefined && holder !== process.pid && isAlive(holder)) throw heldBy(dir, holder);
    if (takeOverStale(file, holder) && tryCreate(file)) return new EmbeddedDatabaseLock(file);
    throw heldBy(dir, holderOf(file));
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    process.removeListener('exit', this.releaseOnExit);
    if (holderOf(this.file) === process.pid) unlinkSync(this.file);
  }
}

/** The pid of the running process that holds the embedded database in `dir`, if one does. */
export function embeddedDatabaseHolder(dir: string, isAlive: (pid: number) => boolean = isProcessAlive): number | undefined {
  const holder = holderOf(join(dir, LOCK_FILE_NAME));
  return holder !== undefined && isAlive(holder) ? holder : undefined;
}

function tryCreate(file: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, `${process.pid}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

function holderOf(file: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Moves a stale lock aside under a name of this process's own, and puts it
 * back if what was moved is not the stale lock after all: another process
 * took the stale lock over between our read and our move. Answers whether
 * the stale lock is gone.
 */
function takeOverStale(file: string, staleHolder: number | undefined): boolean {
  const aside = `${file}.${process.pid}.stale`;
  try {
    renameSync(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
  if (holderOf(aside) === staleHolder) {
    unlinkSync(aside);
    return true;
  }
  try {
    linkSync(aside, file);
  } catch {
    // A third process holds the lock by now; the one we moved is its predecessor's, and may go.
  }
  unlinkSync(aside);
  return false;
}

function heldBy(dir: string, pid: number | undefined): DependencyUnavailableError {
  const holder = pid === undefined ? 'another process' : `process ${pid}`;
  return new DependencyUnavailableError(
    `the embedded database in ${dir} is in use by ${holder} (${join(dir, LOCK_FILE_NAME)}): stop that process, or give this one its own EMBEDDED_DB_DIR (or EMBEDDED_DB_DIR=memory)`,
  );
}

/** Whether a process with `pid` runs on this machine (EPERM: it runs, as another user). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
