import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { newSocketFolder, removeSocketFolder } from './socket-folder';

const RUN_TYPESCRIPT = join(__dirname, '..', '..', '..', '..', 'test', 'harness', 'run-typescript.js');

/**
 * What a process does around an early start, in a process of its own (require() is jest's in a spec): it loads a
 * package through a node_modules that is a link, removes socket folders (a dead process's as a start does, then its
 * own as a stop does), a socket listening in each, and loads another file of that package after each. Prints the
 * paths the two files loaded from.
 */
const PROBE = (socketFolder: string) => `
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { newSocketFolder, removeSocketFolder } from ${JSON.stringify(socketFolder)};

const root = process.argv[3];
const listening = (folder: string) => new Promise<void>((resolve) => createServer().listen(join(folder, '.s.PGSQL.5432'), resolve).unref());
const file = (path: string, source: string) => writeFileSync(join(root, path), source);

async function main() {
  mkdirSync(join(root, 'real', 'node_modules', 'package'), { recursive: true });
  for (const name of ['index', 'after-start', 'after-stop']) file(\`real/node_modules/package/\${name}.js\`, 'module.exports = __filename;');
  mkdirSync(join(root, 'app', 'started'), { recursive: true });
  mkdirSync(join(root, 'app', 'stopped'));
  symlinkSync(join(root, 'real', 'node_modules'), join(root, 'app', 'node_modules'), 'dir');
  file('app/first.js', "module.exports = require('package');");
  file('app/started/second.js', "module.exports = require('package/after-start');");
  file('app/stopped/third.js', "module.exports = require('package/after-stop');");
  const dead = join(root, 'sockets', 'tessera-pg-4000001-AbC123');
  mkdirSync(dead, { recursive: true });
  await listening(dead);

  require(join(root, 'app', 'first.js'));
  const mine = newSocketFolder(join(root, 'sockets'), () => false);
  const afterStart = require(join(root, 'app', 'started', 'second.js'));
  await listening(mine);
  removeSocketFolder(mine);
  const afterStop = require(join(root, 'app', 'stopped', 'third.js'));
  process.stdout.write(JSON.stringify({ afterStart, afterStop }));
}

void main();
`;

describe('newSocketFolder', () => {
  let parent: string;
  const DEAD = 4_000_001;
  const ALIVE = 4_000_002;
  const isAlive = (pid: number) => pid === ALIVE || pid === process.pid;

  beforeEach(async () => {
    parent = await mkdtemp(join(tmpdir(), 'socket-folder-spec-'));
  });

  afterEach(() => rm(parent, { recursive: true, force: true }));

  it('makes a new folder named after this process each time it is asked', async () => {
    const first = await newSocketFolder(parent, isAlive);
    const second = await newSocketFolder(parent, isAlive);

    expect(first).not.toBe(second);
    expect(basename(first)).toMatch(new RegExp(`^tessera-pg-${process.pid}-`));
    expect((await readdir(parent)).sort()).toEqual([basename(first), basename(second)].sort());
  });

  it('removes the folders that processes which no longer run left behind, with what is in them', async () => {
    await mkdir(join(parent, `tessera-pg-${DEAD}-AbC123`, 'stale'), { recursive: true });
    await mkdir(join(parent, `tessera-pg-${ALIVE}-xYz789`));

    const mine = await newSocketFolder(parent, isAlive);

    expect((await readdir(parent)).sort()).toEqual([`tessera-pg-${ALIVE}-xYz789`, basename(mine)].sort());
  });

  it("leaves alone what it cannot tell is a dead process's: other names, and folders of the old unnamed kind", async () => {
    const others = ['tessera-pg-Qw3rTy', `tessera-pg-${DEAD}`, `tessera-pglite-${DEAD}-fresh-cluster.tar`, `something-${DEAD}-AbC123`];
    for (const name of others) await mkdir(join(parent, name));

    const mine = await newSocketFolder(parent, isAlive);

    expect((await readdir(parent)).sort()).toEqual([...others, basename(mine)].sort());
  });

  it('leaves require() following symlinks after it removed a socket, so that no package loads a second time', async () => {
    const root = await realpath(parent);
    const probe = join(root, 'probe.ts');
    await writeFile(probe, PROBE(join(__dirname, 'socket-folder')));

    const { stdout } = await promisify(execFile)(process.execPath, [RUN_TYPESCRIPT, probe, root]);

    const real = join(root, 'real', 'node_modules', 'package');
    expect(JSON.parse(stdout)).toEqual({ afterStart: join(real, 'after-start.js'), afterStop: join(real, 'after-stop.js') });
  });
});

describe('removeSocketFolder', () => {
  let parent: string;

  beforeEach(async () => {
    parent = await mkdtemp(join(tmpdir(), 'socket-folder-spec-'));
  });

  afterEach(() => rm(parent, { recursive: true, force: true }));

  it('removes the folder with the files and folders in it, and takes one already gone as removed', async () => {
    const folder = join(parent, 'tessera-pg-1-AbC123');
    await mkdir(join(folder, 'inner', 'deeper'), { recursive: true });
    await writeFile(join(folder, '.s.PGSQL.5432.lock'), '1\n');
    await writeFile(join(folder, 'inner', 'file'), '');

    removeSocketFolder(folder);
    removeSocketFolder(folder);

    expect(await readdir(parent)).toEqual([]);
  });
});
