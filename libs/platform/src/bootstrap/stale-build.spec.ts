import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { staleBuildWarning } from './stale-build';

describe('the stale build warning', () => {
  let root: string;
  const dist = () => join(root, 'dist');

  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'tessera-stale-build-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  function file(path: string, minutesAgo: number): void {
    const full = join(root, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, '');
    const time = new Date(Date.now() - minutesAgo * 60_000);
    utimesSync(full, time, time);
  }

  function checkout(sourceMinutesAgo: number, buildMinutesAgo: number): void {
    file('apps/monolith/src/main.ts', 60);
    file('libs/catalog/src/catalog.module.ts', sourceMinutesAgo);
    file('dist/apps/monolith/src/main.js', buildMinutesAgo);
    file('dist/libs/catalog/src/catalog.module.js', buildMinutesAgo);
  }

  it('says nothing when the build is newer than every source', () => {
    checkout(30, 10);
    expect(staleBuildWarning(dist())).toBeUndefined();
  });

  it('names the newest source changed since the build, and what to run', () => {
    checkout(5, 10);
    expect(staleBuildWarning(dist())).toMatch(
      /older than the sources \(libs\/catalog\/src\/catalog\.module\.ts changed since\).*npm run build.*npm run start:dev/,
    );
  });

  it('leaves out specs and test helpers, which the build does not compile', () => {
    checkout(30, 10);
    file('libs/catalog/src/catalog.module.spec.ts', 1);
    file('libs/messaging/src/testing/fakes.ts', 1);
    expect(staleBuildWarning(dist())).toBeUndefined();
  });

  it('says nothing where the sources are not beside the build, as in the image', () => {
    file('dist/apps/monolith/src/main.js', 10);
    expect(staleBuildWarning(dist())).toBeUndefined();
  });

  it('says nothing when the process does not run from dist/ (jest, from the sources)', () => {
    checkout(5, 10);
    expect(staleBuildWarning(join(root, 'libs'))).toBeUndefined();
  });
});
