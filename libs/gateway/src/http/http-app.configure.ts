import { ConfigService } from '@nestjs/config';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { PipesInTurn, ValidationPipeAnsweringAtOnce } from '../common/input-pipes';
import { JsonObjectBodyPipe } from '../common/json-object-body.pipe';
import { ReservedQueryKeyPipe } from '../common/reserved-query-key.pipe';
import { ProblemDetailsFilter } from '../problems/problem-details.filter';
import { validationProblem } from '../problems/validation-problem.factory';
import { serveOpenApi } from './openapi.document';
import { sendSecurityHeaders } from './security-headers';
import { ConfigurationError } from '@tessera/messaging';

/**
 * Everything HTTP about an app, to call once after NestFactory.create() and
 * before listen(): security headers, CORS, validation, problem+json errors
 * and the OpenAPI document.
 */
export async function configureHttpApp(app: NestFastifyApplication): Promise<void> {
  sendSecurityHeaders(app.getHttpAdapter().getInstance(), {
    contentSecurityPolicy: { directives: CONTENT_SECURITY_POLICY },
    frameguard: { action: 'deny' },
  });
  const origins = corsOrigins(app.get(ConfigService).get<string>('CORS_ORIGINS') ?? '');
  if (origins.length > 0) {
    app.enableCors({
      origin: origins,
      methods: [...CORS_METHODS],
      allowedHeaders: [...CORS_REQUEST_HEADERS],
      exposedHeaders: [...CORS_RESPONSE_HEADERS],
      maxAge: 600,
    });
  }
  app.useGlobalPipes(
    new PipesInTurn([
      new JsonObjectBodyPipe(),
      new ReservedQueryKeyPipe(),
      new ValidationPipeAnsweringAtOnce({
        whitelist: true,
        forbidNonWhitelisted: true,
        transform: true,
        // Values are kept for the exception factory to tell a missing field from a wrong one; they never reach a response.
        validationError: { target: false, value: true },
        exceptionFactory: validationProblem,
      }),
    ]),
  );
  app.useGlobalFilters(new ProblemDetailsFilter());
  serveOpenApi(app);
}

/** Every method a route of the API answers to (the admin's DELETE of a dead letter included). */
export const CORS_METHODS: readonly string[] = ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE'];

/** The request headers the API reads, the W3C trace context among them: a browser sends no other across origins. */
export const CORS_REQUEST_HEADERS: readonly string[] = ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Request-Id', 'traceparent', 'tracestate'];

/**
 * The response headers, beyond the CORS-safelisted ones, that some answer carries and a browser script may
 * read: the rate limits' on every throttled route, Retry-After on an answer that says when to ask again,
 * WWW-Authenticate on a 401.
 */
export const CORS_RESPONSE_HEADERS: readonly string[] = [
  'X-Request-Id',
  'Retry-After',
  'X-RateLimit-Limit',
  'X-RateLimit-Remaining',
  'X-RateLimit-Reset',
  'WWW-Authenticate',
];

/**
 * Helmet's defaults, with what Swagger UI at /docs needs (its inline styles
 * and data: images) and without upgrade-insecure-requests, which would break
 * the UI's assets on a plain-HTTP development server. Scripts stay 'self' only.
 */
const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'self'"],
  baseUri: ["'self'"],
  connectSrc: ["'self'"],
  fontSrc: ["'self'", 'data:'],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  imgSrc: ["'self'", 'data:'],
  objectSrc: ["'none'"],
  scriptSrc: ["'self'"],
  scriptSrcAttr: ["'none'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  upgradeInsecureRequests: null,
};

/** CORS_ORIGINS: comma-separated origins (`https://shop.example.com`); empty allows no cross-origin access. */
export function corsOrigins(value: string): string[] {
  const origins = value
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
  for (const origin of origins) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (!parsed || parsed.origin !== origin) {
      throw new ConfigurationError(`CORS_ORIGINS must list origins such as https://shop.example.com (scheme, host and port only); got "${origin}"`);
    }
  }
  return origins;
}
