import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { ApiResponse } from './http';

type Schema = Record<string, any>;

interface Operation {
  template: string;
  pattern: RegExp;
  /** How many of the path's segments are parameters: `/users/me` is preferred to `/users/{id}` for the same path. */
  parameters: number;
  responses: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}

/**
 * Holds every answer of a documented route to the OpenAPI document the server publishes at /docs-json, as a client
 * generated from that document would read it: the status must be one the operation lists, the media type one that
 * status lists, and the body must match its schema. An object of documented properties may hold no other: a field
 * the document does not name is one a generated client drops. Routes the document does not list are left alone.
 */
export class OpenApiConformance {
  private readonly ajv = new Ajv({ strict: false, allErrors: true });
  private readonly validators = new Map<Schema, ValidateFunction>();
  private readonly operations = new Map<string, Operation[]>();

  private constructor(private readonly document: Schema) {
    addFormats(this.ajv);
    this.ajv.addSchema(closed({ components: document.components ?? {} }), 'openapi');
    for (const [template, methods] of Object.entries<Record<string, Schema>>(document.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        const segments = template.split('/');
        const pattern = new RegExp(`^${segments.map((segment) => (/^\{.+\}$/.test(segment) ? '[^/]+' : escapeRegExp(segment))).join('/')}$`);
        const parameters = segments.filter((segment) => /^\{.+\}$/.test(segment)).length;
        const list = this.operations.get(method.toUpperCase()) ?? [];
        list.push({ template, pattern, parameters, responses: operation.responses ?? {} });
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

  /** Why this answer is not what the document promises for its route, or nothing when it is (or the route is not documented). */
  mismatchesOf(method: string, pathAndQuery: string, response: ApiResponse): string[] {
    const path = pathAndQuery.split('?')[0];
    // The server answers a path that does not decode before it routes it, and a generated client never sends one.
    if (!decodes(path)) return [];
    const operation = (this.operations.get(method.toUpperCase()) ?? [])
      .filter((candidate) => candidate.pattern.test(path))
      .sort((a, b) => a.parameters - b.parameters)[0];
    if (!operation) return [];
    const route = `${method.toUpperCase()} ${operation.template}`;
    const documented = operation.responses[String(response.status)] ?? operation.responses[`${String(response.status)[0]}XX`] ?? operation.responses.default;
    if (!documented)
      return [`${route} answered ${response.status}, which the document does not list (it lists ${Object.keys(operation.responses).join(', ')})`];
    const mediaType = (response.headers.get('content-type') ?? '').split(';')[0].trim();
    const empty = response.body === '' || response.body === undefined;
    if (!documented.content) return empty ? [] : [`${route} ${response.status} answered a ${mediaType || 'body'} where the document lists none`];
    const content = documented.content[mediaType];
    if (!content) return [`${route} ${response.status} answered ${mediaType || 'no content type'}, not ${Object.keys(documented.content).join(' or ')}`];
    if (!content.schema || !/json/.test(mediaType)) return [];
    const validate = this.validatorOf(content.schema);
    if (validate(response.body)) return [];
    return (validate.errors ?? []).map(
      (error) =>
        `${route} ${response.status}: body${error.instancePath.replace(/\//g, '.')} ${error.message}${error.keyword === 'additionalProperties' ? ` (${error.params.additionalProperty})` : ''}`,
    );
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

function decodes(path: string): boolean {
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
