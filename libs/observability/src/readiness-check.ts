/** Something a service needs in order to do its work, asked by `GET /health/ready`. */
export interface ReadinessCheck {
  /** The key in the health answer: `redis`, `kafka`, `model`. */
  readonly name: string;
  /** Resolves while the dependency answers; rejects, with the reason, while it does not. */
  check(): Promise<void>;
}

/** The app module provides its `ReadinessCheck[]` under this token. */
export const READINESS_CHECKS = Symbol('READINESS_CHECKS');
