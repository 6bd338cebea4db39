import { type ListenAddress } from '@app/config';
import { isListenFailure, ListenError, type SystemError } from './listen.error';

const aSystemError = (code: string, syscall: string, message = `${syscall} ${code}`): SystemError =>
  Object.assign(new Error(message), { code, syscall });

const http: ListenAddress = { port: 3000, portVariable: 'QUERY_PORT' };
const rpc: ListenAddress = {
  host: 'rpc.internal',
  port: 3100,
  hostVariable: 'QUERY_RPC_HOST',
  portVariable: 'QUERY_RPC_PORT',
};

describe(ListenError.name, () => {
  it.each([
    [http, 'EADDRINUSE', 'QUERY_PORT', 'QUERY_PORT: port 3000 is already in use (EADDRINUSE)'],
    [
      rpc,
      'EADDRINUSE',
      'QUERY_RPC_PORT',
      'QUERY_RPC_PORT: rpc.internal port 3100 is already in use (EADDRINUSE)',
    ],
    [
      http,
      'EACCES',
      'QUERY_PORT',
      'QUERY_PORT: no permission to listen on port 3000; ports below 1024 need privileges (EACCES)',
    ],
    [
      rpc,
      'EADDRNOTAVAIL',
      'QUERY_RPC_HOST',
      'QUERY_RPC_HOST: rpc.internal is not an address of this machine (EADDRNOTAVAIL)',
    ],
    [
      rpc,
      'ENOTFOUND',
      'QUERY_RPC_HOST',
      'QUERY_RPC_HOST: the host name "rpc.internal" does not resolve (ENOTFOUND)',
    ],
    [
      rpc,
      'EAI_AGAIN',
      'QUERY_RPC_HOST',
      'QUERY_RPC_HOST: the host name "rpc.internal" does not resolve (EAI_AGAIN)',
    ],
  ])('names the variable to change (%o, %s)', (address, code, variable, message) => {
    const cause = aSystemError(code, 'listen');

    const sut = new ListenError(address, cause);

    expect(sut.variable).toBe(variable);
    expect(sut.message).toBe(message);
    expect(sut.cause).toBe(cause);
  });

  it('names the port for a failure it has no words for, keeping the system message', () => {
    const sut = new ListenError(http, aSystemError('EINVAL', 'listen', 'listen EINVAL: bad'));

    expect(sut.message).toBe('QUERY_PORT: cannot listen on port 3000: listen EINVAL: bad (EINVAL)');
  });
});

describe('isListenFailure', () => {
  it('is true of the system errors of listen and of the resolver, and only of those', () => {
    expect(isListenFailure(aSystemError('EADDRINUSE', 'listen'))).toBe(true);
    expect(isListenFailure(aSystemError('ENOTFOUND', 'getaddrinfo'))).toBe(true);
    expect(isListenFailure(aSystemError('ECONNREFUSED', 'connect'))).toBe(false);
    expect(isListenFailure(new Error('listen EADDRINUSE'))).toBe(false);
    expect(isListenFailure({ code: 'EADDRINUSE', syscall: 'listen' })).toBe(false);
  });
});
