import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Browser, chromium, type Page } from 'playwright-core';
import { freePort, ServiceProcess } from '@app/cli';
import { Reclusterer } from '@app/recluster';
import {
  applyToActiveModels,
  aReclusterSettings,
  deleteKeysOf,
  generateEvents,
  isolatedEnvironment,
  openStores,
  serviceEnvironment,
} from '@app/testing';

/** Screenshots land here, for people to look at; the folder is git-ignored. */
const SCREENSHOTS = join(process.cwd(), 'test-results');
/** Debian's Chromium: the tests never download a browser. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const countOf = (page: Page, selector: string) => page.locator(selector).count();

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

  it('draws the evaluation report: elbow, silhouette, sizes, heatmaps and metrics', async () => {
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
    expect(await countOf(page, '#metrics-table tbody tr')).toBe(4);
    const box = await page.locator('#elbow-chart').boundingBox();
    expect(box?.width).toBeGreaterThan(100);
    await page.screenshot({ path: join(SCREENSHOTS, 'report.png'), fullPage: true });
    await page.close();
  });

  it('draws the live dashboard: model, cluster sizes, ingest rate and history', async () => {
    const env = isolatedEnvironment();
    const stores = openStores(env.redis);
    const port = await freePort();
    const query = ServiceProcess.start('query', {
      ...serviceEnvironment(env),
      QUERY_PORT: String(port),
      QUERY_RPC_PORT: String(await freePort()),
      QUERY_REFRESH_MS: '200',
    });
    try {
      const events = generateEvents(2_000, { seed: 4, users: 60, movies: 40 });
      await applyToActiveModels(stores, events.slice(0, 1_000));
      await stores.counters.countBatch(1_000, 3);
      const outcome = await new Reclusterer(
        stores,
        aReclusterSettings({ k: 4, minClusterSize: 3 }),
      ).run();
      expect(outcome.status).toBe('published');
      await query.waitForLog(/HTTP on port/);
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });

      await page.goto(`http://127.0.0.1:${port}/dashboard`);
      await page.waitForSelector('body[data-refreshed="1"]');
      // Each later reading follows more ingested events: two rates draw the curve's first segment.
      for (const [reading, from] of [
        [2, 1_000],
        [3, 1_500],
      ] as const) {
        await applyToActiveModels(stores, events.slice(from, from + 500));
        await stores.counters.countBatch(500, 0);
        await page.waitForSelector(`body[data-refreshed="${reading}"]`, { timeout: 10_000 });
      }

      const clusters = outcome.status === 'published' ? outcome.model.clusters : 0;
      expect(await countOf(page, '#cluster-sizes-chart rect.bar')).toBe(clusters);
      expect(await countOf(page, '#ingest-rate-chart path.line')).toBe(1);
      expect(await countOf(page, '#clusters-table tr')).toBe(clusters + 1);
      expect(await countOf(page, '#history-table tr')).toBe(2);
      expect(await page.locator('#dead-letters').textContent()).toBe('3');
      expect(await page.locator('#ingest-total').textContent()).toBe('2000');
      expect(Number(await page.locator('#ingest-rate').textContent())).toBeGreaterThan(0);
      expect(await page.locator('#model-version').textContent()).toMatch(
        new RegExp(`^Model ${outcome.status === 'published' ? outcome.version : '?'} `),
      );
      await page.screenshot({ path: join(SCREENSHOTS, 'dashboard.png'), fullPage: true });
      await page.close();
    } finally {
      await query.stop();
      await deleteKeysOf(env.redis);
      await stores.close();
    }
  });
});
