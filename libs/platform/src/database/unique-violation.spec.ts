import { QueryFailedError } from 'typeorm';
import { isUniqueViolation } from './unique-violation';

describe('isUniqueViolation', () => {
  const failed = (driverError: Record<string, unknown>) => new QueryFailedError('INSERT ...', [], Object.assign(new Error('duplicate key'), driverError));

  it('recognises a unique violation on the named constraint only', () => {
    expect(isUniqueViolation(failed({ code: '23505', constraint: 'things_sku_key' }), 'things_sku_key')).toBe(true);
    expect(isUniqueViolation(failed({ code: '23505', constraint: 'things_other_key' }), 'things_sku_key')).toBe(false);
  });

  it('does not take another failure for one', () => {
    expect(isUniqueViolation(failed({ code: '23503', constraint: 'things_sku_key' }), 'things_sku_key')).toBe(false);
    expect(isUniqueViolation(Object.assign(new Error('duplicate key'), { code: '23505', constraint: 'things_sku_key' }), 'things_sku_key')).toBe(false);
    expect(isUniqueViolation(undefined, 'things_sku_key')).toBe(false);
  });
});
