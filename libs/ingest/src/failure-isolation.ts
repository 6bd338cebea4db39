/** An item that failed on its own, with the error it failed with. */
export interface IsolatedFailure<T> {
  item: T;
  error: Error;
}

export interface IsolationOptions {
  /** Attempts of the whole list before it is split (the first failure may be transient). */
  attempts: number;
  /** Errors that must not be isolated (Redis unavailable, say): they fail the whole call. */
  isFatal: (error: unknown) => boolean;
}

/**
 * Runs an idempotent `apply` over a list; when it keeps failing, bisects the list until the
 * failing items stand alone, applying everything else. Returns the items that failed alone,
 * with their errors. One bad item among n costs about 2 log2(n) extra calls. A fatal error
 * anywhere is rethrown at once: the caller retries the whole list later, and since `apply` is
 * idempotent, what was applied before counts once.
 */
export async function applyIsolatingFailures<T>(
  items: readonly T[],
  apply: (items: readonly T[]) => Promise<void>,
  { attempts, isFatal }: IsolationOptions,
): Promise<IsolatedFailure<T>[]> {
  let failure: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      await apply(items);
      return [];
    } catch (error) {
      if (isFatal(error)) throw error;
      failure = error;
    }
  }
  const [only] = items;
  if (items.length === 1 && only !== undefined) {
    return [{ item: only, error: failure instanceof Error ? failure : new Error(String(failure)) }];
  }
  const middle = Math.ceil(items.length / 2);
  const once = { attempts: 1, isFatal };
  return [
    ...(await applyIsolatingFailures(items.slice(0, middle), apply, once)),
    ...(await applyIsolatingFailures(items.slice(middle), apply, once)),
  ];
}
