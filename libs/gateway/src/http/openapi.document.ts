import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { BEARER_AUTH } from '../auth/auth.decorators';

export const DOCS_PATH = 'docs';

/** The OpenAPI 3 document of every HTTP route of the app, with bearer auth and the problem+json answers. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Tessera API')
    .setDescription(
      'The shop backend. JSON in and out; money is integer minor units. Errors are application/problem+json ' +
        '(RFC 9457) with a stable `code`. Send `Authorization: Bearer <accessToken>` from POST /auth/login.',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, BEARER_AUTH)
    .build();
  return SwaggerModule.createDocument(app, config);
}

/** Swagger UI at /docs and the document at /docs-json. */
export function serveOpenApi(app: INestApplication): void {
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup(DOCS_PATH, app, document, {
    raw: ['json'],
    customSiteTitle: 'Tessera API',
    swaggerOptions: { persistAuthorization: false },
  });
}
