import { z } from 'zod';
import { userProfileSchema } from '@app/events';
import {
  clusterRequestSchema,
  clustersResponseSchema,
  clusterSummarySchema,
  predictionRequestSchema,
  predictionResponseSchema,
  profileResponseSchema,
  recommendationsRequestSchema,
  recommendationsResponseSchema,
  userDeletedResponseSchema,
  userRequestSchema,
} from '@app/query-client';

const json = (schema: z.ZodType, io: 'input' | 'output' = 'output') => {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' });
  return rest;
};

interface ObjectSchema {
  properties?: Record<string, { type?: unknown }>;
  required?: string[];
}

/**
 * Path and query parameters of an operation, from the fields of its request schema: each typed
 * as the value it is validated into (an integer and its bounds, not the text it arrives as),
 * required unless it may be left out. A list is one comma-separated value (form, not exploded).
 */
function parameters(schema: z.ZodObject, inPath: readonly string[]) {
  const { properties = {} } = json(schema, 'output') as ObjectSchema;
  const { required = [] } = json(schema, 'input') as ObjectSchema;
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: inPath.includes(name) ? 'path' : 'query',
    required: inPath.includes(name) || required.includes(name),
    ...(property.type === 'array' ? { style: 'form', explode: false } : {}),
    schema: property,
  }));
}

const errorResponse = {
  description: 'the error: `{ message, errors? }`, each error naming a field',
  content: {
    'application/json': {
      schema: {
        type: 'object',
        properties: {
          message: { type: 'string' },
          errors: {
            type: 'array',
            items: {
              type: 'object',
              properties: { field: { type: 'string' }, message: { type: 'string' } },
            },
          },
        },
        required: ['message'],
      },
    },
  },
};

const ok = (schema: z.ZodType, description: string) => ({
  200: { description, content: { 'application/json': { schema: json(schema) } } },
  400: errorResponse,
  401: {
    ...errorResponse,
    description: 'no valid bearer token (`WWW-Authenticate: Bearer` says which realm)',
  },
  429: { ...errorResponse, description: 'over HTTP_RATE_LIMIT_PER_MINUTE; see `Retry-After`' },
  503: errorResponse,
});

/** Reads need the read token only when the service has one (READ_TOKEN); else none. */
const READ_ACCESS = [{ bearer: [] }, {}];
/** Writes and deletion need the admin token (ADMIN_TOKEN). */
const ADMIN_ACCESS = [{ bearer: [] }];

/** The OpenAPI 3.1 document of the HTTP API, generated from the schemas that validate it. */
export function openApiDocument(): object {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Movie recommender query API',
      version: '1',
      description:
        "Recommendations from the user's taste cluster, predicted ratings, and the clusters.",
    },
    paths: {
      '/v1/users/{userId}/recommendations': {
        get: {
          summary:
            "The best movies of the user's cluster that the user has not seen, under the " +
            'filters asked for, a page at a time',
          parameters: parameters(recommendationsRequestSchema, ['userId']),
          security: READ_ACCESS,
          responses: ok(recommendationsResponseSchema, 'the recommendations and why'),
        },
      },
      '/v1/users/{userId}/predictions/{movieId}': {
        get: {
          summary: "The user's predicted rating of a movie",
          parameters: parameters(predictionRequestSchema, ['userId', 'movieId']),
          security: READ_ACCESS,
          responses: ok(predictionResponseSchema, 'the prediction and what it rests on'),
        },
      },
      '/v1/users/{userId}/profile': {
        put: {
          summary: 'Stores the demographics used for users without ratings',
          parameters: parameters(userRequestSchema, ['userId']),
          security: ADMIN_ACCESS,
          requestBody: {
            required: true,
            content: { 'application/json': { schema: json(userProfileSchema, 'input') } },
          },
          responses: {
            ...ok(profileResponseSchema, 'the stored profile'),
            413: { ...errorResponse, description: 'a body over HTTP_BODY_LIMIT_BYTES' },
          },
        },
      },
      '/v1/users/{userId}': {
        delete: {
          summary:
            "Deletes the user's ratings, favourites, feedback, profile and cluster assignment, " +
            'and their part of every cluster aggregate; idempotent',
          parameters: parameters(userRequestSchema, ['userId']),
          security: ADMIN_ACCESS,
          responses: ok(userDeletedResponseSchema, 'the user is gone'),
        },
      },
      '/v1/clusters': {
        get: {
          summary: 'Every cluster of the current model',
          security: READ_ACCESS,
          responses: ok(clustersResponseSchema, 'the clusters'),
        },
      },
      '/v1/clusters/{id}': {
        get: {
          summary: 'One cluster: size, top movies, genre profile',
          parameters: parameters(clusterRequestSchema, ['id']),
          security: READ_ACCESS,
          responses: {
            ...ok(clusterSummarySchema, 'the cluster'),
            404: errorResponse,
          },
        },
      },
    },
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description:
            'ADMIN_TOKEN for writes and deletion; READ_TOKEN (or the admin one) for reads',
        },
      },
    },
  };
}
