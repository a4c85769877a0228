import { isDemoDataWanted } from './demo-data-wanted';

describe('isDemoDataWanted', () => {
  it.each([
    ['development', undefined, true],
    ['test', undefined, true],
    [undefined, undefined, true],
    ['development', false, false],
    ['development', 'false', false],
    ['development', true, true],
    ['production', undefined, false],
    ['production', false, false],
    ['production', 'FALSE', false],
    ['production', true, true],
    ['production', 'true', true],
  ])('NODE_ENV=%s SEED_DEMO_DATA=%s: %s', (nodeEnv, seedDemoData, wanted) => {
    expect(isDemoDataWanted(nodeEnv, seedDemoData)).toBe(wanted);
  });
});
