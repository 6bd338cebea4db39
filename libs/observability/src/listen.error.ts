import { type ListenAddress } from '@app/config';

/** What Node reports when a server cannot listen: `listen EADDRINUSE`, `getaddrinfo ENOTFOUND`. */
export type SystemError = Error & { code: string; syscall: string };

/** A listen failure of the system (a port in use, a host unknown), not a bug of the server. */
export const isListenFailure = (error: unknown): error is SystemError =>
  error instanceof Error &&
  typeof (error as Partial<SystemError>).code === 'string' &&
  ['listen', 'bind', 'getaddrinfo'].includes(String((error as Partial<SystemError>).syscall));

/** A server could not listen where its variables said; names the variable to change. */
export class ListenError extends Error {
  readonly code = 'LISTEN_FAILED';
  /** The variable the failure points at: the port's, or the host's when the host is at fault. */
  readonly variable: string;

  constructor(address: ListenAddress, cause: SystemError) {
    const { variable, problem } = describe(address, cause);
    super(`${variable}: ${problem} (${cause.code})`, { cause });
    this.name = 'ListenError';
    this.variable = variable;
  }
}

function describe(
  { host, port, portVariable, hostVariable }: ListenAddress,
  { code, message }: SystemError,
): { variable: string; problem: string } {
  const where = host === undefined ? `port ${port}` : `${host} port ${port}`;
  switch (code) {
    case 'EADDRINUSE':
      return { variable: portVariable, problem: `${where} is already in use` };
    case 'EACCES':
      return {
        variable: portVariable,
        problem: `no permission to listen on port ${port}; ports below 1024 need privileges`,
      };
    case 'EADDRNOTAVAIL':
      return {
        variable: hostVariable ?? portVariable,
        problem: `${host ?? 'the address'} is not an address of this machine`,
      };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
      return {
        variable: hostVariable ?? portVariable,
        problem: `the host name "${host ?? ''}" does not resolve`,
      };
    default:
      return { variable: portVariable, problem: `cannot listen on ${where}: ${message}` };
  }
}
