import { randomUUID } from 'node:crypto';
import type { Api, ApiResponse } from './http';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A response, or undefined when the process died under the request (connection refused or reset). */
export async function unlessKilled(call: () => Promise<ApiResponse>): Promise<ApiResponse | undefined> {
  try {
    return await call();
  } catch {
    return undefined;
  }
}

/**
 * What a process started to be killed at a fault point answers a request that
 * is to reach that point: undefined once the process is gone. A 503 (on a busy
 * machine the request's timeout can run out while its work goes on towards the
 * fault point) or a key still being resolved is asked again with the same
 * request, as a client would, until the process dies or answers otherwise.
 */
export async function answerBeforeKill(call: () => Promise<ApiResponse>, deadlineMs = 60_000): Promise<ApiResponse | undefined> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const response = await unlessKilled(call);
    if (!response) return undefined;
    if (!saysLater(response) || Date.now() > deadline) return response;
    await waitAsAsked(response);
  }
}

/** Whether an answer says "ask again later": a 503, or an idempotency key whose first request is still being resolved. */
function saysLater(response: ApiResponse): boolean {
  return response.status === 503 || response.body?.code === 'IDEMPOTENCY_KEY_IN_USE';
}

/** Waits what the answer's Retry-After asks, or a fifth of a second without one (or without an answer). */
function waitAsAsked(response: ApiResponse | undefined): Promise<unknown> {
  return sleep(Number(response?.headers.get('retry-after') ?? 0) * 1000 || 200);
}

/**
 * Asks again, as a careful client does while processes restart, until the
 * answer is not one that says "later": no answer, 503, or an idempotency key
 * still being resolved (waiting its Retry-After). The deadline is long: a key
 * whose placement was taken up by recovery in several processes killed in
 * turn waits for each restart, then for the placement's backoff (16 s after
 * five takes) to run out.
 */
export async function settledAnswer(call: () => Promise<ApiResponse>, deadlineMs = 120_000): Promise<ApiResponse> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const response = await unlessKilled(call);
    if (response && !saysLater(response)) return response;
    if (Date.now() > deadline) throw new Error(`No settled answer within ${deadlineMs} ms; last: ${response?.status} ${JSON.stringify(response?.body)}`);
    await waitAsAsked(response);
  }
}

/** An order load that runs until stopped, then answers the orders each place-order key was answered with. */
export interface RunningOrderLoad {
  stop(): Promise<Map<string, Set<string>>>;
}

/**
 * `workers` customers' worth of place, pay and cancel, each request with an
 * Idempotency-Key and asked again until settled, whatever is killed meanwhile.
 * Every placed order is asked for again with its key; a fourth of the orders
 * is left unpaid, a fourth paid and kept, the rest paid or not and cancelled.
 */
export function orderLoad(api: Api, buyers: readonly string[], products: readonly string[], workers = 6): RunningOrderLoad {
  const ordersOfKeys = new Map<string, Set<string>>();
  let stopping = false;
  const answered = (key: string, response: ApiResponse) => {
    if (response.status === 201) ordersOfKeys.set(key, new Set([...(ordersOfKeys.get(key) ?? []), response.body.id]));
  };
  const worker = async (n: number) => {
    for (let round = 0; !stopping; round++) {
      const token = buyers[(n + round) % buyers.length];
      const items = [{ productId: products[(n * 7 + round) % products.length], quantity: 1 + ((n + round) % 3) }];
      const placeKey = randomUUID();
      const place = () => api.post('/orders', { items }, { token, headers: { 'idempotency-key': placeKey } });
      const placed = await settledAnswer(place);
      answered(placeKey, placed);
      if (placed.status !== 201) continue;
      // The same key asked again, after whatever kill came in between, answers the same order.
      answered(placeKey, await settledAnswer(place));
      const choice = (n + round) % 4;
      if (choice === 0) continue;
      if (choice === 1 || choice === 2) {
        const payKey = randomUUID();
        await settledAnswer(() =>
          api.post('/payments', { orderId: placed.body.id, paymentMethod: 'pm_card_visa' }, { token, headers: { 'idempotency-key': payKey } }),
        );
      }
      if (choice !== 1) await settledAnswer(() => api.post(`/orders/${placed.body.id}/cancel`, undefined, { token }));
    }
  };
  const loops = Array.from({ length: workers }, (_, n) => worker(n));
  return {
    stop: async () => {
      stopping = true;
      await Promise.all(loops);
      return ordersOfKeys;
    },
  };
}
