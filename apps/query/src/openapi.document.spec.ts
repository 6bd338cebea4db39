import { z } from 'zod';
import { openApiDocument } from './openapi.document';

const recommendationsOperation = z.looseObject({
  parameters: z.array(z.looseObject({ name: z.string() })),
  responses: z.object({
    200: z.object({
      content: z.object({
        'application/json': z.object({
          schema: z.object({
            properties: z.record(z.string(), z.unknown()),
            required: z.array(z.string()),
          }),
        }),
      }),
    }),
  }),
});

describe(openApiDocument.name, () => {
  const sut = z
    .object({
      paths: z.object({
        '/v1/users/{userId}/recommendations': z.object({ get: recommendationsOperation }),
      }),
    })
    .parse(openApiDocument()).paths['/v1/users/{userId}/recommendations'].get;
  const parameter = (name: string) => sut.parameters.find((p) => p.name === name);

  it('documents the filters as comma-separated lists with their bounds', () => {
    expect(parameter('exclude')).toMatchObject({
      in: 'query',
      required: false,
      style: 'form',
      explode: false,
      schema: { type: 'array', maxItems: 1_000, items: { type: 'integer', minimum: 1 } },
    });
    for (const name of ['genres', 'excludeGenres']) {
      expect(parameter(name)).toMatchObject({
        style: 'form',
        explode: false,
        schema: { type: 'array', maxItems: 30, items: { type: 'string', maxLength: 50 } },
      });
    }
    expect(parameter('offset')).toMatchObject({
      required: false,
      schema: { type: 'integer', minimum: 0, maximum: 1_000, default: 0 },
    });
    expect(parameter('limit')).not.toHaveProperty('style');
  });

  it('documents the variant and the filters the answer names', () => {
    const { properties, required } = sut.responses[200].content['application/json'].schema;

    expect(properties.variant).toMatchObject({ enum: ['active', 'candidate'] });
    expect(properties.filters).toMatchObject({
      properties: {
        exclude: { type: 'integer' },
        genres: { type: 'array' },
        excludeGenres: { type: 'array' },
        offset: { type: 'integer' },
      },
    });
    expect(required).toEqual(expect.arrayContaining(['variant', 'filters', 'backfilled']));
  });

  it('locks the profile write and the deletion behind the bearer token, and reads optionally', () => {
    const operations = z
      .object({
        paths: z.object({
          '/v1/users/{userId}/profile': z.object({ put: z.looseObject({ security: z.unknown() }) }),
          '/v1/users/{userId}': z.object({ delete: z.looseObject({ security: z.unknown() }) }),
        }),
        components: z.object({ securitySchemes: z.object({ bearer: z.looseObject({}) }) }),
      })
      .parse(openApiDocument());

    expect(operations.paths['/v1/users/{userId}/profile'].put.security).toEqual([{ bearer: [] }]);
    expect(operations.paths['/v1/users/{userId}'].delete.security).toEqual([{ bearer: [] }]);
    expect(operations.components.securitySchemes.bearer).toMatchObject({ scheme: 'bearer' });
    expect(sut).toMatchObject({ security: [{ bearer: [] }, {}] });
  });
});
