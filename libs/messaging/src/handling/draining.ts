/** How long a stopping process keeps answering the requests it has already taken, on every transport. */
export const DRAIN_MS = 5000;

/** Resolves once every one of `work` has settled, or after `ms`, whichever comes first: a drain must not hang a stop. */
export async function settledWithin(work: Iterable<Promise<unknown>>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.allSettled(work), new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/** Resolves once `condition` holds, asked every 20 ms, or after `ms`, whichever comes first. */
export async function untilWithin(condition: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
}
