import { CentroidModel } from '@app/clustering';
import { type ApplyResult, type RatingsRepository } from '@app/store';

/**
 * Places users that have no cluster in an active model (new users, or users that appeared while
 * a recluster ran) in the cluster with the nearest centre, as soon as ingestion sees their events.
 * Centres are loaded once per model version: a version never changes once stored.
 */
export class NewUserPlacer {
  private readonly models = new Map<number, Promise<CentroidModel | undefined>>();

  constructor(private readonly repository: RatingsRepository) {}

  /** Places the users an apply left without a cluster; returns how many were placed. */
  async place({ models, unassigned }: Pick<ApplyResult, 'models' | 'unassigned'>): Promise<number> {
    // A user new to both models while a recluster publishes is read once.
    const userIds = [...new Set([...unassigned.values()].flat())];
    const read = await Promise.all(userIds.map((userId) => this.repository.getUserRatings(userId)));
    const ratings = new Map(
      userIds.map((userId, i) => [
        userId,
        [...(read[i] ?? [])].map(([movie, { rating }]) => [movie, rating] as const),
      ]),
    );
    let placed = 0;
    for (const { version, clusters } of models) {
      const users = unassigned.get(version) ?? [];
      if (users.length === 0) continue;
      const model = await this.centroids(version);
      if (model === undefined) continue;
      const placements = new Map(
        users.map((userId) => [userId, model.nearest(ratings.get(userId) ?? [])]),
      );
      placed += await this.repository.assignUsers(version, clusters, placements);
    }
    this.forgetOtherThan(models.map((m) => m.version));
    return placed;
  }

  private centroids(version: number): Promise<CentroidModel | undefined> {
    let model = this.models.get(version);
    if (model === undefined) {
      model = this.repository
        .loadModel(version)
        .then((stored) => (stored === undefined ? undefined : CentroidModel.fromStored(stored)))
        .catch((error: unknown) => {
          // Not cached: the batch is retried and the model read again.
          this.models.delete(version);
          throw error;
        });
      this.models.set(version, model);
    }
    return model;
  }

  /** Centres of versions that are no longer active are dropped, so memory stays bounded. */
  private forgetOtherThan(active: readonly number[]): void {
    for (const version of this.models.keys()) {
      if (!active.includes(version)) this.models.delete(version);
    }
  }
}
