import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { BEARER_AUTH } from '../auth/auth.decorators';
import { BODY_LIMIT_BYTES } from './fastify-adapter.factory';
import { documentInternalErrors } from './openapi-internal-errors';
import { documentResponseHeaders } from './openapi-response-headers';
import { MAX_JSON_DEPTH, MAX_JSON_MEMBERS } from './json-body-inspection';
import { MAX_LISTED_FIELD_PROBLEMS } from '../problems/validation-problem.factory';
import { ARRIVAL_LIMITS } from '@tessera/platform';

export const DOCS_PATH = 'docs';

/** Every tag a controller uses (@ApiTags), and what its routes are for. */
export const TAG_DESCRIPTIONS: Readonly<Record<string, string>> = {
  auth: 'Registering a customer account, and exchanging an email and password for a bearer access token',
  users: 'The signed-in user, and the accounts an admin manages',
  products: 'The catalog: anyone reads it; an admin creates products, changes them and adjusts their stock',
  orders: 'Placing an order (its stock reserved until it is paid or it expires), reading it and its history, cancelling it',
  payments: 'Paying an order with its own total, at most once whatever is retried, and reading a payment',
  admin: 'Operators: the dead letters of every context, to list, replay or discard',
  operations: 'Liveness, readiness, the reachability of the contexts, and Prometheus metrics',
};

/** The OpenAPI 3 document of every HTTP route of the app, with bearer auth and the problem+json answers. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Tessera API')
    .setDescription(
      'The shop backend. JSON in and out; money is integer minor units. Errors are application/problem+json ' +
        '(RFC 9457) with a stable `code`. Send `Authorization: Bearer <accessToken>` from POST /auth/login. ' +
        `A request body is a JSON object in UTF-8 of at most ${BODY_LIMIT_BYTES / 1024 / 1024} MiB (else 413 PAYLOAD_TOO_LARGE), ` +
        `nested at most ${MAX_JSON_DEPTH} levels of arrays and objects, holding at most ${MAX_JSON_MEMBERS} object members and ` +
        'array elements in all, with no lone UTF-16 surrogate in any string ' +
        '(else 400: MALFORMED_JSON for what is not JSON, VALIDATION_FAILED for the rest). A field a route does not list is ' +
        `refused with 400 VALIDATION_FAILED naming it; the \`errors\` of one answer list at most ${MAX_LISTED_FIELD_PROBLEMS} problems. ` +
        'A route that documents no body takes none, or `{}`. A request must arrive whole within ' +
        `${ARRIVAL_LIMITS.requestMs / 1000} s of its first byte, its headers within ${ARRIVAL_LIMITS.headersMs / 1000} s ` +
        '(else 408 REQUEST_TIMEOUT, and the connection is closed).',
    )
    .setVersion('1')
    // Relative, so that the document is right on whatever host, port and scheme (or proxy) serves it.
    .addServer('/', 'The host that serves this document')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, BEARER_AUTH);
  for (const [tag, description] of Object.entries(TAG_DESCRIPTIONS)) config.addTag(tag, description);
  return documentResponseHeaders(documentInternalErrors(SwaggerModule.createDocument(app, config.build())));
}

/**
 * Swagger UI at /docs and the document at /docs-json. The document is built
 * on the first request for it, not at start: scanning every route's metadata
 * is start-up time that each start, and each restart of npm run start:dev,
 * would pay for a page few of them serve (openapi.document.spec builds it, so
 * a route it cannot describe still fails the tests).
 */
export function serveOpenApi(app: INestApplication): void {
  SwaggerModule.setup(DOCS_PATH, app, () => buildOpenApiDocument(app), {
    raw: ['json'],
    customSiteTitle: 'Tessera API',
    swaggerOptions: { persistAuthorization: false },
  });
}
