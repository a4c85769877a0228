/** Yields to the event loop, as any real I/O would, so that concurrent commands interleave in tests. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A value as it would arrive over a wire: through JSON. */
export function throughJson<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}
