import {
  applyDecorators,
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  SetMetadata,
  UseGuards,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { type FastifyReply, type FastifyRequest } from 'fastify';
import { AccessDeniedError } from './access-denied.error';
import { type AccessLevel, type AccessPolicy, decideAccess } from './access-policy';

/** A service provides its AccessPolicy under this token (see `accessProviders`). */
export const ACCESS_POLICY = Symbol('ACCESS_POLICY');
const ACCESS_LEVEL = 'recommender:access-level';

/** The field of an RPC payload that carries what HTTP sends as the Authorization header. */
export const RPC_AUTHORIZATION_FIELD = 'authorization';

/**
 * Lets a request through only with a token its route's level accepts (`RequireAccess`): over
 * HTTP from the `Authorization: Bearer` header, over RPC from the payload's `authorization`
 * field. A refusal is an AccessDeniedError (401), with the `WWW-Authenticate` challenge on HTTP.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(ACCESS_POLICY) private readonly policy: AccessPolicy,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const level = this.reflector.getAllAndOverride<AccessLevel | undefined>(ACCESS_LEVEL, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (level === undefined) return true;
    const decision = decideAccess(this.policy, level, authorizationOf(context));
    if (decision.granted) return true;
    const error = new AccessDeniedError(level, decision.reason);
    if (context.getType() === 'http') {
      void context
        .switchToHttp()
        .getResponse<FastifyReply>()
        .header('www-authenticate', error.challenge);
    }
    throw error;
  }
}

function authorizationOf(context: ExecutionContext): unknown {
  if (context.getType() === 'rpc') {
    const data: unknown = context.switchToRpc().getData();
    return typeof data === 'object' && data !== null
      ? (data as Record<string, unknown>)[RPC_AUTHORIZATION_FIELD]
      : undefined;
  }
  return context.switchToHttp().getRequest<FastifyRequest>().headers.authorization;
}

/**
 * The token a route (or every route of a controller) needs. A route's own level overrides its
 * controller's: an admin route in a controller of read routes needs the admin token.
 */
export const RequireAccess = (level: AccessLevel) =>
  applyDecorators(SetMetadata(ACCESS_LEVEL, level), UseGuards(AccessGuard));
