import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from './processes';

const POSTGRES_VERSIONS = '/usr/lib/postgresql';
const SERVER_USER = 'postgres';

/** A Postgres server of the test's own, its database on a disk of its own that the test can fill and free again. */
export interface PostgresOnSmallDisk {
  url: string;
  /** Takes every byte the disk has left, as a ballast file beside the database's files. */
  fill(): void;
  /** Frees what fill() took. */
  free(): void;
  stop(): Promise<void>;
}

/** Where this machine's Postgres server programs are (Debian's layout), or undefined. */
function serverBinaries(): string | undefined {
  if (!existsSync(POSTGRES_VERSIONS)) return undefined;
  const newest = readdirSync(POSTGRES_VERSIONS)
    .filter((version) => existsSync(join(POSTGRES_VERSIONS, version, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a))[0];
  return newest && join(POSTGRES_VERSIONS, newest, 'bin');
}

/** Why this run cannot mount a small filesystem of its own, or undefined when it can. */
export function mountUnavailable(): string | undefined {
  return process.getuid?.() !== 0 ? 'needs root, to mount a small filesystem' : undefined;
}

/** A tmpfs of `megabytes` of the test's own, in a temporary folder, that the test can resize in place and unmount. */
export interface SmallDisk {
  path: string;
  resize(megabytes: number): void;
  unmount(): void;
}

export function mountSmallDisk(megabytes: number): SmallDisk {
  const path = mkdtempSync(join(tmpdir(), 'tessera-small-disk-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${megabytes}m`, 'tmpfs', path]);
  let mounted = true;
  return {
    path,
    resize: (size) => execFileSync('mount', ['-o', `remount,size=${size}m`, path]),
    unmount: () => {
      if (mounted) execFileSync('umount', [path]);
      mounted = false;
      rmSync(path, { recursive: true, force: true });
    },
  };
}

/**
 * Why this run cannot start a Postgres on a small disk, or undefined when it can: it mounts a filesystem (root), and
 * runs Debian's Postgres server programs as their user.
 */
export function smallDiskUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root, to mount a small filesystem for the database';
  if (!serverBinaries()) return `needs the Postgres server programs in ${POSTGRES_VERSIONS}/<version>/bin`;
  return undefined;
}

/**
 * A Postgres server started for one test, whose database keeps its tables on
 * a tmpfs of `megabytes`: a tablespace on the mount, the database created in
 * it. Its own server, because a full tablespace fails every checkpoint of the
 * server it belongs to (and with it a DROP DATABASE of any other test). The
 * write-ahead log stays on the server's own disk, so a full mount fails the
 * writes that need a new page (53100, "could not extend file") and nothing
 * else, as a full data volume does.
 */
export async function startPostgresOnSmallDisk(megabytes: number): Promise<PostgresOnSmallDisk> {
  const bin = serverBinaries()!;
  const root = mkdtempSync(join(tmpdir(), 'tessera-disk-'));
  // The server runs as its own user, who must reach its directories under the test's temporary one.
  chmodSync(root, 0o755);
  const dataDir = join(root, 'data');
  const disk = join(root, 'disk');
  const ballast = join(disk, 'ballast');
  const port = await freePort();
  const asServerUser = (program: string, args: string[]) =>
    execFileSync('runuser', ['-u', SERVER_USER, '--', join(bin, program), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });

  mkdirSync(dataDir);
  mkdirSync(disk);
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${megabytes}m`, 'tmpfs', disk]);
  let mounted = true;
  let running = false;
  const stop = async () => {
    if (running) asServerUser('pg_ctl', ['stop', '-D', dataDir, '-m', 'immediate', '-w']);
    running = false;
    if (mounted) execFileSync('umount', [disk]);
    mounted = false;
    rmSync(root, { recursive: true, force: true });
  };
  try {
    chownSync(dataDir, ...serverUserIds());
    chownSync(disk, ...serverUserIds());
    asServerUser('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-sync']);
    const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dataDir} -c fsync=off -c max_connections=60`;
    asServerUser('pg_ctl', ['start', '-D', dataDir, '-o', options, '-l', join(dataDir, 'server.log'), '-w']);
    running = true;
    const admin = new Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` });
    await admin.connect();
    try {
      await admin.query(`CREATE TABLESPACE small LOCATION '${disk}'`);
      await admin.query('CREATE DATABASE shop TABLESPACE small');
    } finally {
      await admin.end();
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url: `postgres://postgres@127.0.0.1:${port}/shop`,
    fill: () => {
      const file = openSync(ballast, 'a');
      const chunk = Buffer.alloc(64 * 1024);
      try {
        for (;;) writeSync(file, chunk);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      } finally {
        closeSync(file);
      }
    },
    free: () => rmSync(ballast, { force: true }),
    stop,
  };
}

function serverUserIds(): [number, number] {
  const id = (flag: string) => Number(execFileSync('id', [flag, SERVER_USER], { encoding: 'utf8' }).trim());
  return [id('-u'), id('-g')];
}
