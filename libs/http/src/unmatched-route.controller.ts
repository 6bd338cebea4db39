import {
  All,
  Controller,
  HttpException,
  HttpStatus,
  MethodNotAllowedException,
  NotFoundException,
  Req,
  Res,
  UseFilters,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { HttpErrorFilter } from './http-error.filter';

type FoundRoute = ReturnType<FastifyInstance['findRoute']>;

/** The longest path parameter Fastify's router reads (its default maxParamLength). */
export const MAX_PATH_SEGMENT = 100;

/**
 * Answers every request that no route takes, in the API's error shape: 414 when a segment of the
 * path is longer than the router reads, 405 with an Allow header when the path has routes for
 * other methods, 404 otherwise. The path itself is never echoed back.
 *
 * It is a catch-all route: the router prefers any more specific route, and falls back on this
 * one both for unknown paths and for a route whose parameter is too long to read.
 */
@Controller()
@UseFilters(HttpErrorFilter)
export class UnmatchedRouteController {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  @All('*')
  unmatched(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): never {
    const path = request.url.split('?', 1)[0] ?? '';
    const longest = Math.max(...path.split('/').map((segment) => segment.length));
    if (longest > MAX_PATH_SEGMENT) {
      throw new HttpException(
        `path too long: a segment of ${longest} characters, at most ${MAX_PATH_SEGMENT}`,
        HttpStatus.URI_TOO_LONG,
      );
    }
    const allowed = this.methodsAt(path);
    if (allowed.length > 0) {
      void reply.header('allow', allowed.join(', '));
      throw new MethodNotAllowedException(
        `${request.method} is not allowed here: this path answers ${allowed.join(', ')}`,
      );
    }
    throw new NotFoundException(`no route for ${request.method} at this path`);
  }

  /** The methods some route other than this one answers at the path. */
  private methodsAt(path: string): string[] {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    return fastify.supportedMethods.filter((method) => {
      // Fastify's types promise a route; it answers null when none matches.
      const route = fastify.findRoute({ method, url: path }) as FoundRoute | null;
      // This catch-all matches every path, its parameter named "*".
      return route !== null && !('*' in route.params);
    });
  }
}
