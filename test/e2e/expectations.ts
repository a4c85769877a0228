import type { ApiResponse } from '../harness/http';

/** The response is a problem+json of this status and code, with no stack trace or SQL in it. */
export function expectProblem(response: ApiResponse, status: number, code: string): void {
  expect({ status: response.status, code: response.body?.code }).toEqual({ status, code });
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(response.body).toEqual(expect.objectContaining({ type: expect.any(String), title: expect.any(String), status, detail: expect.any(String), code }));
  expect(JSON.stringify(response.body)).not.toMatch(/at .+\.(js|ts):\d+|SELECT |INSERT |relation "/);
}

/** The responses are one problem (status, type, title, detail and code alike), so a client cannot tell their causes apart. */
export function expectOneProblem(...responses: ApiResponse[]): void {
  const [first, ...others] = responses.map(({ status, body }) => ({ status, type: body?.type, title: body?.title, detail: body?.detail, code: body?.code }));
  for (const other of others) expect(other).toEqual(first);
}

/** Polls `read` until `done` holds of its value, answering that value; fails with the last one read after `timeoutMs`. */
export async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value)) {
    if (Date.now() > deadline) throw new Error(`Still not there after ${timeoutMs} ms: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    value = await read();
  }
  return value;
}
