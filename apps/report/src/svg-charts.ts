/** Inline SVG charts, drawn as strings: the report opens offline, with no script or library. */

export interface Point {
  x: number;
  y: number;
}

export interface LineChartOptions {
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  /** An x to mark with a dashed line (the k of the model shown). */
  markX?: number | undefined;
}

export interface BarSeries {
  name: string;
  values: readonly number[];
  colour: string;
}

const WIDTH = 640;
const HEIGHT = 320;
const MARGIN = { top: 36, right: 20, bottom: 48, left: 72 };
const PLOT_W = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_H = HEIGHT - MARGIN.top - MARGIN.bottom;

/** Text safe inside an element or a double-quoted attribute. */
export const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

/** A line with a dot per point; each dot's tooltip gives its values. */
export function lineChart(points: readonly Point[], options: LineChartOptions): string {
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const xScale = linearScale(Math.min(...xs), Math.max(...xs), 0, PLOT_W);
  const yTicks = niceTicks(Math.min(...ys), Math.max(...ys));
  const yScale = linearScale(yTicks[0] ?? 0, yTicks[yTicks.length - 1] ?? 1, PLOT_H, 0);
  const path = points
    .map((p, i) => `${i === 0 ? 'M' : 'L'}${fixed(xScale(p.x))},${fixed(yScale(p.y))}`)
    .join(' ');
  const dots = points
    .map(
      (p) =>
        `<circle cx="${fixed(xScale(p.x))}" cy="${fixed(yScale(p.y))}" r="3"><title>${escapeHtml(`${options.xLabel} ${p.x}: ${formatNumber(p.y)}`)}</title></circle>`,
    )
    .join('');
  const mark =
    options.markX === undefined || !xs.includes(options.markX)
      ? ''
      : `<line class="mark" x1="${fixed(xScale(options.markX))}" x2="${fixed(xScale(options.markX))}" y1="0" y2="${PLOT_H}"/>`;
  return frame(
    options,
    [
      axes(
        niceTicks(Math.min(...xs), Math.max(...xs), true).map((x) => [xScale(x), String(x)]),
        yTicks.map((y) => [yScale(y), formatNumber(y)]),
      ),
      mark,
      `<path class="line" d="${path}"/>`,
      `<g class="dots">${dots}</g>`,
    ].join(''),
  );
}

/** Bars side by side per position, one colour per series, with a legend. */
export function barChart(
  series: readonly BarSeries[],
  options: Omit<LineChartOptions, 'markX'>,
): string {
  const positions = Math.max(1, ...series.map((s) => s.values.length));
  const yTicks = niceTicks(0, Math.max(1, ...series.flatMap((s) => s.values)));
  const yScale = linearScale(0, yTicks[yTicks.length - 1] ?? 1, PLOT_H, 0);
  const slot = PLOT_W / positions;
  const barWidth = Math.max(1, (slot * 0.8) / series.length);
  const bars = series
    .map(
      (s, j) =>
        `<g class="series" fill="${s.colour}">${s.values
          .map((value, i) => {
            const x = i * slot + slot * 0.1 + j * barWidth;
            return `<rect x="${fixed(x)}" y="${fixed(yScale(value))}" width="${fixed(barWidth)}" height="${fixed(PLOT_H - yScale(value))}"><title>${escapeHtml(`${s.name}, #${i + 1}: ${value}`)}</title></rect>`;
          })
          .join('')}</g>`,
    )
    .join('');
  const xTicks = niceTicks(1, positions, true).map((i): [number, string] => [
    (i - 0.5) * slot,
    String(i),
  ]);
  const legend = series
    .map(
      (s, j) =>
        `<g transform="translate(${PLOT_W - 150},${j * 16})"><rect width="10" height="10" fill="${s.colour}"/><text x="14" y="9">${escapeHtml(s.name)}</text></g>`,
    )
    .join('');
  return frame(
    options,
    axes(
      xTicks,
      yTicks.map((y) => [yScale(y), String(y)]),
    ) +
      bars +
      legend,
  );
}

export interface HeatmapInput {
  title: string;
  rowLabels: readonly string[];
  columnLabels: readonly string[];
  /** values[row][column]; undefined cells stay blank. */
  values: readonly (readonly (number | undefined)[])[];
  /** The scale's ends, e.g. the rating scale 0.5-5. */
  min: number;
  max: number;
}

const CELL = 16;

/** A grid of coloured cells, rows and columns labelled, blank where there is no value. */
export function heatmap(input: HeatmapInput): string {
  const left = 64;
  const top = 150;
  const columns = input.columnLabels.length;
  const width = left + columns * CELL + 20;
  const height = top + input.rowLabels.length * CELL + 44;
  const columnText = input.columnLabels
    .map(
      (label, c) =>
        `<text class="column" transform="translate(${left + c * CELL + CELL / 2 + 4},${top - 6}) rotate(-60)">${escapeHtml(truncate(label, 26))}<title>${escapeHtml(label)}</title></text>`,
    )
    .join('');
  const rows = input.values
    .map((row, r) => {
      const y = top + r * CELL;
      const label = `<text class="row" x="${left - 6}" y="${y + CELL - 4}">${escapeHtml(input.rowLabels[r] ?? '')}</text>`;
      const cells = row
        .map((value, c) =>
          value === undefined
            ? ''
            : `<rect x="${left + c * CELL}" y="${y}" width="${CELL - 1}" height="${CELL - 1}" fill="${colourOf(value, input.min, input.max)}"><title>${escapeHtml(`${input.rowLabels[r] ?? ''} x ${input.columnLabels[c] ?? ''}: ${value}`)}</title></rect>`,
        )
        .join('');
      return label + cells;
    })
    .join('');
  const grid = `<rect class="grid" x="${left}" y="${top}" width="${columns * CELL}" height="${input.rowLabels.length * CELL}"/>`;
  const legendY = top + input.rowLabels.length * CELL + 16;
  const legend = [input.min, (input.min + input.max) / 2, input.max]
    .map(
      (value, i) =>
        `<rect x="${left + i * 70}" y="${legendY}" width="12" height="12" fill="${colourOf(value, input.min, input.max)}"/><text x="${left + i * 70 + 16}" y="${legendY + 10}">${formatNumber(value)}</text>`,
    )
    .join('');
  return `<svg class="heatmap" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img"><title>${escapeHtml(input.title)}</title>${grid}${columnText}${rows}${legend}<text x="${left + 220}" y="${legendY + 10}">blank: not rated</text></svg>`;
}

/** Red (low) through yellow to green (high): ratings read at a glance. */
export function colourOf(value: number, min: number, max: number): string {
  const t = Math.min(1, Math.max(0, (value - min) / (max - min || 1)));
  const hue = Math.round(120 * t);
  return `hsl(${hue}, 70%, 50%)`;
}

function frame(
  options: Pick<LineChartOptions, 'id' | 'title' | 'xLabel' | 'yLabel'>,
  body: string,
) {
  return `<svg id="${escapeHtml(options.id)}" xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img"><title>${escapeHtml(options.title)}</title><text class="chart-title" x="${WIDTH / 2}" y="20">${escapeHtml(options.title)}</text><g transform="translate(${MARGIN.left},${MARGIN.top})">${body}<text class="axis-label" x="${PLOT_W / 2}" y="${PLOT_H + 40}">${escapeHtml(options.xLabel)}</text><text class="axis-label" transform="translate(-58,${PLOT_H / 2}) rotate(-90)">${escapeHtml(options.yLabel)}</text></g></svg>`;
}

function axes(xTicks: readonly [number, string][], yTicks: readonly [number, string][]): string {
  const x = xTicks
    .map(
      ([at, label]) =>
        `<line x1="${fixed(at)}" x2="${fixed(at)}" y1="${PLOT_H}" y2="${PLOT_H + 5}"/><text class="tick-x" x="${fixed(at)}" y="${PLOT_H + 18}">${escapeHtml(label)}</text>`,
    )
    .join('');
  const y = yTicks
    .map(
      ([at, label]) =>
        `<line class="gridline" x1="0" x2="${PLOT_W}" y1="${fixed(at)}" y2="${fixed(at)}"/><text class="tick-y" x="-8" y="${fixed(at + 4)}">${escapeHtml(label)}</text>`,
    )
    .join('');
  return `<g class="axes"><line x1="0" x2="${PLOT_W}" y1="${PLOT_H}" y2="${PLOT_H}"/><line x1="0" x2="0" y1="0" y2="${PLOT_H}"/>${x}${y}</g>`;
}

function linearScale(d0: number, d1: number, r0: number, r1: number): (value: number) => number {
  const span = d1 - d0 || 1;
  return (value) => r0 + ((value - d0) / span) * (r1 - r0);
}

/** About five round tick values covering [min, max]; whole numbers only when asked. */
export function niceTicks(min: number, max: number, integers = false): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  if (min === max) return integers ? [min] : [min - 1, min, min + 1];
  const raw = (max - min) / 5;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = Math.max(
    integers ? 1 : 0,
    ([1, 2, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude,
  );
  const ticks: number[] = [];
  const start = integers ? Math.ceil(min / step) * step : Math.floor(min / step) * step;
  const end = integers ? max : Math.ceil(max / step) * step;
  for (let t = start; t <= end + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

const fixed = (value: number): string => value.toFixed(1);

const formatNumber = (value: number): string =>
  Math.abs(value) >= 1000 ? value.toFixed(0) : Number(value.toPrecision(4)).toString();

const truncate = (text: string, length: number): string =>
  text.length <= length ? text : `${text.slice(0, length - 1)}…`;
