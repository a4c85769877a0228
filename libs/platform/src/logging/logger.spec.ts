import { trace } from '@opentelemetry/api';
import { ConfigurationError, runWithCorrelation } from '@tessera/messaging';
import { recordSpans } from '@tessera/messaging/testing';
import { Writable } from 'node:stream';
import { EXIT_CODES, exitCodeOf } from '../bootstrap/run-app';
import { chosenLogFormat, chosenLogLevel, createRootLogger, logFormatOf, PinoNestLogger } from './logger';

function capturedLogger(format: 'json' | 'pretty' = 'json') {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, logger: createRootLogger('logger-spec', 'debug', destination, format) };
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

describe('the log level', () => {
  it('is what LOG_LEVEL says, and info when it is unset', () => {
    expect(chosenLogLevel({ LOG_LEVEL: 'warn' })).toBe('warn');
    expect(chosenLogLevel({ LOG_LEVEL: 'silent' })).toBe('silent');
    expect(chosenLogLevel({})).toBe('info');
  });

  it.each(['verbose', 'INFO', ''])(
    'refuses LOG_LEVEL=%p before pino sees it, naming the variable and the levels, as a configuration error (exit 78)',
    (level) => {
      const error = thrownBy(() => chosenLogLevel({ LOG_LEVEL: level }));
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as Error).message).toBe(`LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent; got "${level}"`);
      expect(exitCodeOf(error)).toBe(EXIT_CODES.configuration);
    },
  );

  it('is what a root logger made without one takes', () => {
    const previous = process.env.LOG_LEVEL;
    try {
      process.env.LOG_LEVEL = 'error';
      expect(createRootLogger('logger-spec', undefined, new Writable({ write: (_chunk, _encoding, done) => done() })).level).toBe('error');
      process.env.LOG_LEVEL = 'verbose';
      expect(() => createRootLogger('logger-spec')).toThrow(ConfigurationError);
    } finally {
      if (previous === undefined) delete process.env.LOG_LEVEL;
      else process.env.LOG_LEVEL = previous;
    }
  });
});

function thrownBy(act: () => unknown): unknown {
  try {
    act();
  } catch (error) {
    return error;
  }
  throw new Error('nothing was thrown');
}

describe('the log format', () => {
  it('is what LOG_FORMAT says, wherever the lines go', () => {
    expect(chosenLogFormat({ LOG_FORMAT: 'json' }, true)).toBe('json');
    expect(chosenLogFormat({ LOG_FORMAT: 'pretty', NODE_ENV: 'production' }, false)).toBe('pretty');
  });

  it('is pretty in a terminal outside production, and json in production or when the lines go to a file or a pipe', () => {
    expect(chosenLogFormat({}, true)).toBe('pretty');
    expect(chosenLogFormat({ NODE_ENV: 'production' }, true)).toBe('json');
    expect(chosenLogFormat({}, false)).toBe('json');
  });

  it('refuses an unknown LOG_FORMAT, naming the ones there are, as a configuration error (exit 78)', () => {
    expect(() => chosenLogFormat({ LOG_FORMAT: 'text' }, true)).toThrow('LOG_FORMAT must be pretty or json, not "text"');
    expect(exitCodeOf(thrownBy(() => chosenLogFormat({ LOG_FORMAT: 'xml' }, true)))).toBe(EXIT_CODES.configuration);
  });

  it('writes a pretty line as text a person reads: time, level, process, context, message and correlation id', () => {
    const { lines, logger } = capturedLogger('pretty');
    runWithCorrelation('req-45', () => new PinoNestLogger(logger).log('order placed', 'Orders'));
    expect(logFormatOf(logger)).toBe('pretty');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\[\d{2}:\d{2}:\d{2}\.\d{3}\] .*INFO.* \(logger-spec\): .*\[Orders\] order placed \(req-45\)/);
  });

  it('keeps every field of a JSON line', () => {
    const { lines, logger } = capturedLogger('json');
    runWithCorrelation('req-46', () => logger.info({ pattern: 'users.get-user', durationMs: 2 }, 'handled'));
    expect(logFormatOf(logger)).toBe('json');
    expect(JSON.parse(lines[0])).toEqual(
      expect.objectContaining({
        level: 30,
        time: expect.any(Number),
        pid: process.pid,
        hostname: expect.any(String),
        name: 'logger-spec',
        correlationId: 'req-46',
        pattern: 'users.get-user',
        durationMs: 2,
        msg: 'handled',
      }),
    );
  });
});

describe("Nest's start-up lines", () => {
  it('go to debug, one per module, controller and route, while the application’s own stay at info', () => {
    const { lines, logger } = capturedLogger();
    const nest = new PinoNestLogger(logger);
    nest.log('UsersModule dependencies initialized', 'InstanceLoader');
    nest.log('Mapped {/orders, POST} route', 'RouterExplorer');
    nest.log('Nest application successfully started', 'NestApplication');
    nest.log('12 demo products added', 'Catalog');
    expect(lines.map((line) => JSON.parse(line)).map(({ level, context }) => [level, context])).toEqual([
      [20, 'InstanceLoader'],
      [20, 'RouterExplorer'],
      [20, 'NestApplication'],
      [30, 'Catalog'],
    ]);
  });
});

describe('LOG_FORMAT=pretty where pino-pretty is not installed (the image)', () => {
  afterEach(() => jest.dontMock('pino-pretty'));

  it('says so in one line and writes JSON', () => {
    jest.doMock('pino-pretty', () => {
      throw Object.assign(new Error("Cannot find module 'pino-pretty'"), { code: 'MODULE_NOT_FOUND' });
    });
    const said = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      jest.isolateModules(() => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded again inside isolateModules, after the mock
        const { createRootLogger: createIsolated, logFormatOf: formatOf } = require('./logger') as typeof import('./logger');
        const lines: string[] = [];
        const destination = new Writable({
          write(chunk, _encoding, done) {
            lines.push(String(chunk));
            done();
          },
        });
        const logger = createIsolated('logger-spec', 'info', destination, 'pretty');
        logger.info('still written');
        expect(formatOf(logger)).toBe('json');
        expect(JSON.parse(lines[0])).toMatchObject({ msg: 'still written' });
      });
      expect(said.mock.calls.map(([text]) => String(text))).toEqual([
        'LOG_FORMAT=pretty needs pino-pretty, a dev dependency that is not installed here: logging JSON instead\n',
      ]);
    } finally {
      said.mockRestore();
    }
  });
});
