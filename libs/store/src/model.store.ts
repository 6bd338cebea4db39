import { type z } from 'zod';
import {
  type DemographicModel,
  demographicModelSchema,
  type ItemNeighbourTable,
} from '@app/recommend';
import {
  AlsFactorsEncodingError,
  decodeAlsFactors,
  encodeAlsFactors,
  type StoredAlsFactors,
} from './als-factors.encoding';
import { bytesOf, copyOf } from './chunked-fields';
import {
  decodeItemNeighbours,
  encodeItemNeighbours,
  ItemNeighboursEncodingError,
} from './item-neighbours.encoding';
import {
  type ModelDescription,
  modelDescriptionSchema,
  ModelRecordError,
} from './model-description';
import {
  publishCandidateScript,
  publishModelScript,
  setNextModelScript,
} from './publish-model.script';
import { type ReclusterClaim } from './recluster-schedule.store';
import { chunksBySlot, internalsOf, type RedisConnection } from './redis-connection';
import { type ActiveModel } from './user-events.store';

/**
 * A model as stored: its description, its centres over its movie columns, its demographics and,
 * when the description has an `als` section, its ALS movie factors, and with an `itemKnn`
 * section, its item neighbourhoods.
 */
export interface StoredModel {
  description: ModelDescription;
  /** Cluster-major centres: centroids[c * movieIds.length + column]. */
  centroids: Float32Array;
  movieIds: Float64Array;
  /** Demographic clusters for users with a profile and no ratings, when any user had one. */
  demographics?: DemographicModel;
  als?: StoredAlsFactors;
  itemNeighbours?: ItemNeighbourTable;
}

/** How a publish pins its model, so scheduled runs leave it in place: for a while, or until resumed. */
export interface PinRequest {
  /** Undefined: until scheduling is resumed. */
  forMs?: number;
  reason: string;
}

/** The recluster run lost its lock, or a newer run began, before it could write. */
export class FencedOutError extends Error {
  readonly code = 'FENCED_OUT';

  constructor(cause: unknown) {
    super('the recluster lock was lost or a newer run began: this run may not publish', {
      cause,
    });
    this.name = 'FencedOutError';
  }
}

/**
 * Model versions: stored, made "next" and then current (or the candidate, beside the current
 * one, for an A/B test), listed, and deleted. Every write of a
 * recluster run is fenced by its claim (see ReclusterSchedule): a run that lost its lock can
 * never change which model is in use. A version never changes once stored, so its description
 * is read and parsed once.
 */
export class ModelStore {
  private readonly descriptions = new Map<number, ModelDescription>();

  constructor(private readonly connection: RedisConnection) {}

  async currentVersion(): Promise<number | undefined> {
    const { client, keys } = internalsOf(this.connection);
    return toVersion(await client.get(keys.currentModel()));
  }

  /** The version a recluster is publishing, or one a failed run left behind. */
  async nextVersion(): Promise<number | undefined> {
    const { client, keys } = internalsOf(this.connection);
    return toVersion(await client.get(keys.nextModel()));
  }

  /** The candidate built beside the current model, if any (see Reclusterer.candidate). */
  async candidateVersion(): Promise<number | undefined> {
    const { client, keys } = internalsOf(this.connection);
    return toVersion(await client.get(keys.candidateModel()));
  }

  /**
   * Models whose cluster aggregates ingestion keeps up to date: the current one, the candidate
   * and, while a recluster is publishing, the next one; with each one's own rules.
   */
  async activeModels(): Promise<ActiveModel[]> {
    const { client, keys } = internalsOf(this.connection);
    const [current, candidate, next] = await Promise.all([
      client.get(keys.currentModel()),
      client.get(keys.candidateModel()),
      client.get(keys.nextModel()),
    ]);
    const versions = [...new Set([current, candidate, next].flatMap((v) => toVersion(v) ?? []))];
    const models = await Promise.all(
      versions.map(async (version) => {
        const description = await this.describe(version);
        // A "next" is always stored before it is named; a current or candidate one must be there.
        if (description === undefined) {
          if (String(version) === current || String(version) === candidate) {
            throw new ModelRecordError(version, 'it is missing');
          }
          return [];
        }
        return [
          {
            version,
            clusters: description.clusters,
            favouriteMinRating: description.settings.favouriteMinRating,
          },
        ];
      }),
    );
    return models.flat();
  }

  /** A version's description, parsed; undefined when the version is not stored. */
  async describe(version: number): Promise<ModelDescription | undefined> {
    const cached = this.descriptions.get(version);
    if (cached !== undefined) return cached;
    const { client, keys } = internalsOf(this.connection);
    const raw = await client.get(keys.modelDescription(version));
    if (raw === null) return undefined;
    const description = parseDescription(version, raw);
    this.descriptions.set(version, description);
    return description;
  }

  async load(version: number): Promise<StoredModel | undefined> {
    const { client, keys } = internalsOf(this.connection);
    const [description, centroids, movies, demographics] = await Promise.all([
      this.describe(version),
      client.getBuffer(keys.modelCentroids(version)),
      client.getBuffer(keys.modelMovies(version)),
      client.get(keys.modelDemographics(version)),
    ]);
    if (description === undefined || centroids === null || movies === null) return undefined;
    let als: StoredAlsFactors | undefined;
    if (description.als !== undefined) {
      const fields = await client.hgetallBuffer(keys.modelAlsFactors(version));
      if (Object.keys(fields).length === 0) return undefined;
      als = parseAlsFactors(version, fields, {
        factors: description.als.settings.factors,
        movies: description.als.movies,
      });
    }
    let itemNeighbours: ItemNeighbourTable | undefined;
    if (description.itemKnn !== undefined) {
      const fields = await client.hgetallBuffer(keys.modelItemNeighbours(version));
      if (Object.keys(fields).length === 0) return undefined;
      itemNeighbours = parseItemNeighbours(version, fields, { movies: description.itemKnn.movies });
    }
    return {
      description,
      centroids: new Float32Array(copyOf(centroids)),
      movieIds: new Float64Array(copyOf(movies)),
      ...(demographics === null ? {} : { demographics: parseDemographics(version, demographics) }),
      ...(als === undefined ? {} : { als }),
      ...(itemNeighbours === undefined ? {} : { itemNeighbours }),
    };
  }

  /**
   * Stores what a version needs before users can be placed in it. Nothing reads a version before
   * it is published, so its ALS factors, several writes, appear with it all at once.
   */
  async save(model: StoredModel): Promise<void> {
    const { client, keys } = internalsOf(this.connection);
    const { version } = model.description;
    const description = modelDescriptionSchema.parse(model.description);
    if ((model.als === undefined) !== (description.als === undefined)) {
      throw new Error(
        `model ${version}: ALS factors go with an \`als\` description, and only then`,
      );
    }
    if ((model.itemNeighbours === undefined) !== (description.itemKnn === undefined)) {
      throw new Error(
        `model ${version}: item neighbourhoods go with an \`itemKnn\` description, and only then`,
      );
    }
    const neighbourFields =
      model.itemNeighbours === undefined ? [] : [...encodeItemNeighbours(model.itemNeighbours)];
    const alsFields =
      model.als === undefined || description.als === undefined
        ? []
        : [...encodeAlsFactors(model.als, description.als.settings.factors)];
    await Promise.all([
      model.demographics === undefined
        ? undefined
        : client.set(keys.modelDemographics(version), JSON.stringify(model.demographics)),
      client.set(keys.modelCentroids(version), bytesOf(model.centroids)),
      client.set(keys.modelMovies(version), bytesOf(model.movieIds)),
      ...alsFields.map(([field, value]) =>
        client.hset(keys.modelAlsFactors(version), field, value),
      ),
      ...neighbourFields.map(([field, value]) =>
        client.hset(keys.modelItemNeighbours(version), field, value),
      ),
      client.set(keys.modelDescription(version), JSON.stringify(description)),
    ]);
  }

  /** Makes ingestion maintain the claim's version from now on, beside the current one. */
  async setNext(claim: ReclusterClaim): Promise<void> {
    const { client, keys } = internalsOf(this.connection);
    await fenced(() =>
      setNextModelScript.run(
        client,
        [keys.reclusterLock(), keys.versionCounter(), keys.nextModel()],
        [claim.token, String(claim.version)],
      ),
    );
  }

  /**
   * Makes the claim's version the one in use, atomically and only while the claim is still the
   * newest and holds the lock; a rollback pins it; promoting or discarding the candidate clears
   * it (`replacesCandidate`, its version) in the same step. Returns the versions that fell out of
   * the kept history. Throws FencedOutError otherwise.
   */
  async publish(
    claim: ReclusterClaim,
    keep: number,
    pin?: PinRequest,
    replacesCandidate?: number,
  ): Promise<number[]> {
    const { client, keys } = internalsOf(this.connection);
    const dropped = (await fenced(() =>
      publishModelScript.run(
        client,
        [
          keys.reclusterLock(),
          keys.versionCounter(),
          keys.currentModel(),
          keys.nextModel(),
          keys.modelVersions(),
          keys.modelPin(),
          keys.candidateModel(),
        ],
        [
          claim.token,
          String(claim.version),
          String(keep),
          pin === undefined ? '' : pin.forMs === undefined ? 'forever' : String(pin.forMs),
          pin?.reason ?? '',
          replacesCandidate === undefined ? '' : String(replacesCandidate),
        ],
      ),
    )) as string[];
    return dropped.map(Number);
  }

  /**
   * Makes the claim's version the candidate, beside the current model, atomically and only
   * while the claim is still the newest and holds the lock. Returns the candidate it replaced,
   * whose data may be deleted. Throws FencedOutError otherwise.
   */
  async publishCandidate(claim: ReclusterClaim): Promise<number | undefined> {
    const { client, keys } = internalsOf(this.connection);
    const replaced = (await fenced(() =>
      publishCandidateScript.run(
        client,
        [keys.reclusterLock(), keys.versionCounter(), keys.nextModel(), keys.candidateModel()],
        [claim.token, String(claim.version)],
      ),
    )) as string;
    return replaced === '' ? undefined : Number(replaced);
  }

  /** Published versions kept for rollback, oldest first, with their descriptions. */
  async history(): Promise<{ version: number; description: ModelDescription | undefined }[]> {
    const { client, keys } = internalsOf(this.connection);
    const versions = (await client.lrange(keys.modelVersions(), 0, -1)).map(Number);
    return Promise.all(
      versions.map(async (version) => ({ version, description: await this.describe(version) })),
    );
  }

  /**
   * Deletes a version that is no longer active: its description, centres, ALS factors and every
   * cluster's aggregates, with one UNLINK per hash slot. Users' fields of the version are left: scripts
   * ignore versions that are not active, and the next recluster's assignment drops them.
   */
  async delete(version: number): Promise<void> {
    const { client, keys, config } = internalsOf(this.connection);
    const raw = await client.get(keys.modelDescription(version));
    const clusters = raw === null ? 0 : clusterCountOf(raw);
    const groups = chunksBySlot(
      config,
      keys.modelVersionKeys(version, clusters),
      (key) => key,
      1_000,
    );
    await Promise.all(groups.map((group) => client.unlink(...group)));
    this.descriptions.delete(version);
  }
}

const toVersion = (raw: string | null): number | undefined =>
  raw === null ? undefined : Number(raw);

function parseDescription(version: number, raw: string): ModelDescription {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    throw new ModelRecordError(version, (error as Error).message);
  }
  const parsed = modelDescriptionSchema.safeParse(json);
  if (!parsed.success) throw new ModelRecordError(version, issuesOf(parsed.error));
  if (parsed.data.version !== version) {
    throw new ModelRecordError(version, `it describes version ${parsed.data.version}`);
  }
  return parsed.data;
}

function parseDemographics(version: number, raw: string): DemographicModel {
  const parsed = demographicModelSchema.safeParse(JSON.parse(raw));
  if (!parsed.success) {
    throw new ModelRecordError(version, `demographics: ${issuesOf(parsed.error)}`);
  }
  return parsed.data;
}

function parseAlsFactors(
  version: number,
  fields: Record<string, Buffer>,
  expected: { factors: number; movies: number },
): StoredAlsFactors {
  try {
    return decodeAlsFactors(fields, expected);
  } catch (error) {
    if (error instanceof AlsFactorsEncodingError) {
      throw new ModelRecordError(version, `als: ${error.detail}`);
    }
    throw error;
  }
}

function parseItemNeighbours(
  version: number,
  fields: Record<string, Buffer>,
  expected: { movies: number },
): ItemNeighbourTable {
  try {
    return decodeItemNeighbours(fields, expected);
  } catch (error) {
    if (error instanceof ItemNeighboursEncodingError) {
      throw new ModelRecordError(version, `itemKnn: ${error.detail}`);
    }
    throw error;
  }
}

/** A schema's complaints on one line: `settings: expected object; sizes: ...`. */
const issuesOf = (error: z.ZodError): string =>
  error.issues.map((issue) => `${issue.path.join('.') || '(record)'}: ${issue.message}`).join('; ');

/** The cluster count of a description that may not parse any more, to delete what it names. */
function clusterCountOf(raw: string): number {
  try {
    const clusters = Number((JSON.parse(raw) as { clusters?: unknown }).clusters);
    return Number.isInteger(clusters) && clusters > 0 ? clusters : 0;
  } catch {
    return 0;
  }
}

async function fenced<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('FENCED')) {
      throw new FencedOutError(error);
    }
    throw error;
  }
}
