import { isUuid } from './uuid';

describe('isUuid', () => {
  it('accepts a UUID in either case', () => {
    expect(isUuid('7b0f9a0e-5d2c-4c1e-8f3a-6a1b2c3d4e5f')).toBe(true);
    expect(isUuid('7B0F9A0E-5D2C-4C1E-8F3A-6A1B2C3D4E5F')).toBe(true);
  });

  it('refuses anything else, an injection attempt and a non-string included', () => {
    expect(isUuid("x' OR 1=1 --")).toBe(false);
    expect(isUuid('7b0f9a0e-5d2c-4c1e-8f3a-6a1b2c3d4e5')).toBe(false);
    expect(isUuid(' 7b0f9a0e-5d2c-4c1e-8f3a-6a1b2c3d4e5f')).toBe(false);
    expect(isUuid(42)).toBe(false);
    expect(isUuid(undefined)).toBe(false);
  });
});
