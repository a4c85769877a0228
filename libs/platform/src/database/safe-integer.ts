/**
 * A bigint or integer column as a number, refusing any value a number cannot
 * hold exactly (pg returns bigint as a string). `column` names it in the error,
 * as `<schema>.<table>.<column>`.
 */
export function toSafeInteger(value: string | number, column: string): number {
  const number = typeof value === 'number' ? value : /^-?\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(number)) throw new RangeError(`${column} holds ${value}, which is not a safe integer`);
  return number;
}
