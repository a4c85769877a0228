/**
 * Copies a value the way a network transport would, as
 * `JSON.parse(JSON.stringify(value))` does: nothing crosses an in-process
 * boundary by reference, a Date arrives as a string (any `toJSON` is asked),
 * `undefined`, functions and symbols are dropped (null in an array), a
 * number that is not finite arrives as null, a class instance as a plain
 * object of its own enumerable properties; a cycle or a BigInt fails with
 * the TypeError JSON.stringify throws. It copies without writing the text
 * and parsing it back, which cost most of an in-process hop's copy: 5 times
 * less for a request's envelope, half for an order (docs/performance.md).
 */
export function throughTheWire<T>(value: T): T {
  if (value === undefined) return value;
  const copy = jsonCopyOf(value, '', []);
  // What JSON.stringify cannot write (a function, a symbol) JSON.parse would refuse.
  if (copy === undefined) throw new SyntaxError(`"undefined" is not valid JSON`);
  return copy as T;
}

/**
 * The value `JSON.parse` would read back for `holder[key] = value`, or
 * undefined where JSON.stringify writes nothing. `ancestors` are the objects
 * being copied around it, as JSON.stringify's stack, to tell a cycle from a
 * value met twice.
 */
function jsonCopyOf(value: unknown, key: string | number, ancestors: object[]): unknown {
  if ((typeof value === 'object' && value !== null) || typeof value === 'function' || typeof value === 'bigint') {
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') value = toJSON.call(value, String(key));
  }
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      // -0 is written as 0.
      return Number.isFinite(value) ? value + 0 : null;
    case 'bigint':
      throw new TypeError('Do not know how to serialize a BigInt');
    case 'object':
      if (value === null) return null;
      return objectCopyOf(value, ancestors);
    default:
      return undefined;
  }
}

function objectCopyOf(value: object, ancestors: object[]): unknown {
  if (value instanceof Number) return jsonCopyOf(Number(value), '', ancestors);
  if (value instanceof String) return String(value);
  if (value instanceof Boolean) return value.valueOf();
  if (value instanceof BigInt) throw new TypeError('Do not know how to serialize a BigInt');
  if (ancestors.includes(value)) throw new TypeError('Converting circular structure to JSON');
  ancestors.push(value);
  let copy: unknown[] | Record<string, unknown>;
  if (Array.isArray(value)) {
    const length = value.length;
    copy = new Array<unknown>(length);
    for (let index = 0; index < length; index++) {
      const item = jsonCopyOf(value[index], index, ancestors);
      copy[index] = item === undefined ? null : item;
    }
  } else {
    copy = {};
    for (const key of Object.keys(value)) {
      const item = jsonCopyOf((value as Record<string, unknown>)[key], key, ancestors);
      if (item === undefined) continue;
      // JSON.parse makes `__proto__` an own property; an assignment would set the copy's prototype.
      if (key === '__proto__') Object.defineProperty(copy, key, { value: item, writable: true, enumerable: true, configurable: true });
      else copy[key] = item;
    }
  }
  ancestors.pop();
  return copy;
}
