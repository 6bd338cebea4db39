import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { QuerySnapshotCache } from '@app/query';
import { type QueryConfig } from './query.config';
import { QUERY_CONFIG } from './query.constants';

/** Keeps the model snapshot fresh: once at boot, then every refresh interval. */
@Injectable()
export class SnapshotRefresher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(SnapshotRefresher.name);
  private timer: NodeJS.Timeout | undefined;
  private lastVersion: number | undefined;
  private logged = false;

  constructor(
    @Inject(QUERY_CONFIG) private readonly config: QueryConfig,
    private readonly snapshots: QuerySnapshotCache,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.config.refreshMs);
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** Never throws: a failed refresh keeps serving the last snapshot and is retried next time. */
  private async refresh(): Promise<void> {
    try {
      const { model } = await this.snapshots.refresh();
      if (model?.version !== this.lastVersion || !this.logged) {
        this.lastVersion = model?.version;
        this.logged = true;
        this.logger.log(
          model === undefined
            ? 'no model yet: answering with the most popular movies until the first recluster'
            : `serving model ${model.version} (${model.clusterCount} clusters)`,
        );
      }
    } catch (error) {
      this.logger.warn(`could not refresh the model snapshot: ${(error as Error).message}`);
    }
  }
}
