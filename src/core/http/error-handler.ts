import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GlanceError, RangeNotSatisfiableError, type ErrorKind } from '../errors.js';

/** The one table that turns a domain error kind into an HTTP status. */
export const STATUS_BY_KIND: Record<ErrorKind, number> = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  unsupported_media_type: 415,
  range_not_satisfiable: 416,
  bad_gateway: 502,
  integrity: 502,
  unavailable: 503,
  internal: 500,
};

/** Headers that describe a resource's bytes; an error answer carries none of them. */
const RESOURCE_HEADERS = ['etag', 'last-modified', 'accept-ranges', 'content-range', 'content-md5', 'content-disposition', 'surrogate-key', 'cache-control'];

/** The JSON body of every error answer: `{code, title, message}` plus details. */
export interface ErrorBody {
  code: number;
  title: string;
  message: string;
  [extra: string]: unknown;
}

/** Build an error body for a status and message. */
export function errorBody(status: number, message: string, details?: Record<string, unknown>): ErrorBody {
  return { ...details, code: status, title: STATUS_CODES[status] ?? 'Error', message };
}

/** Status and body for any thrown value; unknown errors become a masked 500. */
export function describeError(err: unknown): { status: number; body: ErrorBody; expose: boolean } {
  if (err instanceof GlanceError) {
    const status = STATUS_BY_KIND[err.kind];
    return { status, body: errorBody(status, err.message, err.details), expose: status < 500 || err.kind !== 'internal' };
  }
  const fe = err as Partial<FastifyError>;
  if (fe && fe.validation) {
    const where = fe.validationContext ? `${fe.validationContext} ` : '';
    return { status: 400, body: errorBody(400, `Invalid ${where}input: ${fe.message}`), expose: true };
  }
  if (fe && typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return { status: fe.statusCode, body: errorBody(fe.statusCode, fe.message ?? 'Bad request'), expose: true };
  }
  return { status: 500, body: errorBody(500, 'The server failed to handle the request'), expose: false };
}

/**
 * python-glanceclient reads a JSON error as an object of objects (`{"x": {"message"}}`)
 * and crashes on our flat `{code, title, message}`; real Glance gives it text
 * (it sends no JSON Accept header). So glanceclient gets the error as plain text.
 */
function wantsPlainText(request: FastifyRequest): boolean {
  const agent = request.headers['user-agent'];
  return typeof agent === 'string' && agent.startsWith('python-glanceclient') && !String(request.headers.accept ?? '').includes('json');
}

/** Root error handler: client errors pass through as JSON, everything else is logged and masked. */
export function installErrorHandling(app: FastifyInstance<any, any, any, any, any>): void {
  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const { status, body, expose } = describeError(err);
    if (status >= 500) request.log.error({ err }, 'request failed');
    else request.log.info({ status, message: body.message }, 'request refused');
    if (!expose) body.message = 'The server failed to handle the request';
    if (!reply.raw.headersSent) {
      // An error is about this moment, not the resource: no cache in front may keep it, and
      // none of the resource's headers set before the failure (a stream that failed before its
      // first byte had them copied onto the raw response) may go out with it.
      for (const name of RESOURCE_HEADERS) {
        reply.removeHeader(name);
        reply.raw.removeHeader(name);
      }
      void reply.header('cache-control', 'no-store');
      if (err instanceof RangeNotSatisfiableError) void reply.header('content-range', `bytes */${err.size}`);
    }
    if (!reply.raw.headersSent && wantsPlainText(request)) {
      void reply.code(status).type('text/plain; charset=utf-8').send(`${status} ${body.title}\n\n${body.message}\n`);
      return;
    }
    if (reply.raw.headersSent) {
      // The body is already streaming: the only honest signal left is to cut the connection.
      reply.raw.destroy(err instanceof Error ? err : undefined);
      return;
    }
    void reply.code(status).type('application/json; charset=utf-8').send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    const message = `No route for ${request.method} ${request.url.split('?')[0]}`;
    if (wantsPlainText(request)) void reply.code(404).type('text/plain; charset=utf-8').send(`404 Not Found\n\n${message}\n`);
    else void reply.code(404).send(errorBody(404, message));
  });
}
