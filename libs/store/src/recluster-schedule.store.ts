import { claimReclusterScript, releaseLockScript, renewLockScript } from './recluster-lock.script';
import { internalsOf, type RedisConnection } from './redis-connection';

/** A claimed recluster run: its lock token and its model version (the fencing token). */
export interface ReclusterClaim {
  token: string;
  version: number;
  /** Why the run was due: "interval", "no model yet", "12345 new events", "requested". */
  reason: string;
}

/**
 * - `due`: a scheduled run, claimed only when the deployment's schedule says so;
 * - `now`: an operator's run, whenever the lock is free and no rollback pins the model;
 * - `rollback`: a rollback, which ignores the pin (it may go back further);
 * - `candidate`: building or discarding a candidate, which leaves the current model alone: it
 *   ignores the pin and leaves the schedule (the last start, the events counted) as it was.
 */
export type ClaimMode =
  | { kind: 'due'; intervalMs: number; afterEvents: number }
  | { kind: 'now' }
  | { kind: 'rollback' }
  | { kind: 'candidate' };

/** `busy`: skipped only because another run holds the lock, so a claim may succeed once it ends. */
export type ClaimOutcome = { claimed: ReclusterClaim } | { skipped: string; busy?: true };

/** A model a rollback pinned: scheduled and requested runs leave it in place until resumed. */
export interface ModelPin {
  version: number;
  /** ISO 8601, by Redis's clock. */
  since: string;
  /** ISO 8601; null: until an operator resumes scheduling. */
  until: string | null;
  reason: string;
}

/**
 * The recluster schedule of the whole deployment, in Redis: one run at a time (a lock with
 * expiry), one run per interval however many replicas poll (the last start is stored, timed by
 * Redis's clock), and the pin a rollback sets.
 */
export class ReclusterSchedule {
  constructor(private readonly connection: RedisConnection) {}

  /** Claims a run if `mode` allows one now (see recluster-lock.script). */
  async claim(token: string, mode: ClaimMode, lockTtlMs: number): Promise<ClaimOutcome> {
    const { client, keys } = internalsOf(this.connection);
    const [version, reason] = (await claimReclusterScript.run(
      client,
      [
        keys.reclusterLock(),
        keys.versionCounter(),
        keys.reclusterSchedule(),
        keys.eventsSinceRecluster(),
        keys.modelPin(),
        keys.currentModel(),
      ],
      [
        token,
        String(lockTtlMs),
        mode.kind,
        String(mode.kind === 'due' ? mode.intervalMs : 0),
        String(mode.kind === 'due' ? mode.afterEvents : 0),
      ],
    )) as [number, string];
    if (version > 0) return { claimed: { token, version, reason } };
    return version < 0 ? { skipped: reason, busy: true } : { skipped: reason };
  }

  /** Extends the claim's lock; false once the lock expired or went to another run. */
  async renew(claim: ReclusterClaim, lockTtlMs: number): Promise<boolean> {
    const { client, keys } = internalsOf(this.connection);
    const renewed = await renewLockScript.run(
      client,
      [keys.reclusterLock()],
      [claim.token, String(lockTtlMs)],
    );
    return renewed === 1;
  }

  async release(claim: ReclusterClaim): Promise<void> {
    const { client, keys } = internalsOf(this.connection);
    await releaseLockScript.run(client, [keys.reclusterLock()], [claim.token]);
  }

  /** The pin in force, if any (an expired one is reported as none). */
  async pin(): Promise<ModelPin | undefined> {
    const { client, keys } = internalsOf(this.connection);
    const [fields, time] = await Promise.all([client.hgetall(keys.modelPin()), client.time()]);
    const pin = toPin(fields);
    const now = Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000);
    return pin !== undefined && (pin.until === null || Date.parse(pin.until) > now)
      ? pin
      : undefined;
  }

  /** Lets scheduled runs replace the model again; returns the pin it lifted, if any. */
  async resume(): Promise<ModelPin | undefined> {
    const { client, keys } = internalsOf(this.connection);
    const pin = await this.pin();
    await client.del(keys.modelPin());
    return pin;
  }

  /** Events ingested since the last run was claimed. */
  async eventsSinceLastRun(): Promise<number> {
    const { client, keys } = internalsOf(this.connection);
    return Number((await client.get(keys.eventsSinceRecluster())) ?? 0);
  }
}

function toPin(raw: Record<string, string>): ModelPin | undefined {
  if (raw.version === undefined) return undefined;
  return {
    version: Number(raw.version),
    since: new Date(Number(raw.since)).toISOString(),
    until: raw.until === undefined ? null : new Date(Number(raw.until)).toISOString(),
    reason: raw.reason ?? '',
  };
}
