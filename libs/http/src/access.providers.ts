import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type Provider,
} from '@nestjs/common';
import { type AccessPolicy } from './access-policy';
import { ACCESS_POLICY, AccessGuard } from './access.guard';

/** Says at start-up, once, when the admin routes are not guarded by a token. */
@Injectable()
export class AccessPolicyReport implements OnApplicationBootstrap {
  private readonly logger = new Logger('access');

  constructor(@Inject(ACCESS_POLICY) private readonly policy: AccessPolicy) {}

  onApplicationBootstrap(): void {
    const { mode } = this.policy.admin;
    if (mode === 'open') {
      this.logger.warn('ADMIN_AUTH=disabled: admin routes are open to anyone who reaches them');
    } else if (mode === 'locked') {
      this.logger.warn(
        'ADMIN_TOKEN is not set: admin routes answer 401 to every request until it is',
      );
    }
  }
}

/** What a module with `RequireAccess` routes provides: the policy, its guard and its report. */
export const accessProviders = (policy: AccessPolicy): Provider[] => [
  { provide: ACCESS_POLICY, useValue: policy },
  AccessGuard,
  AccessPolicyReport,
];
