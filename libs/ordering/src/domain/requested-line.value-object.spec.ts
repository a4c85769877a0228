import { ValidationError } from '@tessera/shared-kernel';
import { RequestedLine } from './requested-line.value-object';

const MUG = '11111111-1111-4111-8111-111111111111';
const TEE = '22222222-2222-4222-8222-222222222222';

const problemsOf = (items: unknown): string[] => {
  try {
    RequestedLine.listFrom(items);
  } catch (error) {
    if (error instanceof ValidationError) return error.problems.map((problem) => problem.field);
    throw error;
  }
  return [];
};

describe('RequestedLine.listFrom', () => {
  it('merges the items of one product, whatever the case of its id, keeping the first place', () => {
    const lines = RequestedLine.listFrom([
      { productId: MUG, quantity: 2 },
      { productId: TEE, quantity: 1 },
      { productId: MUG.toUpperCase(), quantity: 3 },
    ]);

    expect(lines.map((line) => line.toJSON())).toEqual([
      { productId: MUG, quantity: 5 },
      { productId: TEE, quantity: 1 },
    ]);
  });

  it('accepts 50 items and quantities of 1 and 1000', () => {
    const items = Array.from({ length: 50 }, (_, index) => ({
      productId: `${String(index).padStart(8, '0')}-1111-4111-8111-111111111111`,
      quantity: index === 0 ? 1000 : 1,
    }));
    expect(RequestedLine.listFrom(items)).toHaveLength(50);
  });

  it.each([
    ['no items', []],
    ['51 items', Array.from({ length: 51 }, () => ({ productId: MUG, quantity: 1 }))],
    ['items that are not a list', { productId: MUG, quantity: 1 }],
    ['no items at all', undefined],
  ])('refuses %s', (_case, items) => {
    expect(problemsOf(items)).toEqual(['items']);
  });

  it('names every bad field at once', () => {
    expect(
      problemsOf([
        { productId: 'mug', quantity: 1 },
        { productId: TEE, quantity: 0 },
        { productId: TEE, quantity: 2.5 },
        null,
        { productId: MUG, quantity: '3' },
      ]),
    ).toEqual(['items.0.productId', 'items.1.quantity', 'items.2.quantity', 'items.3.productId', 'items.3.quantity', 'items.4.quantity']);
  });

  it('refuses items of one product that add up to more than 1000', () => {
    expect(
      problemsOf([
        { productId: MUG, quantity: 1000 },
        { productId: MUG, quantity: 1 },
      ]),
    ).toEqual(['items']);
  });
});
