import { DomainError, ValidationError } from '@tessera/shared-kernel';
import { fromStoredRow, StoredRowRefused } from './stored-row';

describe('fromStoredRow', () => {
  it('answers what the row builds', () => {
    expect(fromStoredRow('shop.things 1', () => ({ id: '1' }))).toEqual({ id: '1' });
  });

  it('turns a domain rule the row breaks into a failure of the server naming the row, no longer a refusal of the caller', () => {
    const build = () =>
      fromStoredRow('catalog.products 7f1c', () =>
        (() => {
          throw ValidationError.of('price.currency', 'must be one of USD');
        })(),
      );
    expect(build).toThrow(StoredRowRefused);
    expect(build).toThrow('catalog.products 7f1c holds what the domain refuses (price.currency: must be one of USD)');
    expect(build).not.toThrow(DomainError);
  });

  it('leaves any other failure as it is', () => {
    const broken = new RangeError('catalog.products.stock holds 1.5, which is not a safe integer');
    expect(() =>
      fromStoredRow('catalog.products 7f1c', () => {
        throw broken;
      }),
    ).toThrow(broken);
  });
});
