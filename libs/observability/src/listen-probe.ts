import { createServer, type Server } from 'node:net';
import { type ListenAddress } from '@app/config';
import { isListenFailure, ListenError } from './listen.error';

/** Fastify's default is loopback only; probes and peers come from outside. */
export const ALL_INTERFACES = '0.0.0.0';

/**
 * Listens on every address at once, then closes them all: throws a ListenError naming the
 * variable of the first that cannot be had (a port in use, a host that does not resolve or is not
 * this machine's). Asked before the service starts, so that one which could never serve its
 * probes stops at once, before it connects anywhere or joins a consumer group.
 */
export async function probeListenAddresses(addresses: readonly ListenAddress[]): Promise<void> {
  const servers: Server[] = [];
  try {
    for (const address of addresses) {
      const server = createServer();
      servers.push(server);
      await untilListening(server, () => {
        server.listen({ port: address.port, host: address.host ?? ALL_INTERFACES });
      }).catch((error: unknown) => {
        throw isListenFailure(error) ? new ListenError(address, error) : error;
      });
    }
  } finally {
    await Promise.all(servers.map(closeServer));
  }
}

/**
 * Resolves once `server` listens, after `start` asked it to; rejects with the server's error. A
 * server may report a failure to listen only as an 'error' event (the Nest TCP transport leaves
 * its start pending on any but EADDRINUSE), so the event decides as much as `start`'s promise.
 */
export async function untilListening(server: Server, start: () => unknown): Promise<void> {
  let onError: (error: Error) => void = () => undefined;
  let onListening: () => void = () => undefined;
  const listened = new Promise<void>((resolve, reject) => {
    onError = reject;
    onListening = resolve;
    server.once('error', onError);
    server.once('listening', onListening);
  });
  try {
    await Promise.all([listened, start()]);
  } finally {
    server.off('error', onError);
    server.off('listening', onListening);
  }
}

const closeServer = (server: Server): Promise<void> =>
  new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => {
      resolve();
    });
  });
