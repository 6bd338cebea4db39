import { barChart, colourOf, escapeHtml, heatmap, lineChart, niceTicks } from './svg-charts';

const labels = { title: 'T', xLabel: 'k', yLabel: 'y' };

describe('svg charts', () => {
  it('escapes text for elements and attributes', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe(
      '&#60;a href=&#34;x&#34;&#62;&#39;&#38;&#39;&#60;/a&#62;',
    );
  });

  it('picks round ticks that cover the range', () => {
    expect(niceTicks(0, 100)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(0.0036, 0.0096)).toEqual([0.002, 0.004, 0.006, 0.008, 0.01]);
    expect(niceTicks(2, 30, true)).toEqual([10, 20, 30]);
    expect(niceTicks(1, 3, true)).toEqual([1, 2, 3]);
  });

  it('colours low ratings red and high ones green', () => {
    expect(colourOf(0.5, 0.5, 5)).toBe('hsl(0, 70%, 50%)');
    expect(colourOf(5, 0.5, 5)).toBe('hsl(120, 70%, 50%)');
    expect(colourOf(9, 0.5, 5)).toBe('hsl(120, 70%, 50%)');
  });

  it('draws a dot per point with its id, and marks the chosen x', () => {
    const sut = lineChart(
      [
        { x: 2, y: 10 },
        { x: 3, y: 8 },
      ],
      { ...labels, id: 'elbow-chart', markX: 3 },
    );

    expect(sut).toMatch(/^<svg id="elbow-chart"/);
    expect(sut.match(/<circle /g)).toHaveLength(2);
    expect(sut).toContain('class="mark"');
  });

  it('draws a bar per value and series', () => {
    const sut = barChart(
      [
        { name: 'a', values: [3, 2, 1], colour: '#000' },
        { name: 'b', values: [4], colour: '#111' },
      ],
      { ...labels, id: 'sizes-chart' },
    );

    expect(sut.match(/<rect x="[\d.]+" y="[\d.]+" width/g)).toHaveLength(4);
  });

  it('leaves unrated cells blank', () => {
    const sut = heatmap({
      title: 'c',
      rowLabels: ['u1', 'u2'],
      columnLabels: ['m1', 'm2'],
      values: [
        [5, undefined],
        [undefined, 1],
      ],
      min: 0.5,
      max: 5,
    });

    expect(sut.match(/<rect x="\d+" y="\d+" width="15"/g)).toHaveLength(2);
  });
});
