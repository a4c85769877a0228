import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import { RepeatedFailureLog, RpcErrorFilter } from '@tessera/messaging';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { mapToProblem } from './problem.mapper';
import { sendProblem } from '@tessera/platform';

/**
 * The one place an HTTP error becomes a response: problem+json with a stable
 * code. Registered globally, it also sees unknown routes and Fastify's body
 * parser failures, which Nest routes through its filters.
 *
 * A failure that is expected while something is away (a context unavailable,
 * no handler for a pattern) is logged once a minute for each reason, with how
 * often it came back: a context away under load answered every request 503
 * and logged a warning for each, hundreds a second, which hid everything else
 * in the log. Each request's own line (at info) still names its status.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpProblem');
  private readonly unavailable = new RepeatedFailureLog(this.logger, 'A request');
  // A hybrid app shares its global filters with its message handlers; theirs keep the wire's error shape.
  private readonly rpcFilter = new RpcErrorFilter();

  catch(exception: unknown, host: ArgumentsHost) {
    if (host.getType() !== 'http') return this.rpcFilter.catch(exception);
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    const { problem, log, headers } = mapToProblem(exception);
    if (log) {
      const route = `${request.method} ${request.routeOptions?.url ?? request.url}`;
      if (log.level === 'error') this.logger.error(`${route} (request ${request.id}): ${log.message}`, log.stack);
      else this.unavailable.failed(log.message, `${route}, request ${request.id}`);
    }
    if (headers && !reply.sent) void reply.headers(headers);
    sendProblem(reply, problem);
  }
}
