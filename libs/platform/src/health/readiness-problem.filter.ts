import { ArgumentsHost, Catch, ExceptionFilter, Logger, ServiceUnavailableException } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { problemDetails, sendProblem } from '../http/problem-details';

/** The code of a 503 from GET /health/ready: a part this process owns does not answer. */
export const NOT_READY = 'NOT_READY';

/** What Terminus throws when a check fails: every check's result, the failing ones under `error`. */
interface FailedHealthCheck {
  status: 'error';
  info?: Record<string, unknown>;
  error: Record<string, unknown>;
  details: Record<string, unknown>;
}

/**
 * Answers a failed readiness check as a problem+json 503 NOT_READY that keeps
 * Terminus's names of what is down (`info`, `error`, `details`), in every
 * process: the gateway and the monolith, and a context process's health port,
 * which has none of the gateway's error handling. Probes only read the status;
 * operators read what failed, and one shape serves both wherever they look.
 */
@Catch(ServiceUnavailableException)
export class ReadinessProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('Health');

  catch(exception: ServiceUnavailableException, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const result = exception.getResponse();
    if (!isFailedHealthCheck(result)) {
      sendProblem(reply, problemDetails(503, NOT_READY, 'Not ready: the health check could not be run.'));
      return;
    }
    const failing = Object.keys(result.error).join(', ') || 'a dependency';
    this.logger.warn(`Not ready: ${failing}`);
    sendProblem(
      reply,
      problemDetails(503, NOT_READY, `Not ready: ${failing} did not answer its health check.`, undefined, {
        info: result.info,
        error: result.error,
        details: result.details,
      }),
    );
  }
}

function isFailedHealthCheck(response: unknown): response is FailedHealthCheck {
  const result = response as Partial<FailedHealthCheck> | undefined;
  return result?.status === 'error' && isRecord(result.error) && isRecord(result.details);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
