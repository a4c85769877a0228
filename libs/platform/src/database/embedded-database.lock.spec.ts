import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DependencyUnavailableError } from '@tessera/messaging';
import { EmbeddedDatabaseLock, embeddedDatabaseHolder, isProcessAlive, LOCK_FILE_NAME } from './embedded-database.lock';

describe('EmbeddedDatabaseLock', () => {
  let dir: string;
  const lockFile = () => join(dir, LOCK_FILE_NAME);
  const locks: EmbeddedDatabaseLock[] = [];
  const acquire = (isAlive?: (pid: number) => boolean) => {
    const lock = EmbeddedDatabaseLock.acquire(dir, isAlive);
    locks.push(lock);
    return lock;
  };

  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'tessera-lock-'))));
  afterEach(() => {
    locks.splice(0).forEach((lock) => lock.release());
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes this process id into the folder and removes it on release', () => {
    const lock = acquire();
    expect(readFileSync(lockFile(), 'utf8').trim()).toBe(String(process.pid));
    lock.release();
    expect(existsSync(lockFile())).toBe(false);
  });

  it('refuses while another running process holds it, naming that process and EMBEDDED_DB_DIR', () => {
    writeFileSync(lockFile(), '4242\n');
    const refusal = (() => {
      try {
        acquire((pid) => pid === 4242);
      } catch (error) {
        return error as Error;
      }
    })();
    expect(refusal).toBeInstanceOf(DependencyUnavailableError);
    expect(refusal!.message).toContain(`in use by process 4242 (${lockFile()})`);
    expect(refusal!.message).toContain('EMBEDDED_DB_DIR');
    expect(readFileSync(lockFile(), 'utf8').trim()).toBe('4242');
  });

  it('takes over the lock of a process that no longer runs', () => {
    writeFileSync(lockFile(), '4242\n');
    acquire(() => false);
    expect(readFileSync(lockFile(), 'utf8').trim()).toBe(String(process.pid));
  });

  it('takes over a lock left with its own pid, as a restarted container would find it', () => {
    writeFileSync(lockFile(), `${process.pid}\n`);
    acquire(() => true);
    expect(readFileSync(lockFile(), 'utf8').trim()).toBe(String(process.pid));
  });

  it('leaves a lock alone that another process took in the meantime', () => {
    const lock = acquire();
    writeFileSync(lockFile(), '4242\n');
    lock.release();
    expect(readFileSync(lockFile(), 'utf8').trim()).toBe('4242');
  });
});

describe('embeddedDatabaseHolder', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'tessera-lock-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('names the running process that holds the folder, and none for a free folder or a lock whose process is gone', () => {
    expect(embeddedDatabaseHolder(dir)).toBeUndefined();
    writeFileSync(join(dir, LOCK_FILE_NAME), '4242\n');
    expect(embeddedDatabaseHolder(dir, (pid) => pid === 4242)).toBe(4242);
    expect(embeddedDatabaseHolder(dir, () => false)).toBeUndefined();
  });
});

describe('isProcessAlive', () => {
  it('knows this process runs', () => {
    expect(isProcessAlive(process.pid)).toBe(true);
  });
});
