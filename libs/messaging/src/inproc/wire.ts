/**
 * Copies a value the way a network transport would: through JSON, so that
 * nothing crosses an in-process boundary by reference and a Date arrives as a string.
 */
export function throughTheWire<T>(value: T): T {
  if (value === undefined) return value;
  return JSON.parse(JSON.stringify(value)) as T;
}
