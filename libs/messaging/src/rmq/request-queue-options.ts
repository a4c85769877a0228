/**
 * How the request queues are declared, the same by clients and servers (the
 * broker refuses a second declaration that differs). A request nobody took
 * within the callers' timeout expires instead of running long after its
 * caller gave up.
 */
export function requestQueueOptions(requestTimeoutMs: number) {
  return { durable: true, arguments: { 'x-message-ttl': requestTimeoutMs } };
}
