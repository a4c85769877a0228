import { context, propagation, ROOT_CONTEXT, Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isOperationsRoute } from '../health/operations-route';

const SERVER_SPAN = Symbol('serverSpan');

declare module 'fastify' {
  interface FastifyRequest {
    [SERVER_SPAN]: Span | undefined;
  }
}

const tracer = trace.getTracer('@tessera/platform');

/**
 * Makes the span of every request the app serves, as the HTTP semantic
 * conventions have it: named by its route template (`GET /orders/:id`), a
 * child of the client's span when the request carries a `traceparent`, and
 * the parent of whatever the request sends, publishes and queries. Ours, not
 * the official http instrumentation: that one also reads a dozen headers,
 * binds every listener of the request and the response to the context and
 * records metrics Prometheus already has, even for a span sampled out, which
 * cost the order flow more than this hook does (docs/benchmarks.md, what
 * tracing costs); and it needed a hook here to learn the route anyway
 * (ADR 0010). Only for a process that traces (isTracing): one that does not
 * should not pay for the hooks.
 */
export function traceHttpRequests(fastify: FastifyInstance): void {
  fastify.decorateRequest(SERVER_SPAN, undefined);
  fastify.addHook('onRequest', (request, _reply, done) => {
    // Probes and scrapes come all the time: a trace each would drown the ones people look for.
    if (isOperationsRoute(request)) return done();
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const route = request.routeOptions.url;
    const span = tracer.startSpan(
      route ? `${request.method} ${route}` : request.method,
      { kind: SpanKind.SERVER, attributes: attributesOf(request, route) },
      parent,
    );
    request[SERVER_SPAN] = span;
    // Everything the request runs from here on (hooks, guards, the handler) is in the span's context.
    context.with(trace.setSpan(parent, span), done);
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    endServerSpan(request, reply.statusCode);
    done();
  });
  // The client went away before the answer: Fastify answers nobody, and onResponse never comes.
  fastify.addHook('onRequestAbort', (request, done) => {
    endServerSpan(request, undefined);
    done();
  });
}

/**
 * The span of a request answered before routing (a URL Fastify's router
 * cannot take), for which no hook runs: it begins here and ends once the
 * answer is sent, named by the method alone, as a request that matched no route.
 */
export function traceUnroutedRequest(request: FastifyRequest, reply: FastifyReply): void {
  const parent = propagation.extract(ROOT_CONTEXT, request.headers);
  request[SERVER_SPAN] = tracer.startSpan(request.method, { kind: SpanKind.SERVER, attributes: attributesOf(request, undefined) }, parent);
  reply.raw.once('finish', () => endServerSpan(request, reply.statusCode));
}

function attributesOf(request: FastifyRequest, route: string | undefined) {
  const query = request.url.indexOf('?');
  return {
    'http.request.method': request.method,
    'url.scheme': request.protocol,
    'url.path': query < 0 ? request.url : request.url.slice(0, query),
    ...(route ? { 'http.route': route } : {}),
    'network.protocol.version': request.raw.httpVersion,
    'client.address': request.ip,
    ...(request.headers['user-agent'] ? { 'user_agent.original': request.headers['user-agent'] } : {}),
  };
}

/** Ends the request's span with its status code, an error of the server from 500 on; `undefined` when the client went away. */
function endServerSpan(request: FastifyRequest, statusCode: number | undefined): void {
  const span = request[SERVER_SPAN];
  if (!span) return;
  request[SERVER_SPAN] = undefined;
  if (statusCode === undefined) {
    span.setAttribute('error.type', 'aborted');
  } else {
    span.setAttribute('http.response.status_code', statusCode);
    if (statusCode >= 500) {
      span.setAttribute('error.type', String(statusCode));
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
  }
  span.end();
}
