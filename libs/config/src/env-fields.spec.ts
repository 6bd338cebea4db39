import { z } from 'zod';
import { ConfigError } from './config.error';
import { envHost, envPort, hostProblem, portProblem } from './env-fields';
import { loadConfig } from './load-config';

const schema = z.object({ PORT: envPort(3000), HOST: envHost('0.0.0.0') });

describe(envPort.name, () => {
  it('reads decimal digits, and the default when the variable is not set', () => {
    expect(loadConfig(schema, {}).PORT).toBe(3000);
    expect(loadConfig(schema, { PORT: '13012' }).PORT).toBe(13_012);
    expect(loadConfig(schema, { PORT: '1' }).PORT).toBe(1);
    expect(loadConfig(schema, { PORT: '65535' }).PORT).toBe(65_535);
  });

  it.each([
    ['', 'empty, which Number() reads as 0, any free port'],
    ['0', 'any free port, which no client could find'],
    ['0x32D4', 'hexadecimal, which Number() reads as 13012'],
    ['1e4', 'an exponent'],
    ['3000.0', 'a fraction'],
    ['+3000', 'a sign'],
    ['-1', 'negative'],
    [' 3000', 'a space'],
    ['3000\n', 'a line break'],
    ['65536', 'above 65535'],
    ['030000', 'above 65535 after a leading zero'],
    ['http', 'a word'],
  ])('refuses %j (%s)', (raw) => {
    const load = () => loadConfig(schema, { PORT: raw });

    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/PORT: expected a port from 1 to 65535 in decimal digits/);
  });
});

describe(portProblem.name, () => {
  it('quotes the value it refuses', () => {
    expect(portProblem('0x32D4')).toBe(
      'expected a port from 1 to 65535 in decimal digits, got "0x32D4"',
    );
    expect(portProblem('8080')).toBeUndefined();
  });
});

describe(envHost.name, () => {
  it.each([
    '0.0.0.0',
    '127.0.0.1',
    '255.255.255.255',
    '::',
    '::1',
    'fe80::1',
    'localhost',
    'redis.internal',
    'kafka-0.kafka.svc.cluster.local',
    'kafka-0.kafka.svc.cluster.local.',
    'my_redis',
    '1e100.net',
  ])('accepts %j', (host) => {
    expect(loadConfig(schema, { HOST: host }).HOST).toBe(host);
  });

  it.each([
    ['999.1.1.1', '"999.1.1.1" is not an IPv4 address'],
    ['256.0.0.1', '"256.0.0.1" is not an IPv4 address'],
    ['1.2.3', '"1.2.3" is not an IPv4 address'],
    ['1::2::3', '"1::2::3" is not an IPv6 address'],
    ['[::1]', 'expected an IP address or a host name, got "[::1]"'],
    ['', 'expected an IP address or a host name, got ""'],
    [' localhost', 'expected an IP address or a host name, got " localhost"'],
    ['has space', 'expected an IP address or a host name, got "has space"'],
    ['-bad.example', 'expected an IP address or a host name, got "-bad.example"'],
    ['a..b', 'expected an IP address or a host name, got "a..b"'],
    ['http://x', 'expected an IP address or a host name, got "http://x"'],
    [
      `${'a'.repeat(64)}.example`,
      `expected an IP address or a host name, got "${'a'.repeat(64)}.example"`,
    ],
  ])('refuses %j, naming the variable', (host, problem) => {
    expect(hostProblem(host)).toBe(problem);
    expect(() => loadConfig(schema, { HOST: host })).toThrow(`HOST: ${problem}`);
  });
});
