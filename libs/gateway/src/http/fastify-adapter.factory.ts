import { FastifyAdapter } from '@nestjs/platform-fastify';
import { ERROR_CODES } from '@tessera/contracts';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isUtf8 } from 'node:buffer';
import { isIP } from 'node:net';
import { codeOfStatus, GATEWAY_ERROR_CODES } from '../problems/problem-codes';
import { problemDetails, sendProblem } from '@tessera/platform';
import { CLIENT_SIDE_DETAIL } from '../problems/problem.mapper';
import { ProblemException } from '../problems/problem.exception';
import { answerClientError } from './client-errors';
import { findJsonBodyProblem } from './json-body-inspection';
import { securityHeadersSentBy } from './security-headers';
import {
  correlateRequests,
  logFormatOf,
  measureHttpRequests,
  observeHttpRequest,
  REQUEST_ID_HEADER,
  requestIdOf,
  RequestLogController,
  RequestLogger,
  refuseSlowRequests,
  traceHttpRequests,
  traceUnroutedRequest,
} from '@tessera/platform';
import { isTracing } from '@tessera/platform/tracing';
import { ConfigurationError } from '@tessera/messaging';

/** The largest request body the API reads; a larger one is refused with 413 before it is parsed. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

export interface FastifyAdapterOptions {
  /**
   * Whom to believe about the client's address (X-Forwarded-For), which is
   * also what the rate limits count by. Off: the socket's peer. Turn it on
   * only behind a proxy you run, naming it (an address or CIDR).
   * Unset: TRUST_PROXY.
   */
  trustProxy?: boolean | string | string[];
  /** One log line a request (see RequestLogController); unset: when the logger writes for a person (LOG_FORMAT=pretty). */
  oneLineRequests?: boolean;
}

/**
 * TRUST_PROXY: the addresses or CIDRs of the proxies in front of the API,
 * comma-separated, whose X-Forwarded-For is believed; unset or empty, none is.
 */
export function trustedProxies(value: string | undefined): string[] | false {
  if (!value?.trim()) return false;
  const proxies = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const invalid = proxies.filter((proxy) => !isAddressOrCidr(proxy));
  if (invalid.length > 0) throw new ConfigurationError(`TRUST_PROXY must list proxy addresses or CIDRs, comma-separated; "${invalid.join('", "')}" is neither`);
  return proxies;
}

function isAddressOrCidr(value: string): boolean {
  const [address, bits, ...rest] = value.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  const prefix = Number(bits);
  return /^\d{1,3}$/.test(bits) && prefix <= (version === 4 ? 32 : 128);
}

/**
 * The HTTP server of every app: Fastify logging requests through the
 * process's pino logger (method, URL, status and timing; never headers or
 * bodies), reading JSON bodies only, uncompressed, up to 1 MiB, in UTF-8,
 * nested at most 32 levels deep and without lone surrogates; an empty body is
 * no body, whatever Content-Type it names. Each request is handled and
 * logged under its X-Request-Id (see request-id.ts); probes are logged at
 * debug, and a request in one line when the logs are pretty (request-log.ts);
 * a request's child logger is made only when it writes (RequestLogger). A
 * request that does not arrive in time is refused with 408 (slow-requests.ts).
 */
export function createFastifyAdapter(logger: FastifyBaseLogger, options: FastifyAdapterOptions = {}): FastifyAdapter {
  const logController = new RequestLogController({ oneLine: options.oneLineRequests ?? logFormatOf(logger) === 'pretty' });
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: options.trustProxy ?? trustedProxies(process.env.TRUST_PROXY),
    genReqId: requestIdOf,
    logController,
    childLoggerFactory: RequestLogger.factory,
    frameworkErrors: (_error: unknown, request: unknown, reply: unknown) => refuseUrl(request as FastifyRequest, reply as FastifyReply, logController),
    clientErrorHandler: answerClientError,
    // Its own 503 for a request that arrives while the server closes is plain JSON: answerWhileClosing answers instead.
    return503OnClosing: false,
  });
  const fastify = adapter.getInstance();
  refuseSlowRequests(fastify.server);
  correlateRequests(fastify);
  if (isTracing()) {
    traceHttpRequests(fastify);
    // After the span begins, so that the request's first line is written in it and names its trace.
    logController.writeIncomingInHook(fastify);
  }
  answerWhileClosing(fastify);
  measureHttpRequests(fastify);
  // Fastify would also read text/plain, and Nest adds urlencoded forms: the API speaks JSON only, so anything else is 415.
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', (request, _payload, done) => {
    // Many clients name a type on a POST that sends nothing (curl -d ''): no body is no body, whatever its type.
    if (request.headers['content-length'] === '0') done(null, undefined);
    else done(new ProblemException(GATEWAY_ERROR_CODES.UNSUPPORTED_MEDIA_TYPE, CLIENT_SIDE_DETAIL[415]), undefined);
  });
  // Fastify's own parser, refusing __proto__ and constructor keys; its failures become MALFORMED_JSON problems,
  // because Nest would turn them into a bare 400 that no longer says what went wrong.
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  adapter.useBodyParser('application/json', false, { bodyLimit: BODY_LIMIT_BYTES }, (request, body, done) => {
    const encoding = request.headers['content-encoding']?.trim().toLowerCase();
    if (encoding && encoding !== 'identity') {
      done(
        new ProblemException(GATEWAY_ERROR_CODES.UNSUPPORTED_MEDIA_TYPE, `Content-Encoding ${encoding} is not accepted: send the body as plain JSON.`),
        undefined,
      );
      return;
    }
    // No body, as a request without Content-Type has none: a route that needs one says what is missing.
    if (body.length === 0) {
      done(null, undefined);
      return;
    }
    // Decoding would replace each invalid byte with U+FFFD, silently changing what the client sent.
    if (!isUtf8(body)) {
      done(new ProblemException(GATEWAY_ERROR_CODES.MALFORMED_JSON, 'The request body is not valid UTF-8.'), undefined);
      return;
    }
    parseJson(request, body as unknown as string, (error, value) => {
      // Fastify's parser says only that it failed: a body JSON.parse takes failed on a key it refuses.
      if (error && isPlainJson(body)) {
        done(new ProblemException(ERROR_CODES.VALIDATION_FAILED, FORBIDDEN_KEY_PROBLEM.message, { errors: [FORBIDDEN_KEY_PROBLEM] }), undefined);
        return;
      }
      if (error) {
        done(new ProblemException(GATEWAY_ERROR_CODES.MALFORMED_JSON, 'The request body is not valid JSON.'), undefined);
        return;
      }
      // Here, before any route's validation, which walks the body recursively and would overflow on deep nesting.
      const problem = findJsonBodyProblem(value);
      if (problem) done(new ProblemException(ERROR_CODES.VALIDATION_FAILED, problem.message, { errors: [problem] }), undefined);
      else done(null, value);
    });
  });
  return adapter;
}

/**
 * What Fastify's JSON parser (secure-json-parse) refuses in a body that is JSON: a `__proto__` key, or a
 * `constructor` key holding a `prototype`, anywhere in it. The body is JSON, and one of its keys is refused, as an
 * unknown field is.
 */
const FORBIDDEN_KEY_PROBLEM = { field: 'body', message: 'body must not hold a __proto__ key, nor a constructor key with a prototype' };

function isPlainJson(body: Buffer): boolean {
  try {
    JSON.parse(body.toString());
    return true;
  } catch {
    return false;
  }
}

/**
 * Answers a URL Fastify's router cannot take (one that does not decode, a parameter over its length) with 400
 * problem+json. The router refuses it before Nest, its filters and every request hook: what those give each
 * answer (X-Request-Id, the security headers, the completed line in the log, the request metric and span, under
 * the route label of a URL that matched no route) is given here.
 */
function refuseUrl(request: FastifyRequest, reply: FastifyReply, logController: RequestLogController): void {
  const started = performance.now();
  logController.incomingRequestRefused(request, reply);
  if (isTracing()) traceUnroutedRequest(request, reply);
  reply.raw.once('finish', () => {
    const elapsedMs = performance.now() - started;
    observeHttpRequest(request.method, undefined, reply.statusCode, elapsedMs / 1000);
    logController.requestRefused(request, reply, elapsedMs);
  });
  void reply.headers(securityHeadersSentBy(reply.server)).header(REQUEST_ID_HEADER, request.id);
  sendProblem(reply, problemDetails(400, GATEWAY_ERROR_CODES.BAD_REQUEST, 'The request URL is not valid.'));
}

/**
 * What the server answers while it closes. A request that arrives then (on a keep-alive connection, or pipelined
 * behind one being served) gets 503 problem+json, Retry-After and Connection: close, as the API answers everything,
 * rather than running against modules that are being torn down. The answers to the requests in hand say
 * Connection: close too: the idle sweep (endIdleConnectionsWhileClosing) ends a kept-alive connection as soon as its
 * answer is sent, and a client that wrote its next request on it in that instant would meet a reset and could not tell
 * whether a POST was served. Not on a connection where a later request is already refused: its 503, last, closes it,
 * and an earlier close would drop that answer. Either way the client's next request opens a new connection, to
 * another replica behind a load balancer.
 */
function answerWhileClosing(fastify: FastifyInstance): void {
  let closing = false;
  const refusedOn = new WeakSet<object>();
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  fastify.addHook('onRequest', (request, reply, done) => {
    if (!closing) return done();
    refusedOn.add(request.raw.socket);
    void reply.headers(securityHeadersSentBy(reply.server)).header('connection', 'close').header('retry-after', '1');
    sendProblem(reply, problemDetails(503, codeOfStatus(503), 'This server is stopping: ask again, and another one will answer.'));
  });
  fastify.addHook('onSend', (request, reply, payload, done) => {
    if (closing && !refusedOn.has(request.raw.socket)) void reply.header('connection', 'close');
    done(null, payload);
  });
}
