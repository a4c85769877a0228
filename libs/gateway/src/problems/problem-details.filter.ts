import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import { RpcErrorFilter } from '@tessera/messaging';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { mapToProblem } from './problem.mapper';
import { sendProblem } from '@tessera/platform';

/**
 * The one place an HTTP error becomes a response: problem+json with a stable
 * code. Registered globally, it also sees unknown routes and Fastify's body
 * parser failures, which Nest routes through its filters.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpProblem');
  // A hybrid app shares its global filters with its message handlers; theirs keep the wire's error shape.
  private readonly rpcFilter = new RpcErrorFilter();

  catch(exception: unknown, host: ArgumentsHost) {
    if (host.getType() !== 'http') return this.rpcFilter.catch(exception);
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    const { problem, log, headers } = mapToProblem(exception);
    if (log) {
      const line = `${request.method} ${request.routeOptions?.url ?? request.url} (request ${request.id}): ${log.message}`;
      if (log.level === 'error') this.logger.error(line, log.stack);
      else this.logger.warn(line);
    }
    if (headers && !reply.sent) void reply.headers(headers);
    sendProblem(reply, problem);
  }
}
