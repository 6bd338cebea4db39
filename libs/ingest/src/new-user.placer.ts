import { placementModelOf, type PlacementModel, placeUser } from '@app/recommend';
import {
  type ActiveModel,
  type ApplyResult,
  type ModelStore,
  type UserEventStore,
} from '@app/store';

/**
 * Places users that have no cluster in an active model (new users, or users that appeared while
 * a recluster ran) as soon as ingestion sees their events, by the model's own placement rule
 * (placeUser); and places them again as their ratings double, until a recluster clusters them.
 * Models are loaded once per version: a version never changes once stored.
 */
export class NewUserPlacer {
  private readonly models = new Map<number, Promise<PlacementModel | undefined>>();

  constructor(
    private readonly users: UserEventStore,
    private readonly modelStore: ModelStore,
  ) {}

  /** Places the users an apply left without a cluster, or due again; returns how many moved. */
  async place(models: readonly ActiveModel[], result: ApplyResult): Promise<number> {
    const waiting = (version: number) => [
      ...new Set([
        ...(result.unassigned.get(version) ?? []),
        ...(result.duePlacements.get(version) ?? []),
      ]),
    ];
    // A user waiting in both models while a recluster publishes is read once.
    const userIds = [...new Set(models.flatMap(({ version }) => waiting(version)))];
    if (userIds.length === 0) return 0;
    const stored = await this.users.readUsers(userIds);
    const byUser = new Map(userIds.map((userId, i) => [userId, stored[i]]));
    let placed = 0;
    for (const model of models) {
      const users = waiting(model.version);
      if (users.length === 0) continue;
      const placement = await this.placementModel(model.version);
      if (placement === undefined) continue;
      const clusters = new Map(
        users.map((userId) => {
          const user = byUser.get(userId);
          const ratings = [...(user?.ratings ?? [])].map(
            ([movie, { rating }]) => [movie, rating] as const,
          );
          return [userId, placeUser(placement, ratings, user?.profile).cluster];
        }),
      );
      placed += await this.users.placeUsers(model, clusters, { provisional: true });
    }
    this.forgetOtherThan(models.map((m) => m.version));
    return placed;
  }

  private placementModel(version: number): Promise<PlacementModel | undefined> {
    let model = this.models.get(version);
    if (model === undefined) {
      model = this.modelStore
        .load(version)
        .then((stored) => (stored === undefined ? undefined : placementModelOf(stored)))
        .catch((error: unknown) => {
          // Not cached: the batch is retried and the model read again.
          this.models.delete(version);
          throw error;
        });
      this.models.set(version, model);
    }
    return model;
  }

  /** Models of versions that are no longer active are dropped, so memory stays bounded. */
  private forgetOtherThan(active: readonly number[]): void {
    for (const version of this.models.keys()) {
      if (!active.includes(version)) this.models.delete(version);
    }
  }
}
