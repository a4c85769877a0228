import type { FastifyInstance } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { newCorrelationId } from '@tessera/messaging';
import { codeOfStatus } from '../problems/problem-codes';
import { PROBLEM_CONTENT_TYPE, problemDetails } from '@tessera/platform';
import { REQUEST_ID_HEADER } from '@tessera/platform';
import { securityHeadersSentBy } from './security-headers';

/** What Node's HTTP parser refused, as the API says it: its status and detail. */
function refusalOf(error: NodeJS.ErrnoException): { status: number; detail: string } {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, detail: 'The request line and headers exceed the size this server reads.' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, detail: 'The request did not arrive in time.' };
    default:
      return { status: 400, detail: 'The request is not valid HTTP.' };
  }
}

/**
 * Fastify's clientErrorHandler: answers a request that Node's HTTP parser refused before Fastify saw it (headers
 * over Node's limit, bytes that are not HTTP, a request too slow to arrive) as every answer of the API is given,
 * problem+json with its code, an X-Request-Id and the security headers, where Fastify would write plain JSON with
 * neither. The connection is closed after it, as Node closes it: what follows on it cannot be read.
 */
export function answerClientError(this: FastifyInstance, error: NodeJS.ErrnoException, socket: Duplex): void {
  // A connection the client reset, or one already closed, has nobody to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const { status, detail } = refusalOf(error);
  this.log.debug({ err: error }, `refused a request the HTTP parser could not read: ${status}`);
  if (socket.writable) {
    const body = JSON.stringify(problemDetails(status, codeOfStatus(status), detail));
    const headers: Record<string, string | number> = {
      ...securityHeadersSentBy(this),
      [REQUEST_ID_HEADER]: newCorrelationId(),
      'content-type': `${PROBLEM_CONTENT_TYPE}; charset=utf-8`,
      'content-length': Buffer.byteLength(body),
      connection: 'close',
    };
    const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${head.join('')}\r\n${body}`);
  }
  socket.destroy(error);
}
