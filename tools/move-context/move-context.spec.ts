import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { moveContext } from './move-context';
import { MoveRefusal, moveRequestOf } from './move-request';

describe('moveRequestOf', () => {
  it('takes a context and the database URLs to move it from and into', () => {
    expect(moveRequestOf(['ordering', 'postgres://shop@db:5432/shop', 'postgresql://shop@ordering-db/ordering'])).toEqual({
      context: 'ordering',
      from: 'postgres://shop@db:5432/shop',
      embedded: false,
      to: 'postgresql://shop@ordering-db/ordering',
    });
  });

  it("takes an embedded database's folder to move from, as an absolute path", () => {
    const folder = mkdtempSync(join(tmpdir(), 'move-context-'));
    writeFileSync(join(folder, 'PG_VERSION'), '18\n');
    try {
      expect(moveRequestOf(['catalog', relative(process.cwd(), folder), 'postgres://shop@db/catalog'])).toEqual({
        context: 'catalog',
        from: folder,
        embedded: true,
        to: 'postgres://shop@db/catalog',
      });
    } finally {
      rmSync(folder, { recursive: true });
    }
  });

  it.each([
    [[], /^usage: npm run move-context -- <context> <from-database-url or embedded-database-folder> <to-database-url>$/],
    [['ordering', 'postgres://db/shop'], /^usage:/],
    [['billing', 'postgres://db/shop', 'postgres://db/billing'], /^"billing" is not a context; choose one of users, catalog, ordering, payments/],
    [['ordering', 'mysql://db/shop', 'postgres://db/ordering'], /^"mysql:\/\/db\/shop" is not a postgres:\/\/ URL$/],
    [['ordering', '.data/db', 'mysql://root:s3cret@db/ordering'], /^"mysql:\/\/root@db\/ordering" is not a postgres:\/\/ URL$/],
    [
      ['ordering', 'no-such-folder', 'postgres://db/ordering'],
      /no-such-folder is not an embedded database's folder \(EMBEDDED_DB_DIR\), nor is "no-such-folder" a postgres:\/\/ URL$/,
    ],
    [
      ['ordering', 'postgres://shop:s3cret@db/shop', 'postgres://other:s3cret@db:5432/shop'],
      /^postgres:\/\/shop@db\/shop and postgres:\/\/other@db:5432\/shop are the same database$/,
    ],
  ])('refuses %j, saying why without a password', (args, reason) => {
    expect(() => moveRequestOf(args)).toThrow(MoveRefusal);
    expect(() => moveRequestOf(args)).toThrow(reason);
    expect(() => moveRequestOf(args)).not.toThrow(/s3cret/);
  });
});

describe('moveContext', () => {
  it('refuses a database it cannot reach, naming which one without its password', async () => {
    const request = { context: 'users' as const, from: 'postgres://shop:s3cret@127.0.0.1:1/shop', embedded: false, to: 'postgres://shop@127.0.0.1:1/users' };
    const refusal = moveContext(request, async () => {
      throw new Error('not to be reached');
    });
    await expect(refusal).rejects.toThrow(/^cannot connect to the database to move from, postgres:\/\/shop@127\.0\.0\.1:1\/shop: /);
    await expect(refusal).rejects.not.toThrow(/s3cret/);
  });
});
