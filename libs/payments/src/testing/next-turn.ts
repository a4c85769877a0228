/** Yields to the event loop, as any real I/O would, so that concurrent commands interleave in tests. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
