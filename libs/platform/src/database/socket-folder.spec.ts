import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { newSocketFolder } from './socket-folder';

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
});
