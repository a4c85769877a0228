import { RmqRecord } from '@nestjs/microservices';
import { RequestExpiringSerializer } from './request-queue-options';

describe('RequestExpiringSerializer', () => {
  it("gives each request the callers' timeout of the moment as its expiration, keeping a record's own options", () => {
    let timeoutMs = 5000;
    const serializer = new RequestExpiringSerializer(() => timeoutMs);

    expect(serializer.serialize({ pattern: 'catalog.get-product', data: { productId: 'p' } })).toEqual({
      pattern: 'catalog.get-product',
      data: { productId: 'p' },
      options: { expiration: '5000' },
    });
    timeoutMs = 8000;
    expect(serializer.serialize({ pattern: 'p', data: new RmqRecord({ a: 1 }, { priority: 3 }) })).toEqual({
      pattern: 'p',
      data: { a: 1 },
      options: { priority: 3, expiration: '8000' },
    });
  });
});
