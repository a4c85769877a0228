import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { imageFileToUse, isOwnImage, markMaking, partialImageFile, removePartialImagesOfDeadWriters, unfinishedMakerOf, unmarkMaking } from './fresh-cluster';

describe("the machine's image of a fresh cluster", () => {
  let folder: string;
  let image: string;

  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'tessera-fresh-cluster-spec-'));
    image = join(folder, 'fresh-cluster.tar');
  });

  afterEach(() => {
    jest.restoreAllMocks();
    rmSync(folder, { recursive: true, force: true });
  });

  it('is loaded when this user wrote it and nobody else can write it', () => {
    writeFileSync(image, 'a cluster', { mode: 0o644 });
    chmodSync(image, 0o644);
    expect(isOwnImage(image)).toBe(true);
  });

  it('is not loaded when another user of the machine owns the file of that name', () => {
    writeFileSync(image, 'a cluster of theirs', { mode: 0o644 });
    chmodSync(image, 0o644);
    jest.spyOn(process, 'getuid').mockReturnValue(statSync(image).uid + 1);
    expect(isOwnImage(image)).toBe(false);
  });

  it('is not loaded when others may write it', () => {
    writeFileSync(image, 'a cluster anyone could change');
    chmodSync(image, 0o666);
    expect(isOwnImage(image)).toBe(false);
    chmodSync(image, 0o664);
    expect(isOwnImage(image)).toBe(false);
  });

  it('is not there when the name is missing or not a file', () => {
    expect(isOwnImage(image)).toBe(false);
    mkdirSync(image);
    expect(isOwnImage(image)).toBe(false);
  });

  describe('where this process looks for it', () => {
    /** The image's path in this spec's own temporary folder, never the machine's, where other processes keep theirs. */
    async function imageHere(): Promise<string> {
      jest.spyOn(os, 'tmpdir').mockReturnValue(folder);
      const file = await imageFileToUse();
      if (!file.startsWith(`${folder}/`)) throw new Error(`the image would be looked for outside ${folder}: ${file}`);
      return file;
    }

    it("keeps a copy of this user's that nobody else can write", async () => {
      const file = await imageHere();
      writeFileSync(file, 'a cluster', { mode: 0o644 });
      chmodSync(file, 0o644);
      expect(await imageFileToUse()).toBe(file);
      expect(existsSync(file)).toBe(true);
    });

    it("removes a copy of this user's that others may write, so that it is made again", async () => {
      const file = await imageHere();
      writeFileSync(file, 'a cluster written under umask 002');
      chmodSync(file, 0o664);
      await imageFileToUse();
      expect(existsSync(file)).toBe(false);
    });

    it("leaves another user's file alone", async () => {
      const file = await imageHere();
      writeFileSync(file, 'a cluster of theirs');
      chmodSync(file, 0o666);
      jest.spyOn(process, 'getuid').mockReturnValue(statSync(file).uid + 1);
      await imageFileToUse();
      expect(existsSync(file)).toBe(true);
    });
  });

  describe('the partial files of writers killed while writing it', () => {
    const DEAD = 4_000_001;
    const ALIVE = 4_000_002;
    const isAlive = (pid: number) => pid === ALIVE;

    it("are removed, and nothing else: not a live writer's, not this process's, not another image's", async () => {
      const left = [partialImageFile(image, DEAD), partialImageFile(image, DEAD + 1)];
      const kept = [partialImageFile(image, ALIVE), partialImageFile(image), `${image}.${DEAD}.partial.bak`, partialImageFile(join(folder, 'other.tar'), DEAD)];
      for (const file of [...left, ...kept, image]) writeFileSync(file, 'part of a cluster');

      await removePartialImagesOfDeadWriters(image, isAlive);

      expect(readdirSync(folder).sort()).toEqual([...kept, image].map((file) => file.slice(folder.length + 1)).sort());
    });

    it("leave another user's alone", async () => {
      const theirs = partialImageFile(image, DEAD);
      writeFileSync(theirs, 'part of a cluster of theirs');
      jest.spyOn(process, 'getuid').mockReturnValue(statSync(theirs).uid + 1);

      await removePartialImagesOfDeadWriters(image, isAlive);

      expect(existsSync(theirs)).toBe(true);
    });
  });

  describe('a folder whose cluster another process was making', () => {
    const DEAD = 4_000_001;
    const ALIVE = 4_000_002;
    const quickly = { everyMs: 5, forMs: 2000 };

    it('is whole when no mark of the making is left in it', async () => {
      markMaking(folder, ALIVE);
      unmarkMaking(folder);
      await expect(unfinishedMakerOf(folder, () => true, quickly)).resolves.toBeUndefined();
    });

    it('holds half a cluster when the process making it no longer runs, or was this one', async () => {
      markMaking(folder, DEAD);
      await expect(unfinishedMakerOf(folder, (pid) => pid === ALIVE, quickly)).resolves.toBe(DEAD);
      markMaking(folder);
      await expect(unfinishedMakerOf(folder, () => true, quickly)).resolves.toBe(process.pid);
    });

    it('is waited for while its maker runs: whole if the maker finished, half made if it ended first', async () => {
      markMaking(folder, ALIVE);
      let polls = 0;
      const finishing = unfinishedMakerOf(folder, () => ++polls < 3 || (unmarkMaking(folder), true), quickly);
      await expect(finishing).resolves.toBeUndefined();

      markMaking(folder, ALIVE);
      polls = 0;
      await expect(unfinishedMakerOf(folder, () => ++polls < 3, quickly)).resolves.toBe(ALIVE);
    });

    it('is given up on, naming the maker, when it takes far longer than initdb does', async () => {
      markMaking(folder, ALIVE);
      await expect(unfinishedMakerOf(folder, () => true, { everyMs: 5, forMs: 30 })).rejects.toThrow(
        `process ${ALIVE} has been making a new database in ${folder}`,
      );
    });
  });
});
