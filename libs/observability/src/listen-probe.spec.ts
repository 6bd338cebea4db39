import { Server } from 'node:net';
import { untilListening } from './listen-probe';

const aListenFailure = (code: string, syscall: string): Error =>
  Object.assign(new Error(`${syscall} ${code} rpc.internal`), { code, syscall });

/** Nest's TCP transport leaves its start pending on any failure but EADDRINUSE. */
const neverSettles = (): Promise<void> => new Promise(() => undefined);

describe(untilListening.name, () => {
  it("rejects with the server's error while the start it asked for stays pending", async () => {
    const server = new Server();
    const sut = untilListening(server, neverSettles);

    server.emit('error', aListenFailure('ENOTFOUND', 'getaddrinfo'));

    await expect(sut).rejects.toThrow('getaddrinfo ENOTFOUND rpc.internal');
    expect(server.listenerCount('error')).toBe(0);
  });

  it('rejects when the start fails though the server reported nothing', async () => {
    const server = new Server();

    await expect(
      untilListening(server, () => Promise.reject(aListenFailure('EADDRINUSE', 'listen'))),
    ).rejects.toThrow('listen EADDRINUSE');
    expect(server.listenerCount('listening')).toBe(0);
  });

  it('resolves once the server listens and the start has finished', async () => {
    const server = new Server();
    let finish: () => void = () => undefined;
    const sut = untilListening(server, () => new Promise<void>((resolve) => (finish = resolve)));
    let settled = false;
    void sut.then(() => (settled = true));

    server.emit('listening');
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    finish();

    await expect(sut).resolves.toBeUndefined();
    expect(server.listenerCount('error')).toBe(0);
  });
});
