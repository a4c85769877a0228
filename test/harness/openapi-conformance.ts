import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { ApiResponse } from './http';

type Schema = Record<string, any>;

interface Operation {
  template: string;
  pattern: RegExp;
  /** How many of the path's segments are parameters: `/users/me` is preferred to `/users/{id}` for the same path. */
  pathParameters: number;
  query: Map<string, Schema>;
  requestBody?: Schema;
  responses: Record<string, { content?: Record<string, { schema?: Schema }>; headers?: Record<string, Schema> }>;
}

/** What a test sent: its body as a value, when it sent JSON. */
export interface SentRequest {
  method: string;
  pathAndQuery: string;
  body?: unknown;
}

/**
 * Holds every exchange with a documented route to the OpenAPI document the server publishes at /docs-json, as a
 * client generated from that document would see it. The answer's status must be one the operation lists, its media
 * type one that status lists, its headers those the document gives that status, and its body must match the
 * schema; an object of documented properties may hold no other, since a field the document does not name is one a
 * generated client drops. A request the server took (2xx) must be one the document describes too, its query and its
 * body, or a generated client could not send it. Routes the document does not list are left alone.
 */
export class OpenApiConformance {
  private readonly ajv = new Ajv({ strict: false, allErrors: true });
  /** Query values arrive as text: `?page=2` is the integer 2 to the document. */
  private readonly queryAjv = new Ajv({ strict: false, allErrors: true, coerceTypes: true });
  private readonly validators = new Map<Schema, ValidateFunction>();
  private readonly operations = new Map<string, Operation[]>();

  private constructor(document: Schema) {
    addFormats(this.ajv);
    addFormats(this.queryAjv);
    this.ajv.addSchema(closed({ components: document.components ?? {} }), 'openapi');
    for (const [template, methods] of Object.entries<Record<string, Schema>>(document.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        const segments = template.split('/');
        const isParameter = (segment: string) => /^\{.+\}$/.test(segment);
        const pattern = new RegExp(`^${segments.map((segment) => (isParameter(segment) ? '[^/]+' : escapeRegExp(segment))).join('/')}$`);
        const queryParameters: Schema[] = (operation.parameters ?? []).filter((parameter: Schema) => parameter.in === 'query');
        const list = this.operations.get(method.toUpperCase()) ?? [];
        list.push({
          template,
          pattern,
          pathParameters: segments.filter(isParameter).length,
          query: new Map(queryParameters.map((parameter) => [parameter.name, parameter.schema ?? {}])),
          requestBody: operation.requestBody?.content?.['application/json']?.schema,
          responses: operation.responses ?? {},
        });
        this.operations.set(method.toUpperCase(), list);
      }
    }
  }

  /** The document the server at `baseUrl` publishes. */
  static async of(baseUrl: string): Promise<OpenApiConformance> {
    const response = await fetch(`${baseUrl}/docs-json`);
    if (!response.ok) throw new Error(`GET /docs-json answered ${response.status}`);
    return new OpenApiConformance((await response.json()) as Schema);
  }

  /** Why this exchange is not what the document describes for its route; nothing when it is, or the route is not documented. */
  mismatchesOf(request: SentRequest, response: ApiResponse): string[] {
    const method = request.method.toUpperCase();
    const [path, search = ''] = request.pathAndQuery.split('?');
    // The server answers a path that does not decode before it routes it, and a generated client never sends one.
    if (!decodes(path)) return [];
    const operation = (this.operations.get(method) ?? [])
      .filter((candidate) => candidate.pattern.test(path))
      .sort((a, b) => a.pathParameters - b.pathParameters)[0];
    if (!operation) return [];
    const route = `${method} ${operation.template}`;
    const taken = response.status >= 200 && response.status < 300;
    const requestMismatches = taken ? this.requestMismatches(route, operation, new URLSearchParams(search), request.body) : [];
    return [...requestMismatches, ...this.answerMismatches(route, operation, response)];
  }

  private requestMismatches(route: string, operation: Operation, query: URLSearchParams, body: unknown): string[] {
    const mismatches: string[] = [];
    for (const [name, value] of query) {
      const schema = operation.query.get(name);
      if (!schema) mismatches.push(`${route} took the query parameter ${name}, which the document does not list`);
      else if (!this.queryAjv.validate(schema, value))
        mismatches.push(`${route} took ${name}=${value}, which the document refuses: ${this.queryAjv.errorsText()}`);
    }
    if (body === undefined) return mismatches;
    if (!operation.requestBody) {
      const empty = typeof body === 'object' && body !== null && Object.keys(body).length === 0;
      if (!empty) mismatches.push(`${route} took a body, where the document lists none`);
      return mismatches;
    }
    const validate = this.validatorOf(operation.requestBody);
    if (!validate(body)) mismatches.push(...(validate.errors ?? []).map((error) => `${route} took a body the document refuses: ${describe(error)}`));
    return mismatches;
  }

  private answerMismatches(route: string, operation: Operation, response: ApiResponse): string[] {
    const status = String(response.status);
    const documented = operation.responses[status] ?? operation.responses[`${status[0]}XX`] ?? operation.responses.default;
    if (!documented) return [`${route} answered ${status}, which the document does not list (it lists ${Object.keys(operation.responses).join(', ')})`];
    return [
      ...this.headerMismatches(`${route} ${status}`, documented.headers ?? {}, response.headers),
      ...this.bodyMismatches(`${route} ${status}`, documented, response),
    ];
  }

  /** The headers the document requires must be there and match their schemas; one of the API's own it does not list must not. */
  private headerMismatches(answer: string, documented: Record<string, Schema>, headers: Headers): string[] {
    const mismatches: string[] = [];
    for (const [name, header] of Object.entries(documented)) {
      const value = headers.get(name);
      if (value === null) {
        if (header.required) mismatches.push(`${answer} lacks ${name}, which the document says it carries`);
      } else if (header.schema && !this.queryAjv.validate(header.schema, value)) {
        mismatches.push(`${answer} carries ${name}: ${value}, which the document refuses: ${this.queryAjv.errorsText()}`);
      }
    }
    const listed = new Set(Object.keys(documented).map((name) => name.toLowerCase()));
    for (const name of API_RESPONSE_HEADERS) {
      if (headers.has(name) && !listed.has(name.toLowerCase())) mismatches.push(`${answer} carries ${name}, which the document does not list for it`);
    }
    return mismatches;
  }

  private bodyMismatches(answer: string, documented: Operation['responses'][string], response: ApiResponse): string[] {
    const mediaType = (response.headers.get('content-type') ?? '').split(';')[0].trim();
    const empty = response.body === '' || response.body === undefined;
    if (!documented.content) return empty ? [] : [`${answer} answered a ${mediaType || 'body'} where the document lists none`];
    const content = documented.content[mediaType];
    if (!content) return [`${answer} answered ${mediaType || 'no content type'}, not ${Object.keys(documented.content).join(' or ')}`];
    if (!content.schema || !/json/.test(mediaType)) return [];
    const validate = this.validatorOf(content.schema);
    if (validate(response.body)) return [];
    return (validate.errors ?? []).map((error) => `${answer}: ${describe(error)}`);
  }

  private validatorOf(schema: Schema): ValidateFunction {
    let validate = this.validators.get(schema);
    if (!validate) {
      validate = this.ajv.compile(closed(withRefsInto(schema, 'openapi')));
      this.validators.set(schema, validate);
    }
    return validate;
  }
}

/** A copy of the schema in which an object that documents its properties admits no others (unless it says otherwise). */
function closed(schema: unknown): any {
  if (Array.isArray(schema)) return schema.map(closed);
  if (!schema || typeof schema !== 'object') return schema;
  const copy: Schema = Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, key === 'example' || key === 'examples' ? value : closed(value)]));
  if (copy.properties && copy.additionalProperties === undefined) copy.additionalProperties = false;
  return copy;
}

/** A copy whose local references (`#/components/...`) point into the document registered under `id`. */
function withRefsInto(schema: unknown, id: string): any {
  if (Array.isArray(schema)) return schema.map((item) => withRefsInto(item, id));
  if (!schema || typeof schema !== 'object') return schema;
  return Object.fromEntries(
    Object.entries(schema).map(([key, value]) => [
      key,
      key === '$ref' && typeof value === 'string' && value.startsWith('#') ? `${id}${value}` : withRefsInto(value, id),
    ]),
  );
}

/** `body.items.0 must NOT have additional properties (secret)`. */
function describe(error: ErrorObject): string {
  const extra = error.keyword === 'additionalProperties' ? ` (${error.params.additionalProperty})` : '';
  return `body${error.instancePath.replace(/\//g, '.')} ${error.message}${extra}`;
}

function decodes(path: string): boolean {
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}

/** The response headers API.md names and the shop's CORS policy exposes: each answer that carries one must document it. */
const API_RESPONSE_HEADERS = ['X-Request-Id', 'Retry-After', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset', 'WWW-Authenticate'];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
