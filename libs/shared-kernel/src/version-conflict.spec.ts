import { DomainError } from './domain-error';
import { retryOnVersionConflict, VERSION_CONFLICT_ATTEMPTS, VersionConflictError } from './version-conflict';

describe('retryOnVersionConflict', () => {
  it('tries again after a lost save and answers the attempt that won', async () => {
    let attempts = 0;
    const result = await retryOnVersionConflict(async () => {
      attempts += 1;
      if (attempts < 3) throw new VersionConflictError('changed');
      return 'saved';
    });
    expect({ result, attempts }).toEqual({ result: 'saved', attempts: 3 });
  });

  it('gives up with CONCURRENT_MODIFICATION when every attempt loses', async () => {
    let attempts = 0;
    const outcome = retryOnVersionConflict(async () => {
      attempts += 1;
      throw new VersionConflictError('changed');
    });
    await expect(outcome).rejects.toMatchObject({ code: 'CONCURRENT_MODIFICATION' });
    await expect(outcome).rejects.toBeInstanceOf(DomainError);
    expect(attempts).toBe(VERSION_CONFLICT_ATTEMPTS);
  });

  it('does not retry other failures', async () => {
    let attempts = 0;
    await expect(
      retryOnVersionConflict(async () => {
        attempts += 1;
        throw new DomainError('INSUFFICIENT_STOCK', 'no');
      }),
    ).rejects.toMatchObject({ code: 'INSUFFICIENT_STOCK' });
    expect(attempts).toBe(1);
  });
});
