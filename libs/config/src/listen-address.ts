/**
 * Where a server listens, with the variables it was read from, so that a server that cannot
 * listen there (a port in use, a host that is not this machine's) says which variable to change.
 */
export interface ListenAddress {
  /** An IP address or a host name; absent: every IPv4 interface. */
  host?: string;
  port: number;
  /** The variable the port was read from: `QUERY_PORT`. */
  portVariable: string;
  /** The variable the host was read from, when it has one. */
  hostVariable?: string;
}
