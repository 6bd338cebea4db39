/** Stops containers the global setup started; a local stack is left running for the next run. */
export default async function globalTeardown(): Promise<void> {
  const containers = (globalThis as { __containers__?: { stop(): Promise<unknown> }[] })
    .__containers__;
  await Promise.all((containers ?? []).map((container) => container.stop()));
}
