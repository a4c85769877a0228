import { findJsonBodyProblem, MAX_JSON_DEPTH, MAX_JSON_MEMBERS } from './json-body-inspection';

/** `levels` arrays inside one another, as JSON text: `[[[]]]` is 3 levels. */
function nestedArrays(levels: number): string {
  return '['.repeat(levels) + ']'.repeat(levels);
}

/** `levels` objects inside one another under the key `a`, the innermost holding `inner`. */
function nestedObjects(levels: number, inner: unknown = 1): unknown {
  let value = inner;
  for (let level = 0; level < levels; level += 1) value = { a: value };
  return value;
}

describe('findJsonBodyProblem', () => {
  it.each([
    ['an ordinary body', { sku: 'TEE', price: { amount: 1999, currency: 'USD' }, items: [{ productId: 'p', quantity: 2 }] }],
    ['scalars', 5],
    ['null', null],
    ['an empty object', {}],
    ['emoji, accents and CJK, written as surrogate pairs or not', { name: 'Caf\u00e9 \ud83d\ude00 \u6771\u4eac', note: '\ud834\udd1e' }],
    [`${MAX_JSON_DEPTH} levels of arrays`, JSON.parse(nestedArrays(MAX_JSON_DEPTH))],
    [`${MAX_JSON_DEPTH} levels of objects`, nestedObjects(MAX_JSON_DEPTH)],
  ])('finds nothing wrong with %s', (_name, body) => {
    expect(findJsonBodyProblem(body)).toBeUndefined();
  });

  it.each([
    [`${MAX_JSON_DEPTH + 1} levels of arrays`, JSON.parse(nestedArrays(MAX_JSON_DEPTH + 1))],
    [`${MAX_JSON_DEPTH + 1} levels of objects`, nestedObjects(MAX_JSON_DEPTH + 1)],
    ['objects and arrays in turn, too deep', JSON.parse('{"a":['.repeat(17) + ']}'.repeat(17))],
    ['a deep branch beside a shallow one', { shallow: 1, deep: nestedObjects(MAX_JSON_DEPTH) }],
  ])('refuses %s as nested too deeply, naming the body', (_name, body) => {
    expect(findJsonBodyProblem(body)).toEqual({ field: 'body', message: expect.stringMatching(/nested too deeply.*32 levels/) });
  });

  it('walks 100,000 levels without overflowing its own stack', () => {
    const body = JSON.parse(nestedArrays(100_000));
    expect(findJsonBodyProblem(body)).toMatchObject({ field: 'body' });
  });

  /** An object of `count` members `k0`, `k1`, … */
  function membersNamed(count: number): Record<string, number> {
    return Object.fromEntries(Array.from({ length: count }, (_, index) => [`k${index}`, 1]));
  }

  it.each([
    ['an order of 50 lines', { items: Array.from({ length: 50 }, (_, index) => ({ productId: `p-${index}`, quantity: 1 })) }],
    [`${MAX_JSON_MEMBERS} members in one object`, membersNamed(MAX_JSON_MEMBERS)],
    [`${MAX_JSON_MEMBERS} members over two levels`, { a: membersNamed(MAX_JSON_MEMBERS - 2), b: [] }],
  ])('takes %s', (_name, body) => {
    expect(findJsonBodyProblem(body)).toBeUndefined();
  });

  it.each([
    [`${MAX_JSON_MEMBERS + 1} members in one object`, membersNamed(MAX_JSON_MEMBERS + 1)],
    ['80,000 unknown members, as fit in 1 MiB', membersNamed(80_000)],
    [`an array of ${MAX_JSON_MEMBERS + 1} numbers`, Array.from({ length: MAX_JSON_MEMBERS + 1 }, () => 1)],
    ['an order of 300,000 lines', { items: Array.from({ length: 300_000 }, () => ({ productId: 'p', quantity: 1 })) }],
    ['members spread over many small objects', { items: Array.from({ length: 400 }, () => ({ productId: 'p', quantity: 1 })) }],
  ])('refuses %s as too many members, naming the body', (_name, body) => {
    expect(findJsonBodyProblem(body)).toEqual({ field: 'body', message: expect.stringMatching(/too many members: at most 1000 /) });
  });

  it.each([
    ['a top-level field', JSON.parse('{"name":"Ada\\ud800"}'), 'name'],
    ['a low surrogate alone', JSON.parse('{"name":"\\udc00Ada"}'), 'name'],
    ['two high surrogates in a row', JSON.parse('{"name":"\\ud83d\\ud83d"}'), 'name'],
    ['a nested field', JSON.parse('{"price":{"amount":1,"currency":"US\\ud800"}}'), 'price.currency'],
    ['an array element', JSON.parse('{"items":[{"productId":"a"},{"productId":"\\udfff"}]}'), 'items.1.productId'],
    ['a string body', JSON.parse('"\\ud800"'), 'body'],
    ['an element of an array body', JSON.parse('["ok","\\ud800"]'), '1'],
  ])('refuses a lone surrogate in %s, naming the field', (_name, body, field) => {
    expect(findJsonBodyProblem(body)).toEqual({ field, message: `${field} must be well-formed Unicode text: it contains a lone UTF-16 surrogate` });
  });

  it('refuses a lone surrogate in a member name, naming it escaped', () => {
    const problem = findJsonBodyProblem(JSON.parse('{"price":{"\\ud800":1}}'));
    expect(problem?.field).toBe('price.\\ud800');
    expect(problem?.message).toMatch(/lone UTF-16 surrogate/);
    expect(JSON.stringify(problem)).not.toMatch(/[\ud800-\udfff]/);
  });
});
