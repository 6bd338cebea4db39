import { Presets, SingleBar } from 'cli-progress';

/**
 * A progress bar on stderr, so stdout stays free for the machine-readable result line. It draws
 * only on a terminal; in CI logs it stays silent.
 */
export function progressBar(label: string, extra = ''): SingleBar {
  return new SingleBar(
    {
      format: `${label.padEnd(12)} {bar} {percentage}% | {value}/{total}${extra} | ETA {eta_formatted}`,
      stream: process.stderr,
      hideCursor: true,
    },
    Presets.shades_classic,
  );
}
