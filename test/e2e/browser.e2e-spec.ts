import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Browser, chromium, type Page } from 'playwright-core';
import { z } from 'zod';
import { freePort, ServiceProcess } from '@app/cli';
import { METHODS } from '@app/evaluation';
import { Reclusterer } from '@app/recluster';
import {
  applyToActiveModels,
  aReclusterSettings,
  deleteKeysOf,
  generateEvents,
  isolatedEnvironment,
  openStores,
  redisOutage,
  serviceEnvironment,
} from '@app/testing';

/** Screenshots land here, for people to look at; the folder is git-ignored. */
const SCREENSHOTS = join(process.cwd(), 'test-results');
/** Debian's Chromium: the tests never download a browser. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The dashboard must fit this window without scrolling; and a phone's. */
const DESKTOP = { width: 1400, height: 1000 };
const PHONE = { width: 390, height: 844 };

const countOf = (page: Page, selector: string) => page.locator(selector).count();

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

const right = (box: Box) => box.x + box.width;
const bottom = (box: Box) => box.y + box.height;
const within = (inner: Box, outer: Box) =>
  inner.x >= outer.x &&
  inner.y >= outer.y &&
  right(inner) <= right(outer) &&
  bottom(inner) <= bottom(outer);

async function boxOf(page: Page, selector: string): Promise<Box> {
  const box = await page.locator(selector).first().boundingBox();
  if (box === null) throw new Error(`${selector} is not displayed`);
  return box;
}

/** How far the page reaches past the window, across and down: at most 0 when it fits. */
const overflow = async (page: Page) => ({
  x: await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth'),
  y: await page.evaluate<number>('document.documentElement.scrollHeight - window.innerHeight'),
});

/** Waits for the page's next poll of the data, answered ("refreshed") or not ("failed"). */
async function nextPoll(page: Page, outcome: 'refreshed' | 'failed' = 'refreshed'): Promise<void> {
  const done = Number((await page.locator('body').getAttribute(`data-${outcome}`)) ?? 0);
  await page.waitForSelector(`body[data-${outcome}="${done + 1}"]`, { timeout: 20_000 });
}

/** A figure or tick label as a number: "1.5K" is 1,500, "11,000" is 11,000. */
function tickValue(text: string): number {
  const match = /^([\d.,]+)([KMB]?)$/.exec(text);
  if (match === null) throw new Error(`not a tick value: ${text}`);
  const scale = { '': 1, K: 1e3, M: 1e6, B: 1e9 }[match[2] as '' | 'K' | 'M' | 'B'];
  return Number(match[1]!.replace(/,/g, '')) * scale;
}

const tickValues = async (page: Page, selector: string) =>
  (await page.locator(selector).allTextContents()).map(tickValue);

const timeLabels = (page: Page) => page.locator('#ingest-rate-chart .x-tick').allTextContents();

/** At least 3 ticks from 0 in equal steps of 1, 2 or 5 times a power of ten, up to max or more. */
function expectRoundTicks(ticks: number[], max: number): void {
  expect(ticks.length).toBeGreaterThanOrEqual(3);
  expect(ticks[0]).toBe(0);
  const step = ticks[1]! - ticks[0]!;
  ticks.forEach((tick, i) => {
    expect(tick).toBeCloseTo(i * step);
  });
  expect([1, 2, 5]).toContain(Number((step / 10 ** Math.floor(Math.log10(step))).toFixed(6)));
  expect(ticks.at(-1)).toBeGreaterThanOrEqual(max);
}

/** Neither list table is wider than the card it sits in. */
async function expectTablesInCards(page: Page): Promise<void> {
  for (const card of ['#history-card', '#clusters-card']) {
    const [table, scroll, box] = await Promise.all([
      boxOf(page, `${card} table`),
      boxOf(page, `${card} .scroll`),
      boxOf(page, card),
    ]);
    expect(right(table)).toBeLessThanOrEqual(right(scroll));
    expect(right(scroll)).toBeLessThanOrEqual(right(box));
  }
}

/** The stroke of the rate chart's line, in pixels. */
const LINE_WIDTH = 2;

/**
 * The least share of its box, grown by the stroke, that the rate chart's line must cover: half a
 * pixel per pixel of its length (an antialiased 2px stroke covers one to two). A fixed share
 * would not do: each poll without new events adds a flat stretch at zero, which widens the box
 * more than it adds line.
 */
async function lineShare(page: Page, selector: string): Promise<number> {
  const length = await page.evaluate<number>(
    `document.querySelector(${JSON.stringify(selector)}).getTotalLength()`,
  );
  const box = grow(await boxOf(page, selector), LINE_WIDTH);
  return (0.5 * length) / (Math.round(box.width) * Math.round(box.height));
}

const COLOURS = {
  text: [0x1d, 0x24, 0x30],
  bar: [0x3e, 0x7b, 0xfa],
  line: [0x12, 0xb7, 0x6a],
  banner: [0xfe, 0xf3, 0xf2],
  bannerText: [0x91, 0x20, 0x18],
  notice: [0xef, 0xf8, 0xff],
} as const;

interface ColourProbe {
  selector: string;
  colour: readonly [number, number, number];
  /** The share of the element's pixels that must be close to the colour. */
  atLeast: number;
  /** Pixels around the element's box to measure too, e.g. the half of a stroke outside it. */
  margin?: number;
}

const grow = (box: Box, margin: number): Box => ({
  x: box.x - margin,
  y: box.y - margin,
  width: box.width + 2 * margin,
  height: box.height + 2 * margin,
});

/** Runs in the browser: decodes a PNG and measures, per region, the share of pixels near a colour. */
const MEASURE_PNG = `async ({ png, regions }) => {
  const image = new Image();
  image.src = 'data:image/png;base64,' + png;
  await image.decode();
  const canvas = document.createElement('canvas');
  canvas.width = image.width;
  canvas.height = image.height;
  const context = canvas.getContext('2d');
  context.drawImage(image, 0, 0);
  const shares = regions.map(({ box, colour }) => {
    const [width, height] = [Math.max(1, Math.round(box.width)), Math.max(1, Math.round(box.height))];
    const { data } = context.getImageData(Math.round(box.x), Math.round(box.y), width, height);
    let near = 0;
    for (let i = 0; i < data.length; i += 4) {
      const distance = Math.abs(data[i] - colour[0]) + Math.abs(data[i + 1] - colour[1]) + Math.abs(data[i + 2] - colour[2]);
      if (distance <= 48) near += 1;
    }
    return near / (width * height);
  });
  return { width: image.width, height: image.height, shares };
}`;

const measuredSchema = z.object({
  width: z.number(),
  height: z.number(),
  shares: z.array(z.number()),
});

/**
 * Saves a screenshot to test-results/, then reads the file back and decodes it in the browser,
 * so that a blank or wrong picture fails: checks its size, and the share of each probed element's
 * pixels close to the colour expected there.
 */
async function expectScreenshot(
  page: Page,
  name: string,
  probes: ColourProbe[],
  { fullPage = false } = {},
): Promise<void> {
  const regions = await Promise.all(
    probes.map(async ({ selector, colour, margin = 0 }) => ({
      box: grow(await boxOf(page, selector), margin),
      colour,
    })),
  );
  const viewport = page.viewportSize()!;
  const size = fullPage
    ? {
        width: viewport.width,
        height: await page.evaluate<number>('document.documentElement.scrollHeight'),
      }
    : viewport;
  const path = join(SCREENSHOTS, name);
  await page.screenshot({ path, fullPage });
  const decoder = await page.context().browser()!.newPage();
  try {
    const png = readFileSync(path).toString('base64');
    const measured = measuredSchema.parse(
      await decoder.evaluate(`(${MEASURE_PNG})(${JSON.stringify({ png, regions })})`),
    );
    expect({ width: measured.width, height: measured.height }).toEqual(size);
    probes.forEach(({ atLeast }, i) => {
      expect(measured.shares[i]).toBeGreaterThanOrEqual(atLeast);
    });
  } finally {
    await decoder.close();
  }
}

interface Query {
  service: ServiceProcess;
  url: string;
}

/** The query service over an isolated environment, optionally reaching Redis another way. */
async function startQuery(
  env: ReturnType<typeof isolatedEnvironment>,
  redisUrl?: string,
): Promise<Query> {
  const port = await freePort();
  const service = ServiceProcess.start('query', {
    ...serviceEnvironment(env),
    ...(redisUrl === undefined ? {} : { REDIS_URL: redisUrl }),
    QUERY_PORT: String(port),
    QUERY_RPC_PORT: String(await freePort()),
    QUERY_REFRESH_MS: '200',
  });
  try {
    await service.waitForLog(/HTTP on port/);
  } catch (error) {
    await service.stop();
    throw error;
  }
  return { service, url: `http://127.0.0.1:${port}` };
}

const errorSchema = z.object({ message: z.string() });
/** The part of the dashboard data the page is compared with. */
const dashboardDataSchema = z.object({ clusters: z.array(z.object({ size: z.number() })) });

describe('pages in a real browser', () => {
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });

  afterAll(async () => {
    await browser.close();
  });

  it('draws the evaluation report: elbow, silhouette, sizes, heatmaps, tuning and metrics', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'report-')), 'report.html');
    await promisify(execFile)(process.execPath, [
      join(process.cwd(), 'dist/apps/report/src/main.js'),
      '--ratings',
      'data/ml-latest-small/ratings.csv',
      '--movies',
      'data/ml-latest-small/movies.csv',
      '--k',
      '8',
      '--k-range',
      '2:6',
      '--restarts',
      '1',
      '--out',
      out,
    ]);
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });

    await page.goto(`file://${out}`);

    expect(await countOf(page, '#elbow-chart circle')).toBe(5);
    expect(await countOf(page, '#elbow-chart path.line')).toBe(1);
    expect(await countOf(page, '#silhouette-chart circle')).toBe(5);
    expect(await countOf(page, '#sizes-chart rect')).toBeGreaterThan(8);
    expect(await countOf(page, 'svg.heatmap')).toBe(3);
    expect(await countOf(page, 'svg.heatmap rect[fill]')).toBeGreaterThan(30);
    expect(await countOf(page, '#metrics-table tbody tr')).toBe(METHODS.length);
    // What was tuned on validation ratings: k is fixed by --k, the rest are chosen.
    expect(await countOf(page, '#tuned-table tbody tr')).toBeGreaterThan(3);
    const box = await page.locator('#elbow-chart').boundingBox();
    expect(box?.width).toBeGreaterThan(100);
    await page.screenshot({ path: join(SCREENSHOTS, 'report.png'), fullPage: true });
    await page.close();
  });

  describe('the live dashboard', () => {
    it('fits the summary, sizes, rate and history in 1400x1000, and one column on a phone', async () => {
      const env = isolatedEnvironment();
      const stores = openStores(env.redis);
      let query: Query | undefined;
      try {
        // 20 clusters and a full history of 10 versions, the last a rollback: the largest page
        // the layout has to fit.
        const events = generateEvents(11_000, { seed: 4, users: 400, movies: 60 });
        const reclusterer = new Reclusterer(
          stores,
          aReclusterSettings({ k: 20, minClusterSize: 1, keepVersions: 10 }),
        );
        for (let run = 0; run < 9; run++) {
          await applyToActiveModels(stores, events.slice(run * 1_000, (run + 1) * 1_000));
          const outcome = await reclusterer.run();
          expect(outcome).toMatchObject({ status: 'published', model: { clusters: 20 } });
        }
        expect(await reclusterer.rollback()).toMatchObject({ status: 'published' });
        await stores.counters.countBatch(9_000, 3);
        query = await startQuery(env);
        const history = await stores.models.history();
        expect(history).toHaveLength(10);

        const page = await browser.newPage({ viewport: DESKTOP, locale: 'en-US' });
        await page.goto(`${query.url}/dashboard`);
        await page.waitForSelector('body[data-refreshed="1"]');
        // Each later reading follows more applied events: two rates draw the curve's first segment.
        for (const from of [9_000, 10_000]) {
          await applyToActiveModels(stores, events.slice(from, from + 1_000));
          await stores.counters.countBatch(1_000, 0);
          await nextPoll(page);
        }

        const data = dashboardDataSchema.parse(
          await (await fetch(`${query.url}/dashboard/data`)).json(),
        );
        expect(await countOf(page, '#cluster-sizes-chart rect.bar')).toBe(20);
        expect(await countOf(page, '#ingest-rate-chart path.line')).toBe(1);
        expect(await countOf(page, '#clusters-table tbody tr')).toBe(20);
        expect(await countOf(page, '#history-table tbody tr')).toBe(10);
        expect(await page.locator('#dead-letters').textContent()).toBe('3');
        expect(await page.locator('#ingest-total').textContent()).toBe('11,000');
        expect(tickValue((await page.locator('#ingest-rate').textContent()) ?? '')).toBeGreaterThan(
          0,
        );
        expect(await page.locator('#model-version').textContent()).toMatch(
          /^Model 10 · 20 clusters · 400 users · built /,
        );

        // The events total says what it counts.
        expect(await page.locator('#ingest-total-label').textContent()).toMatch(/re-deliveries/);
        expect(await page.locator('#ingest-total-stat small').isVisible()).toBe(true);
        expect(await page.locator('#ingest-total-stat').getAttribute('title')).toMatch(
          /at least once/,
        );

        // Both charts have axis titles and round y ticks; the rate chart has a time axis.
        const sizes = page.locator('#cluster-sizes-chart');
        expect(await sizes.locator('.x-title').textContent()).toBe('cluster');
        expect(await sizes.locator('.y-title').textContent()).toBe('users');
        expectRoundTicks(
          await tickValues(page, '#cluster-sizes-chart .y-tick'),
          Math.max(...data.clusters.map((c) => c.size)),
        );
        const rate = page.locator('#ingest-rate-chart');
        expect(await rate.locator('.y-title').textContent()).toBe('events/s');
        expectRoundTicks(await tickValues(page, '#ingest-rate-chart .y-tick'), 0);
        expect(await timeLabels(page)).toEqual(
          expect.arrayContaining([expect.stringMatching(/^\d{1,2}:\d{2}:\d{2}/)]),
        );
        expect((await timeLabels(page)).length).toBeGreaterThanOrEqual(2);

        // History dates read as local date and time, their ISO form in the title; newest first.
        const dates = page.locator('#history-table tbody time');
        expect(await dates.count()).toBe(10);
        expect(await dates.first().getAttribute('title')).toBe(
          history.at(-1)?.description?.builtAt,
        );
        for (const text of await dates.allTextContents()) {
          expect(text).toMatch(/\d{4}.*\d{1,2}:\d{2}:\d{2}/);
          expect(text).not.toMatch(/T\d{2}:|Z$/);
        }
        expect(await page.locator('#history-table tbody tr').first().textContent()).toMatch(
          /^10\s*current\s*rollback to 8/,
        );

        // Everything that matters is in view at once, and nothing sticks out of its card.
        for (const selector of ['#model-version', '#sizes-card', '#rate-card', '#history-card']) {
          expect(within(await boxOf(page, selector), { x: 0, y: 0, ...DESKTOP })).toBe(true);
        }
        const lastRow = await boxOf(page, '#history-table tbody tr:last-child');
        expect(bottom(lastRow)).toBeLessThanOrEqual(
          bottom(await boxOf(page, '#history-card .scroll')),
        );
        await expectTablesInCards(page);
        expect(await overflow(page)).toEqual({ x: 0, y: 0 });
        await expectScreenshot(page, 'dashboard-desktop.png', [
          { selector: '#sizes-card', colour: COLOURS.bar, atLeast: 0.1 },
          {
            selector: '#ingest-rate-chart path.line',
            colour: COLOURS.line,
            atLeast: await lineShare(page, '#ingest-rate-chart path.line'),
            margin: LINE_WIDTH,
          },
          { selector: '#history-card', colour: COLOURS.text, atLeast: 0.003 },
        ]);
        await page.close();

        // A phone: one column, in reading order, nothing wider than the screen.
        const phone = await browser.newPage({ viewport: PHONE, locale: 'en-US' });
        await phone.goto(`${query.url}/dashboard`);
        await phone.waitForSelector('body[data-refreshed="1"]');
        // Events applied again, as after a re-delivery: the total counts them again.
        await applyToActiveModels(stores, events.slice(0, 500));
        await stores.counters.countBatch(500, 0);
        await nextPoll(phone);
        await nextPoll(phone);
        expect(await phone.locator('#ingest-total').textContent()).toBe('11,500');
        expect(await overflow(phone)).toMatchObject({ x: 0 });
        const cards = await Promise.all(
          ['#sizes-card', '#rate-card', '#history-card', '#clusters-card'].map((selector) =>
            boxOf(phone, selector),
          ),
        );
        for (const [i, card] of cards.entries()) {
          expect(card.x).toBe(cards[0]!.x);
          expect(card.width).toBe(cards[0]!.width);
          expect(right(card)).toBeLessThanOrEqual(PHONE.width);
          if (i > 0) expect(card.y).toBeGreaterThan(bottom(cards[i - 1]!) - 1);
        }
        await expectTablesInCards(phone);
        expect(
          (await tickValues(phone, '#cluster-sizes-chart .y-tick')).length,
        ).toBeGreaterThanOrEqual(3);
        expect((await timeLabels(phone)).length).toBeGreaterThanOrEqual(2);
        await expectScreenshot(
          phone,
          'dashboard-phone.png',
          [
            { selector: '#sizes-card', colour: COLOURS.bar, atLeast: 0.05 },
            { selector: '#history-card', colour: COLOURS.text, atLeast: 0.003 },
          ],
          { fullPage: true },
        );
        await phone.close();
      } finally {
        await query?.service.stop();
        await deleteKeysOf(env.redis);
        await stores.close();
      }
    });

    it('explains a Redis outage with the server message, keeps polling, and clears it after', async () => {
      const env = isolatedEnvironment();
      const stores = openStores(env.redis);
      const outage = await redisOutage(env.redis);
      let query: Query | undefined;
      try {
        await applyToActiveModels(
          stores,
          generateEvents(1_000, { seed: 5, users: 60, movies: 40 }),
        );
        await stores.counters.countBatch(1_000, 0);
        const outcome = await new Reclusterer(stores, aReclusterSettings({ k: 4 })).run();
        expect(outcome.status).toBe('published');
        query = await startQuery(env, outage.config.url);
        const page = await browser.newPage({ viewport: DESKTOP, locale: 'en-US' });
        await page.goto(`${query.url}/dashboard`);
        await page.waitForSelector('body[data-refreshed="1"]');
        expect(await page.locator('#error-banner').isVisible()).toBe(false);

        await outage.begin();
        const answer = await fetch(`${query.url}/dashboard/data`);
        const { message } = errorSchema.parse(await answer.json());
        expect(answer.status).toBe(503);
        expect(message).toMatch(/unavailable/);
        await page.locator('#error-banner').waitFor({ state: 'visible', timeout: 20_000 });
        expect(await page.locator('#error-message').textContent()).toBe(message);
        expect(await page.locator('#error-detail').textContent()).toMatch(/HTTP 503/);
        // Still polling, still explaining, and the last data stays on show.
        await nextPoll(page, 'failed');
        expect(await page.locator('#error-message').textContent()).toBe(message);
        expect(await page.locator('#model-version').textContent()).toMatch(/^Model 1 /);
        const banner = await boxOf(page, '#error-banner');
        expect(within(banner, { x: 0, y: 0, ...DESKTOP })).toBe(true);
        expect(banner.width).toBeGreaterThan(DESKTOP.width / 2);
        await expectScreenshot(page, 'dashboard-redis-down.png', [
          { selector: '#error-banner', colour: COLOURS.banner, atLeast: 0.5 },
          { selector: '#error-message', colour: COLOURS.bannerText, atLeast: 0.02 },
        ]);
        await page.setViewportSize(PHONE);
        await nextPoll(page, 'failed');
        expect(await overflow(page)).toMatchObject({ x: 0 });
        await expectScreenshot(page, 'dashboard-redis-down-phone.png', [
          { selector: '#error-banner', colour: COLOURS.banner, atLeast: 0.5 },
        ]);

        await outage.end();
        await page.locator('#error-banner').waitFor({ state: 'hidden', timeout: 30_000 });
        await nextPoll(page);
        expect(await page.locator('#error-banner').isVisible()).toBe(false);
        expect(await page.locator('body').getAttribute('class')).not.toMatch(/stale/);
        expect(await page.locator('#ingest-total').textContent()).toBe('1,000');
        await page.close();
      } finally {
        await query?.service.stop();
        await outage.close();
        await deleteKeysOf(env.redis);
        await stores.close();
      }
    });

    it('tells how to build the first model when there is none', async () => {
      const env = isolatedEnvironment();
      const stores = openStores(env.redis);
      let query: Query | undefined;
      try {
        query = await startQuery(env);
        const page = await browser.newPage({ viewport: DESKTOP, locale: 'en-US' });
        await page.goto(`${query.url}/dashboard`);
        await page.waitForSelector('body[data-refreshed="1"]');

        expect(await page.locator('#model-version').textContent()).toBe('No model yet');
        const hint = page.locator('#no-model');
        expect(await hint.isVisible()).toBe(true);
        expect(await hint.locator('code').allTextContents()).toEqual(
          expect.arrayContaining(['npm run recluster -- run', 'POST /v1/recluster']),
        );
        expect(await page.locator('#history-table tbody').textContent()).toBe(
          'no model published yet',
        );
        expect(await page.locator('#cluster-sizes-chart .empty').textContent()).toMatch(
          /no clusters/,
        );
        await expectScreenshot(page, 'dashboard-no-model.png', [
          { selector: '#no-model', colour: COLOURS.notice, atLeast: 0.5 },
        ]);
        await page.setViewportSize(PHONE);
        await nextPoll(page);
        expect(await overflow(page)).toMatchObject({ x: 0 });
        await expectScreenshot(page, 'dashboard-no-model-phone.png', [
          { selector: '#no-model', colour: COLOURS.notice, atLeast: 0.5 },
        ]);

        // The hint goes once the first model is published.
        await applyToActiveModels(stores, generateEvents(500, { seed: 6, users: 30, movies: 20 }));
        const outcome = await new Reclusterer(stores, aReclusterSettings()).run();
        expect(outcome.status).toBe('published');
        await hint.waitFor({ state: 'hidden', timeout: 20_000 });
        expect(await page.locator('#model-version').textContent()).toMatch(/^Model 1 /);
        await page.close();
      } finally {
        await query?.service.stop();
        await deleteKeysOf(env.redis);
        await stores.close();
      }
    });
  });
});
