import { moveContext, MoveRefusal, moveRequestOf } from './move-context';

describe('moveRequestOf', () => {
  it('takes a context and the database URLs to move it from and into', () => {
    expect(moveRequestOf(['ordering', 'postgres://shop@db:5432/shop', 'postgresql://shop@ordering-db/ordering'])).toEqual({
      context: 'ordering',
      from: 'postgres://shop@db:5432/shop',
      to: 'postgresql://shop@ordering-db/ordering',
    });
  });

  it.each([
    [[], /^usage: npm run move-context -- <context> <from-database-url> <to-database-url>$/],
    [['ordering', 'postgres://db/shop'], /^usage:/],
    [['billing', 'postgres://db/shop', 'postgres://db/billing'], /^"billing" is not a context; choose one of users, catalog, ordering, payments/],
    [['ordering', 'mysql://db/shop', 'postgres://db/ordering'], /^"mysql:\/\/db\/shop" is not a postgres:\/\/ URL$/],
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
    const refusal = moveContext({ context: 'users', from: 'postgres://shop:s3cret@127.0.0.1:1/shop', to: 'postgres://shop@127.0.0.1:1/users' }, async () => {
      throw new Error('not to be reached');
    });
    await expect(refusal).rejects.toThrow(/^cannot connect to the database to move from, postgres:\/\/shop@127\.0\.0\.1:1\/shop: /);
    await expect(refusal).rejects.not.toThrow(/s3cret/);
  });
});
