import fc from 'fast-check';
import { throughTheWire } from './wire';

/** What a network transport delivers: the value written as JSON and read back. */
const overJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

/**
 * Whether two values read back from JSON are the same: the same prototypes,
 * the same own keys in the same order, the same primitives (Object.is). Jest's
 * toStrictEqual compares `constructor`, which a value may have as a key.
 */
function sameJsonValue(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return Object.is(a, b);
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const keys = Reflect.ownKeys(a);
  const otherKeys = Reflect.ownKeys(b);
  if (keys.length !== otherKeys.length || keys.some((key, n) => key !== otherKeys[n])) return false;
  return keys.every((key) => sameJsonValue(Object.getOwnPropertyDescriptor(a, key)?.value, Object.getOwnPropertyDescriptor(b, key)?.value));
}

/** Every object reachable from `value`, to tell that a copy shares none of them. */
function objectsIn(value: unknown, found = new Set<object>()): Set<object> {
  if (typeof value !== 'object' || value === null || found.has(value)) return found;
  found.add(value);
  for (const key of Object.keys(value)) objectsIn((value as Record<string, unknown>)[key], found);
  return found;
}

describe('throughTheWire', () => {
  it('delivers whatever JSON would, key order included, for any value JSON can write', () => {
    const values = fc.anything({
      withBoxedValues: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withNullPrototype: true,
      withObjectString: true,
      withSparseArray: true,
      withTypedArray: true,
      withUnicodeString: true,
      key: fc.oneof(fc.string(), fc.constantFrom('__proto__', 'toJSON', 'constructor', '0', '1', 'length')),
    });
    fc.assert(
      fc.property(values, (value) => {
        if (value === undefined || JSON.stringify(value) === undefined) return;
        const copy = throughTheWire(value);
        expect(sameJsonValue(copy, overJson(value))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('shares no object with what was sent, so neither side can change the other by reference', () => {
    const sent = { order: { items: [{ productId: 'p-1', quantity: 2 }] }, tags: ['a'] };
    const received = throughTheWire(sent);
    const ofSent = objectsIn(sent);
    for (const object of objectsIn(received)) expect(ofSent.has(object)).toBe(false);
  });

  it('asks toJSON with the key it is written under, as a Date does', () => {
    const keys: string[] = [];
    const recorder = {
      toJSON(key: string) {
        keys.push(key);
        return `at ${key}`;
      },
    };
    const at = new Date('2026-12-01T07:00:00.000Z');
    expect(throughTheWire({ at, recorder, list: [recorder] })).toEqual({ at: '2026-12-01T07:00:00.000Z', recorder: 'at recorder', list: ['at 0'] });
    expect(keys).toEqual(['recorder', '0']);
    expect(throughTheWire(new Date(Number.NaN))).toBeNull();
  });

  it('drops what JSON cannot write, writes null where an array holds it, and -0 as 0', () => {
    const symbolKey = Symbol('hidden');
    const value = {
      gone: undefined,
      fn: () => 1,
      [symbolKey]: 'no',
      list: [undefined, () => 1, Symbol('s'), Number.NaN, Number.POSITIVE_INFINITY, -0],
      zero: -0,
    };
    const copy = throughTheWire(value);
    expect(copy).toStrictEqual({ list: [null, null, null, null, null, 0], zero: 0 });
    expect(Object.is(copy.zero, 0)).toBe(true);
  });

  it('keeps `__proto__` a property of its own, as JSON.parse does, not the copy prototype', () => {
    const value = JSON.parse('{"__proto__": {"admin": true}, "name": "x"}') as Record<string, unknown>;
    const copy = throughTheWire(value);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect((copy as { admin?: unknown }).admin).toBeUndefined();
    expect(Object.getOwnPropertyDescriptor(copy, '__proto__')?.value).toEqual({ admin: true });
  });

  it('fails as JSON.stringify does on a cycle and on a BigInt, and copies a value met twice', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = { back: cyclic };
    expect(() => throughTheWire(cyclic)).toThrow(TypeError);
    expect(() => throughTheWire({ amount: 10n })).toThrow(TypeError);
    const shared = { id: 1 };
    expect(throughTheWire({ a: shared, b: [shared] })).toEqual({ a: { id: 1 }, b: [{ id: 1 }] });
  });

  it('answers undefined for undefined, and refuses what JSON cannot read back, as JSON.parse does', () => {
    expect(throughTheWire(undefined)).toBeUndefined();
    expect(() => throughTheWire(() => 1)).toThrow(SyntaxError);
    expect(() => throughTheWire(Symbol('s'))).toThrow(SyntaxError);
  });
});
