import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isOwnImage } from './fresh-cluster';

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
});
