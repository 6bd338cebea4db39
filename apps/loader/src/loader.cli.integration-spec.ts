import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKafka, untilLed } from '@app/kafka';
import { isolatedEnvironment, lastJsonLine, runCliSource } from '@app/testing';

const MAIN = join(__dirname, 'main.ts');
const dir = mkdtempSync(join(tmpdir(), 'loader-cli-'));

/** A ratings.csv of `count` ratings, `bad` (if given) replacing the rating on that file line. */
function ratingsFile(name: string, count: number, bad?: { line: number; text: string }): string {
  const lines = ['userId,movieId,rating,timestamp'];
  for (let i = 0; i < count; i++) {
    lines.push(`${1 + (i % 500)},${1 + Math.floor(i / 500)},4.0,${1_500_000_000 + i}`);
  }
  if (bad !== undefined) lines[bad.line - 1] = bad.text;
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

describe('npm run load', () => {
  const env = isolatedEnvironment();
  const kafka = createKafka(env.kafka);
  const admin = kafka.admin();
  const topic = env.kafka.topics.rating;
  const load = (...args: string[]) => loadWith({}, ...args);
  const loadWith = (variables: Record<string, string>, ...args: string[]) =>
    runCliSource(MAIN, args, {
      KAFKA_BROKERS: env.kafka.brokers.join(','),
      KAFKA_TOPIC_PARTITIONS: '3',
      ...variables,
    });

  /** Events the topic holds, or undefined when it does not exist. */
  async function held(name: string): Promise<number | undefined> {
    if (!(await admin.listTopics()).includes(name)) return undefined;
    const offsets = await admin.fetchTopicOffsets(name);
    return offsets.reduce((sum, { high, low }) => sum + Number(high) - Number(low), 0);
  }

  beforeAll(() => admin.connect());
  afterAll(() => admin.disconnect());

  it('publishes nothing from a file with a bad line at 60,001, and names the line', async () => {
    const file = ratingsFile('bad-line.csv', 100_000, { line: 60_001, text: '7,x,4.0' });

    const sut = await load(file, '--topic', `${topic}-bad-line`);

    expect(sut.code).toBe(1);
    expect(sut.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^error: ${file}:60001: `)),
    ]);
    expect(await held(`${topic}-bad-line`)).toBeUndefined();
  }, 120_000);

  it('publishes exactly --limit ratings', async () => {
    const file = ratingsFile('ten.csv', 10);

    const sut = await load(file, '--topic', `${topic}-limit`, '--limit', '2');

    expect(sut.code).toBe(0);
    expect(lastJsonLine(sut.stdout)).toMatchObject({ published: 2 });
    expect(await held(`${topic}-limit`)).toBe(2);
  }, 120_000);

  it('says so when --limit is more than the file holds, and publishes the file', async () => {
    const file = ratingsFile('three.csv', 3);

    const sut = await load(file, '--topic', `${topic}-over`, '--limit', '50');

    expect(sut.code).toBe(0);
    expect(sut.stderr).toBe(`--limit 50: ${file} has 3 ratings; publishing them all\n`);
    expect(await held(`${topic}-over`)).toBe(3);
  }, 120_000);

  it('says in one line why the brokers refused to create the topic, with the layout asked for', async () => {
    const file = ratingsFile('unplaced.csv', 3);

    const sut = await loadWith(
      { KAFKA_TOPIC_REPLICATION_FACTOR: '99' },
      file,
      '--topic',
      `${topic}-unplaced`,
    );

    expect(sut.code).toBe(1);
    expect(sut.stderr.trim().split('\n')).toEqual([
      `error: the brokers refused to create ${topic}-unplaced (Replication-factor is invalid); ` +
        'the topics were asked for with KAFKA_TOPIC_PARTITIONS=3, KAFKA_TOPIC_REPLICATION_FACTOR=99',
    ]);
  }, 120_000);

  it('says how many ratings the brokers acknowledged when publishing fails', async () => {
    // A topic whose brokers refuse any batch over 100 bytes: every send fails.
    const refusing = `${topic}-refusing`;
    await admin.createTopics({
      // kafkajs' own wait fails on a broker that has not heard of the topic yet: untilLed waits.
      waitForLeaders: false,
      topics: [
        {
          topic: refusing,
          numPartitions: 1,
          configEntries: [{ name: 'max.message.bytes', value: '100' }],
        },
      ],
    });
    await untilLed(admin, [refusing]);
    const file = ratingsFile('refused.csv', 10);

    const sut = await load(file, '--topic', refusing);

    expect(sut.code).toBe(1);
    expect(sut.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        new RegExp(
          `^error: publishing to ${refusing} failed after the brokers acknowledged 0 events`,
        ),
      ),
    ]);
  }, 120_000);
});
