import { trace } from '@opentelemetry/api';
import { runWithCorrelation } from '@tessera/messaging';
import { recordSpans } from '@tessera/messaging/testing';
import { Writable } from 'node:stream';
import { createRootLogger, PinoNestLogger } from './logger';

function capturedLogger() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, logger: createRootLogger('logger-spec', 'debug', destination) };
}

describe('the process logger', () => {
  it('adds the correlation id to every line written on behalf of a request, and none outside one', () => {
    const { lines, logger } = capturedLogger();
    logger.info('starting');
    runWithCorrelation('req-42', () => logger.child({ context: 'Orders' }).warn('placing'));
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      expect.not.objectContaining({ correlationId: expect.anything() }),
      expect.objectContaining({ msg: 'placing', context: 'Orders', correlationId: 'req-42' }),
    ]);
  });

  it('writes the id once on a line whose logger is bound to it already, as Fastify’s request loggers are', () => {
    const { lines, logger } = capturedLogger();
    runWithCorrelation('req-43', () => logger.child({ correlationId: 'req-43' }).info('request completed'));
    expect(lines[0].match(/"correlationId"/g)).toHaveLength(1);
    expect(JSON.parse(lines[0]).correlationId).toBe('req-43');
  });

  it('lets Nest log an object whose fields become fields of the line', () => {
    const { lines, logger } = capturedLogger();
    const nest = new PinoNestLogger(logger);
    nest.debug({ msg: 'message users.get-user handled', pattern: 'users.get-user', durationMs: 3 }, 'Messages');
    nest.log('plain text', 'Bootstrap');
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({ level: 20, msg: 'message users.get-user handled', pattern: 'users.get-user', durationMs: 3, context: 'Messages' }),
      expect.objectContaining({ level: 30, msg: 'plain text', context: 'Bootstrap' }),
    ]);
  });

  it('adds the trace and span a line is written in, when the process traces, next to the correlation id', async () => {
    const spans = recordSpans();
    try {
      const { lines, logger } = capturedLogger();
      logger.info('outside any span');
      const { traceId, spanId } = runWithCorrelation('req-44', () =>
        trace.getTracer('spec').startActiveSpan('process ordering.place-order', (span) => {
          logger.info('placing');
          span.end();
          return span.spanContext();
        }),
      );
      expect(lines.map((line) => JSON.parse(line))).toEqual([
        expect.not.objectContaining({ trace_id: expect.anything() }),
        expect.objectContaining({ msg: 'placing', correlationId: 'req-44', trace_id: traceId, span_id: spanId }),
      ]);
    } finally {
      await spans.stop();
    }
  });
});
