import { request as httpRequest } from 'node:http';
import { OpenApiConformance, type SentRequest } from './openapi-conformance';

/** A small HTTP client for black-box tests: JSON in, status, headers and parsed body out. */
export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export interface RequestOptions {
  token?: string;
  headers?: Record<string, string>;
  /** A raw body sent as is, for malformed JSON and oversized payloads. */
  raw?: string;
}

export class Api {
  private conformance?: OpenApiConformance;

  constructor(readonly baseUrl: string) {}

  /**
   * From now on, every exchange with a route the server's OpenAPI document lists must be one it describes: the
   * answer's status, media type, headers and body (no undocumented member), and a request the server took, its query
   * and body. One that is not fails the request that met it, naming what differs (OpenApiConformance).
   */
  async holdingToOpenApi(): Promise<this> {
    this.conformance = await OpenApiConformance.of(this.baseUrl);
    return this;
  }

  get<T = any>(path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    return this.request('GET', path, undefined, options);
  }

  post<T = any>(path: string, body?: unknown, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    return this.request('POST', path, body, options);
  }

  patch<T = any>(path: string, body?: unknown, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    return this.request('PATCH', path, body, options);
  }

  /**
   * A POST that declares a body of `contentLength` bytes but sends only its
   * headers, answering what the server says to that. Sending the body too
   * would race the server: it refuses by the declared length and closes the
   * connection, and the client's unread answer can be lost to the reset that
   * its unfinished upload then causes. A server that read the body before
   * refusing would leave this request waiting, and the test failing.
   */
  postDeclaringLength(path: string, contentLength: number): Promise<ApiResponse> {
    return new Promise((resolve, reject) => {
      const outgoing = httpRequest(`${this.baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': String(contentLength) },
      });
      outgoing.on('response', (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const headers = new Headers();
          for (const [name, value] of Object.entries(incoming.headers)) if (typeof value === 'string') headers.set(name, value);
          try {
            resolve(
              this.held(
                { method: 'POST', pathAndQuery: path },
                {
                  status: incoming.statusCode ?? 0,
                  headers,
                  body: /json/.test(incoming.headers['content-type'] ?? '') ? JSON.parse(text) : text,
                },
              ),
            );
          } catch (error) {
            reject(error);
          }
          outgoing.destroy();
        });
      });
      outgoing.on('error', reject);
      outgoing.flushHeaders();
    });
  }

  async request<T = any>(method: string, path: string, body: unknown, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let payload: string | undefined = options.raw;
    if (payload === undefined && body !== undefined) payload = JSON.stringify(body);
    if (payload !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
    const response = await fetch(`${this.baseUrl}${path}`, { method, headers, body: payload });
    const text = await response.text();
    let parsed: unknown = text;
    if (text && /json/.test(response.headers.get('content-type') ?? '')) parsed = JSON.parse(text);
    return this.held({ method, pathAndQuery: path, body: sentValueOf(payload) }, { status: response.status, headers: response.headers, body: parsed as T });
  }

  private held<T>(request: SentRequest, response: ApiResponse<T>): ApiResponse<T> {
    const mismatches = this.conformance?.mismatchesOf(request, response) ?? [];
    if (mismatches.length > 0) {
      const answer = `answered ${response.status}: ${JSON.stringify(response.body).slice(0, 2000)}`;
      throw new Error(`${request.method} ${request.pathAndQuery}: not what /docs-json describes\n- ${mismatches.join('\n- ')}\n${answer}`);
    }
    return response;
  }
}

/** The value of a JSON body sent; nothing for no body, or for one that is not JSON. */
function sentValueOf(payload: string | undefined): unknown {
  if (payload === undefined) return undefined;
  try {
    return JSON.parse(payload);
  } catch {
    return undefined;
  }
}
