import { RepeatedFailureLog } from './repeated-failure-log';

function capturingLogger() {
  const lines: string[] = [];
  const logger = {
    log: (message: string) => lines.push(`log ${message}`),
    warn: (message: string) => lines.push(`warn ${message}`),
    error: (message: string) => lines.push(`error ${message}`),
  };
  return { lines, logger };
}

describe('RepeatedFailureLog', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('logs the first failure of a reason at once and the same reason again once a minute, with how often it came back', () => {
    const { lines, logger } = capturingLogger();
    const failures = new RepeatedFailureLog(logger, 'Publishing pending events');

    failures.failed(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
    for (let second = 1; second < 60; second++) {
      jest.advanceTimersByTime(1000);
      failures.failed(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
    }
    expect(lines).toEqual(['warn Publishing pending events failed: connect ECONNREFUSED 127.0.0.1:5432']);

    jest.advanceTimersByTime(1000);
    expect(lines).toEqual([
      'warn Publishing pending events failed: connect ECONNREFUSED 127.0.0.1:5432',
      'warn Publishing pending events failed 59 more times in the last 60 s: connect ECONNREFUSED 127.0.0.1:5432',
    ]);
  });

  it('logs another reason at once, and names what the last failure of a reason was about', () => {
    const { lines, logger } = capturingLogger();
    const failures = new RepeatedFailureLog(logger, 'Delivering an event', { level: 'error', quietMs: 10_000 });

    failures.failed(new Error('not taken by payments (CONTEXT_UNAVAILABLE)'), 'ordering.order.cancelled 1');
    failures.failed(new Error('not taken by payments (CONTEXT_UNAVAILABLE)'), 'ordering.order.cancelled 2');
    failures.failed(new Error('not taken by catalog (CONTEXT_UNAVAILABLE)'), 'ordering.order.confirmed 3');
    jest.advanceTimersByTime(10_000);

    expect(lines).toEqual([
      'error Delivering an event failed (ordering.order.cancelled 1): not taken by payments (CONTEXT_UNAVAILABLE)',
      'error Delivering an event failed (ordering.order.confirmed 3): not taken by catalog (CONTEXT_UNAVAILABLE)',
      'error Delivering an event failed 1 more time in the last 10 s, the last (ordering.order.cancelled 2): not taken by payments (CONTEXT_UNAVAILABLE)',
    ]);
  });

  it('says when the job works again, and how long it failed, then logs a failure again at once', () => {
    const { lines, logger } = capturingLogger();
    const failures = new RepeatedFailureLog(logger, 'A reservation expiry round');

    failures.succeeded();
    failures.failed(new Error('Connection terminated unexpectedly'));
    jest.advanceTimersByTime(5000);
    failures.failed(new Error('Connection terminated unexpectedly'));
    jest.advanceTimersByTime(4000);
    failures.succeeded();
    failures.succeeded();
    failures.failed(new Error('Connection terminated unexpectedly'));
    jest.advanceTimersByTime(60_000);

    expect(lines).toEqual([
      'warn A reservation expiry round failed: Connection terminated unexpectedly',
      'log A reservation expiry round works again, after 2 failures over 9 s',
      'warn A reservation expiry round failed: Connection terminated unexpectedly',
    ]);
  });

  it('stays quiet once a reason stops coming back', () => {
    const { lines, logger } = capturingLogger();
    const failures = new RepeatedFailureLog(logger, 'Sweeping pending payments');

    failures.failed('the provider timed out');
    jest.advanceTimersByTime(600_000);

    expect(lines).toEqual(['warn Sweeping pending payments failed: the provider timed out']);
    expect(jest.getTimerCount()).toBe(0);
  });
});
