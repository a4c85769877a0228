import { untilPasses } from './eventually';
import type { Api, ApiResponse } from './http';

/** One request a load worker made: what it was, when it started and ended (ms since the epoch), and what came back. */
export interface LoadSample {
  label: string;
  startedAt: number;
  endedAt: number;
  status: number;
  /** The problem's code, or the network error's message when no answer came at all. */
  code?: string;
}

/** A load that runs until stopped; `stop()` waits for the requests in flight and answers every sample. */
export interface RunningLoad {
  /** Samples so far, while it runs. */
  readonly samples: readonly LoadSample[];
  stop(): Promise<LoadSample[]>;
}

/**
 * Runs `workers` loops at once, each calling `request` again as soon as its
 * last one answered (after `pauseMs`), until stopped. A request that throws
 * (no HTTP answer at all) is kept as status 0, so a test sees it like any other
 * failure.
 */
export function steadyLoad(
  workers: number,
  request: (worker: number, iteration: number) => Promise<{ label: string; response: ApiResponse }>,
  pauseMs = 0,
): RunningLoad {
  const samples: LoadSample[] = [];
  let running = true;
  const loops = Array.from({ length: workers }, async (_, worker) => {
    for (let iteration = 0; running; iteration++) {
      const startedAt = Date.now();
      try {
        const { label, response } = await request(worker, iteration);
        samples.push({ label, startedAt, endedAt: Date.now(), status: response.status, code: response.body?.code });
      } catch (error) {
        samples.push({ label: 'unanswered', startedAt, endedAt: Date.now(), status: 0, code: (error as Error).message });
      }
      if (pauseMs > 0 && running) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  });
  return {
    samples,
    stop: async () => {
      running = false;
      await Promise.all(loops);
      return samples;
    },
  };
}

/** The samples that did not succeed (not 2xx), as short lines a failing assertion can print. */
export function failuresOf(samples: readonly LoadSample[], origin = 0): string[] {
  return samples
    .filter((sample) => sample.status < 200 || sample.status > 299)
    .map((sample) => `${sample.label}: ${sample.status} ${sample.code ?? ''} (from +${sample.startedAt - origin} ms to +${sample.endedAt - origin} ms)`);
}

/**
 * What a rolling update of one process costs customers: `workers` loops place
 * orders for `productIds` as the customer of `token`, `stop` runs once both
 * replicas are surely at work, and the load goes on until 40 more orders were
 * started after it. Answers the orders that failed from the stop on.
 */
export async function ordersFailedAcrossStop(
  api: Api,
  token: string,
  productIds: readonly string[],
  stop: () => Promise<void>,
  workers = 8,
): Promise<string[]> {
  const orders = steadyLoad(workers, async (worker, iteration) => ({
    label: 'POST /orders',
    response: await api.post('/orders', { items: [{ productId: productIds[(worker + iteration) % productIds.length], quantity: 1 }] }, { token }),
  }));
  // Counted, not timed: the stop comes once every process is surely in the middle of the load.
  await untilPasses(() => expect(orders.samples.length).toBeGreaterThan(40), 30_000, 20);
  const stoppedAt = Date.now();
  await stop();
  await untilPasses(() => expect(orders.samples.filter((order) => order.startedAt > stoppedAt).length).toBeGreaterThan(40), 30_000, 50);
  return failuresOf(await orders.stop(), stoppedAt);
}
