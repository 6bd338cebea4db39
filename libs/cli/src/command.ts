import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { z } from 'zod';
import { UsageError } from './cli-error';
import { parseArguments } from './parse-arguments';
import { runCli } from './run-cli';

/**
 * One command-line option, declared once: how node:util parses it, how zod validates it, and the
 * line `--help` shows for it.
 */
export interface CliOption<T> {
  readonly type: 'string' | 'boolean';
  readonly schema: z.ZodType<T>;
  /** What `--help` shows after the name: `FILE`, `N`, `A:B`; none for a flag. */
  readonly value?: string;
  readonly description: string;
  /** The default as `--help` shows it. */
  readonly shownDefault?: string;
  readonly short?: string;
}

interface Common {
  /** The value's placeholder in `--help`. */
  value?: string;
}

/** What a value parser returns for text it cannot take: the message says what was expected. */
class Problem {
  constructor(readonly message: string) {}
}

const problem = (message: string): Problem => new Problem(message);

const integer = (text: string, min: number, max: number): number | Problem => {
  if (!/^-?\d+$/.test(text.trim())) return problem(`expected a whole number, got "${text}"`);
  const value = Number(text);
  if (value < min || value > max) {
    return problem(`expected a whole number from ${min} to ${max}, got ${value}`);
  }
  return value;
};

/** Why `path` cannot be written, or undefined when it can. */
function writableFileProblem(path: string): Problem | undefined {
  if (path.trim() === '') return problem('expected a file name');
  const folder = dirname(resolve(path));
  try {
    if (statSync(resolve(path), { throwIfNoEntry: false })?.isDirectory()) {
      return problem(`${path} is a folder; give a file name`);
    }
    if (!statSync(folder, { throwIfNoEntry: false })?.isDirectory()) {
      return problem(`the folder ${folder} does not exist`);
    }
    accessSync(folder, constants.W_OK);
    return undefined;
  } catch (error) {
    return problem(`cannot write in ${folder}: ${(error as Error).message}`);
  }
}

/** A string parsed by `parse`, which returns the value or the Problem with the text. */
function parsed<T>(parse: (text: string) => T | Problem): z.ZodType<T> {
  return z.string({ error: 'required' }).transform((text, ctx) => {
    const value = parse(text);
    if (value instanceof Problem) {
      ctx.addIssue({ code: 'custom', message: value.message });
      return z.NEVER;
    }
    return value;
  });
}

/** An option's value: `T` when it has a default, else `T | undefined`. */
type Defaulted<T, D> = undefined extends D ? T | undefined : T;

/** An option's schema and shown default: optional without a default, else filled with it. */
function withDefault<T, D extends T | undefined>(
  schema: z.ZodType<T>,
  defaultValue: D,
  show: (value: T) => string = String,
): Pick<CliOption<Defaulted<T, D>>, 'schema' | 'shownDefault'> {
  if (defaultValue === undefined) {
    return { schema: schema.optional() as z.ZodType<Defaulted<T, D>> };
  }
  return {
    schema: schema.optional().transform((v) => v ?? defaultValue),
    shownDefault: show(defaultValue),
  };
}

/** Builders of the options commands declare. */
export const option = {
  /** A required string: a file, a name. */
  required(description: string, { value = 'VALUE' }: Common = {}): CliOption<string> {
    return {
      type: 'string',
      schema: z.string({ error: 'required' }).min(1, 'expected a value'),
      value,
      description,
    };
  },

  /** A string, optionally matching a pattern. */
  string<D extends string | undefined = undefined>(
    description: string,
    {
      value = 'VALUE',
      defaultValue,
      pattern,
    }: Common & { defaultValue?: D; pattern?: { pattern: RegExp; message: string } } = {},
  ): CliOption<Defaulted<string, D>> {
    const schema =
      pattern === undefined
        ? z.string().min(1, 'expected a value')
        : z.string().regex(pattern.pattern, pattern.message);
    return { type: 'string', ...withDefault(schema, defaultValue as D), value, description };
  },

  /** A whole number from `min` to `max`. */
  int<D extends number | undefined = undefined>(
    description: string,
    {
      value = 'N',
      min = 0,
      max = Number.MAX_SAFE_INTEGER,
      defaultValue,
    }: Common & { min?: number; max?: number; defaultValue?: D } = {},
  ): CliOption<Defaulted<number, D>> {
    const schema = parsed((text) => integer(text, min, max));
    return { type: 'string', ...withDefault(schema, defaultValue as D), value, description };
  },

  /** A finite number in [min, max] (or (min, max] with `aboveMin`). */
  number<D extends number | undefined = undefined>(
    description: string,
    {
      value = 'X',
      min = -Infinity,
      max = Infinity,
      aboveMin = false,
      defaultValue,
    }: Common & { min?: number; max?: number; aboveMin?: boolean; defaultValue?: D } = {},
  ): CliOption<Defaulted<number, D>> {
    const bounds = `${aboveMin ? 'above' : 'from'} ${min} ${aboveMin ? 'and at most' : 'to'} ${max}`;
    const schema = parsed((text) => {
      const number = Number(text);
      if (text.trim() === '' || !Number.isFinite(number)) {
        return problem(`expected a number, got "${text}"`);
      }
      if ((aboveMin ? number <= min : number < min) || number > max) {
        return problem(`expected a number ${bounds}, got ${number}`);
      }
      return number;
    });
    return { type: 'string', ...withDefault(schema, defaultValue as D), value, description };
  },

  /** One of a fixed set of words. */
  choice<
    const C extends readonly [string, ...string[]],
    D extends C[number] | undefined = undefined,
  >(
    choices: C,
    description: string,
    { defaultValue }: { defaultValue?: D } = {},
  ): CliOption<Defaulted<C[number], D>> {
    const schema: z.ZodType<C[number]> = z.enum(choices, {
      error: (issue) => `expected one of ${choices.join(', ')}, got "${String(issue.input)}"`,
    });
    return {
      type: 'string',
      ...withDefault(schema, defaultValue as D),
      value: choices.join('|'),
      description,
    };
  },

  /** An inclusive range of whole numbers, `A:B`. */
  range<D extends readonly [number, number] | undefined = undefined>(
    description: string,
    { min = 1, defaultValue }: { min?: number; defaultValue?: D } = {},
  ): CliOption<Defaulted<readonly [number, number], D>> {
    const schema = parsed<readonly [number, number]>((text) => {
      const match = /^(\d+):(\d+)$/.exec(text.trim());
      if (match === null) return problem(`expected A:B, got "${text}"`);
      const [a, b] = [Number(match[1]), Number(match[2])];
      if (a < min || a > b) return problem(`expected ${min} <= A <= B, got ${a}:${b}`);
      return [a, b];
    });
    return {
      type: 'string',
      ...withDefault(schema, defaultValue as D, (range) => range.join(':')),
      value: 'A:B',
      description,
    };
  },

  /** Whole numbers separated by commas. */
  intList(
    description: string,
    { min = 1, defaultValue }: { min?: number; defaultValue: readonly number[] },
  ): CliOption<readonly number[]> {
    const schema = parsed((text) => {
      const values: number[] = [];
      for (const part of text.split(',')) {
        const value = integer(part, min, Number.MAX_SAFE_INTEGER);
        if (value instanceof Problem) return problem(`${value.message} (in "${text}")`);
        values.push(value);
      }
      return values;
    });
    return {
      type: 'string',
      ...withDefault<readonly number[], readonly number[]>(schema, defaultValue, (list) =>
        list.join(','),
      ),
      value: 'LIST',
      description,
    };
  },

  /**
   * A file to write, checked before any work: its folder must exist and be writable, and it must
   * not be a folder itself, so a long run never ends in a failed write.
   */
  outputFile(description: string, { value = 'FILE' }: Common = {}): CliOption<string> {
    return {
      type: 'string',
      schema: parsed((text) => writableFileProblem(text) ?? text),
      value,
      description,
    };
  },

  /** A duration: `500ms`, `30s`, `15m`, `2h`, `1d` (a bare number is milliseconds); as ms. */
  duration(description: string): CliOption<number | undefined> {
    const units: Record<string, number> = {
      ms: 1,
      s: 1_000,
      m: 60_000,
      h: 3_600_000,
      d: 86_400_000,
    };
    const schema = parsed((text) => {
      const match = /^(\d+)(ms|s|m|h|d)?$/.exec(text.trim());
      if (match === null || Number(match[1]) === 0) {
        return problem(`expected a duration such as 30m, 2h or 1d, got "${text}"`);
      }
      return Number(match[1]) * (units[match[2] ?? 'ms'] ?? 1);
    });
    return { type: 'string', ...withDefault(schema, undefined), value: 'DURATION', description };
  },

  /** A switch: false unless given. */
  flag(description: string): CliOption<boolean> {
    return { type: 'boolean', schema: z.boolean().default(false), description };
  },
};

type Options = Record<string, CliOption<unknown>>;
export type ArgsOf<O extends Options> = {
  [K in keyof O]: O[K] extends CliOption<infer T> ? T : never;
};

/** The validated arguments of a command. */
export type CommandArgs<C> = C extends Command<infer O> ? ArgsOf<O> : never;

export interface CommandSpec<O extends Options> {
  /** How to call it, after "Usage: ": `npm run choose-k -- --ratings FILE [options]`. */
  synopsis: string;
  /** What it does, one paragraph or more. */
  summary: string;
  options: O;
  /** Positional arguments: their names for `--help`, and how many there may be. */
  positionals?: { names: string; min: number; max: number; description?: string };
  /** Checks across options; a message for the first violation, or undefined. */
  check?: (args: ArgsOf<O>, positionals: readonly string[]) => string | undefined;
  /** Closing text of `--help`: the environment read, where the result goes. */
  notes?: string;
}

/** A command-line tool's interface, declared once: parsing, validation and `--help` follow. */
export class Command<O extends Options> {
  readonly usage: string;

  constructor(private readonly spec: CommandSpec<O>) {
    this.usage = renderUsage(spec);
  }

  /** The validated arguments, or `help` when `--help` was asked for (nothing else is read). */
  parse(argv: readonly string[]): { args: ArgsOf<O>; positionals: string[] } | 'help' {
    const config: ParseArgsConfig = {
      args: [...argv],
      allowPositionals: this.spec.positionals !== undefined,
      strict: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        ...Object.fromEntries(
          Object.entries(this.spec.options).map(([name, o]) => [
            name,
            { type: o.type, ...(o.short === undefined ? {} : { short: o.short }) },
          ]),
        ),
      },
    };
    // A --help anywhere wins, even beside arguments that would not parse.
    if (argv.includes('--help') || argv.includes('-h')) return 'help';
    const { values, positionals } = parseArgs(config);
    const { min = 0, max = 0 } = this.spec.positionals ?? {};
    if (positionals.length < min || positionals.length > max) {
      throw new UsageError(
        positionals.length < min
          ? `expected ${this.spec.positionals?.names ?? 'an argument'}`
          : `unexpected argument "${positionals.slice(max).join(' ')}"`,
      );
    }
    const schema = z.object(
      Object.fromEntries(Object.entries(this.spec.options).map(([name, o]) => [name, o.schema])),
    );
    const args = parseArguments(schema, values) as ArgsOf<O>;
    const problem = this.spec.check?.(args, positionals);
    if (problem !== undefined) throw new UsageError(problem);
    return { args, positionals };
  }

  /**
   * Runs `main` with the validated arguments (by default the process's); `--help` prints the
   * usage and does nothing else. Errors end the process as runCli says.
   */
  run(
    main: (args: ArgsOf<O>, positionals: string[]) => Promise<void>,
    expected: readonly (abstract new (...args: never[]) => Error)[] = [],
    argv: readonly string[] = process.argv.slice(2),
  ): void {
    runCli(
      async () => {
        const parsed = this.parse(argv);
        if (parsed === 'help') {
          process.stdout.write(`${this.usage}\n`);
          return;
        }
        await main(parsed.args, parsed.positionals);
      },
      this.usage,
      expected,
    );
  }
}

function renderUsage({
  synopsis,
  summary,
  options,
  positionals,
  notes,
}: Omit<CommandSpec<Options>, 'check'>): string {
  const rows: [string, string][] = [
    ...Object.entries(options).map(([name, o]): [string, string] => [
      `--${name}${o.value === undefined ? '' : ` ${o.value}`}`,
      o.description + (o.shownDefault === undefined ? '' : ` (default ${o.shownDefault})`),
    ]),
    ['-h, --help', 'show this help, and do nothing else'],
  ];
  const width = Math.min(28, Math.max(...rows.map(([flag]) => flag.length)) + 2);
  const lines = rows.map(([flag, text]) =>
    flag.length + 2 > width
      ? `  ${flag}\n  ${' '.repeat(width)}${text}`
      : `  ${flag.padEnd(width)}${text}`,
  );
  return [
    `Usage: ${synopsis}`,
    '',
    summary,
    ...(positionals?.description === undefined ? [] : ['', positionals.description]),
    '',
    'Options:',
    ...lines,
    ...(notes === undefined ? [] : ['', notes]),
  ].join('\n');
}
