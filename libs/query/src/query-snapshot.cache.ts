import { type ModelVariant } from '@app/query-client';
import { type ClusterAggregates, type ShrinkageSettings } from '@app/recommend';
import {
  type ClusterAggregatesStore,
  type IngestCounters,
  type ModelStore,
  type StoredModel,
} from '@app/store';
import { QuerySnapshot } from './query-snapshot';
import { StoreUnavailableError } from './query.errors';
import { variantOf } from './variant';

/** What the snapshot is read from. */
export interface SnapshotStores {
  models: ModelStore;
  aggregates: ClusterAggregatesStore;
  counters: IngestCounters;
}

/** A cluster's aggregates as the cache holds them, and the change of its stream they include. */
interface HeldCluster {
  aggregates: ClusterAggregates & {
    favourites: Map<number, number>;
    ratingSums: Map<number, number>;
    ratingCounts: Map<number, number>;
  };
  change: number;
}

/** The clusters of one model version (version 0: the all-users aggregate), as last read. */
interface HeldVersion {
  version: number;
  clusters: HeldCluster[];
}

/** How the cache splits users between the active model and the candidate. */
export interface VariantSettings {
  /** The share of users (0..1, by a hash of their id) answered from the candidate, if any. */
  candidateShare: number;
}

/** The snapshot a user's request is answered from, and which model it holds. */
export interface UserSnapshot {
  snapshot: QuerySnapshot;
  variant: ModelVariant;
}

/**
 * The snapshot requests are answered from. Aggregates change with every ingested event, so they
 * are brought up to date every refresh interval when events were ingested or the model switched:
 * each cluster whole when first read, then only the movies its change stream names since
 * (ClusterAggregatesStore.readChanges), so a refresh reads from Redis in proportion to what
 * changed, not to the catalogue. Requests stay in memory but for the one command that reads the
 * user.
 *
 * While a candidate model is published and a share of users goes to it, its clusters are held
 * and refreshed the same way, in a second snapshot that shares the popular lists of the first.
 */
export class QuerySnapshotCache {
  private snapshot: QuerySnapshot | undefined;
  private candidateSnapshot: QuerySnapshot | undefined;
  /** A version's centres and description never change, so they are read once per version. */
  private model: StoredModel | undefined;
  private candidateModel: StoredModel | undefined;
  private refreshing: Promise<QuerySnapshot> | undefined;
  /**
   * Model versions and ingested-event count the snapshots were read at: unchanged, no re-read.
   */
  private loadedMarker: string | undefined;
  private allUsers: HeldVersion | undefined;
  private clusters: HeldVersion | undefined;
  private candidateClusters: HeldVersion | undefined;
  /** Clusters read whole and clusters brought up to date from their changes, since start. */
  readonly reads = { whole: 0, changes: 0 };

  constructor(
    private readonly stores: SnapshotStores,
    private readonly shrinkage: ShrinkageSettings,
    private readonly variants: VariantSettings = { candidateShare: 0 },
  ) {}

  /** The latest snapshot of the active model; undefined until the first read succeeded. */
  get current(): QuerySnapshot | undefined {
    return this.snapshot;
  }

  /** The latest snapshot of the candidate: undefined without one, or with no share of users. */
  get candidate(): QuerySnapshot | undefined {
    return this.candidateSnapshot;
  }

  /**
   * The snapshot a user is answered from: the candidate's for the share of users variantOf
   * sends there, while one is loaded; else the active model's. Throws StoreUnavailableError
   * until the first read succeeded.
   */
  forUser(userId: number): UserSnapshot {
    const active = this.snapshot;
    if (active === undefined) {
      throw new StoreUnavailableError(new Error('the snapshot has not been read from Redis yet'));
    }
    const candidate = this.candidateSnapshot;
    if (
      candidate !== undefined &&
      variantOf(userId, this.variants.candidateShare) === 'candidate'
    ) {
      return { snapshot: candidate, variant: 'candidate' };
    }
    return { snapshot: active, variant: 'active' };
  }

  /** Re-reads what changed; concurrent calls share one read. */
  refresh(): Promise<QuerySnapshot> {
    this.refreshing ??= this.load().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async load(): Promise<QuerySnapshot> {
    const { models, counters } = this.stores;
    // With no share of users to answer, a candidate is not worth its memory.
    const candidateVersion = () =>
      this.variants.candidateShare > 0 ? models.candidateVersion() : Promise.resolve(undefined);
    // Read before the aggregates: ingestion counts a batch only after its writes landed, so
    // aggregates read after this count hold at least what it counts.
    const [version, candidate, totals] = await Promise.all([
      models.currentVersion(),
      candidateVersion(),
      counters.totals(),
    ]);
    const marker = `${version ?? '-'}:${candidate ?? '-'}:${totals.events}`;
    if (this.snapshot !== undefined && marker === this.loadedMarker) return this.snapshot;
    this.model = await this.modelAt(version, this.model);
    this.candidateModel = await this.modelAt(candidate, this.candidateModel);
    const model = this.model;
    const candidateModel = this.candidateModel;
    this.allUsers = await this.follow(0, 1, this.allUsers);
    if (model !== undefined) {
      this.clusters = await this.follow(
        model.description.version,
        model.description.clusters,
        this.clusters,
      );
    }
    this.candidateClusters =
      candidateModel === undefined
        ? undefined
        : await this.follow(
            candidateModel.description.version,
            candidateModel.description.clusters,
            this.candidateClusters,
          );
    const [allUsers] = this.allUsers.clusters;
    if (allUsers === undefined) throw new Error('the all-users aggregate was not read');
    const snapshot = new QuerySnapshot(
      allUsers.aggregates,
      model === undefined || this.clusters === undefined
        ? undefined
        : { stored: model, clusters: this.clusters.clusters.map((held) => held.aggregates) },
      this.shrinkage,
    );
    // A candidate promoted or discarded while it was read may have lost its keys part-way: it
    // is left out until the next refresh reads the pointers again.
    const kept = candidate !== undefined && (await candidateVersion()) === candidate;
    const candidateSnapshot =
      !kept || candidateModel === undefined || this.candidateClusters === undefined
        ? undefined
        : new QuerySnapshot(
            snapshot,
            {
              stored: candidateModel,
              clusters: this.candidateClusters.clusters.map((held) => held.aggregates),
            },
            this.shrinkage,
          );
    await snapshot.warm();
    await candidateSnapshot?.warm();
    this.snapshot = snapshot;
    this.candidateSnapshot = candidateSnapshot;
    this.loadedMarker = kept || candidate === undefined ? marker : undefined;
    return this.snapshot;
  }

  /** A version's stored model: the one held when it is that version, else read. */
  private async modelAt(
    version: number | undefined,
    held: StoredModel | undefined,
  ): Promise<StoredModel | undefined> {
    if (version === undefined) return undefined;
    if (held?.description.version === version) return held;
    return this.stores.models.load(version);
  }

  /**
   * Brings a version's clusters up to date: from their changes when they were read before, else
   * whole. One cluster at a time: decoding a cluster's replies is a slice of work between
   * requests, not one long stall.
   */
  private async follow(
    version: number,
    clusters: number,
    held: HeldVersion | undefined,
  ): Promise<HeldVersion> {
    const { aggregates } = this.stores;
    const known = held?.version === version ? held.clusters : [];
    const next: HeldCluster[] = [];
    for (let cluster = 0; cluster < clusters; cluster++) {
      const before = known[cluster];
      const changes =
        before === undefined
          ? undefined
          : await aggregates.readChanges(version, cluster, before.change);
      if (before === undefined || changes === undefined) {
        const read = await aggregates.readAt(version, cluster);
        next.push(read as HeldCluster);
        this.reads.whole++;
        continue;
      }
      for (const { movieId, ratingSum, ratingCount, favourites } of changes.movies) {
        setOrDelete(before.aggregates.ratingSums, movieId, ratingCount > 0 ? ratingSum : 0);
        setOrDelete(before.aggregates.ratingCounts, movieId, ratingCount);
        setOrDelete(before.aggregates.favourites, movieId, favourites);
      }
      before.change = changes.change;
      next.push(before);
      this.reads.changes++;
    }
    return { version, clusters: next };
  }
}

function setOrDelete(values: Map<number, number>, movieId: number, value: number): void {
  if (value === 0) values.delete(movieId);
  else values.set(movieId, value);
}
