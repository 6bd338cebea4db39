import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigResourceTypes } from 'kafkajs';
import { createKafka, untilLed } from '@app/kafka';
import { isolatedEnvironment, lastJsonLine, readTopic, runCliSource } from '@app/testing';

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
      KAFKA_MOVIES_TOPIC: env.kafka.moviesTopic,
      KAFKA_FEEDBACK_TOPIC: env.kafka.topics.feedback,
      ...variables,
    });

  /** A topic's messages as key and parsed value, by key then value. */
  async function messagesOf(topic: string): Promise<{ key: string; value: unknown }[]> {
    const messages = await readTopic(kafka, topic);
    return messages
      .map(({ key, value }) => ({
        key: key?.toString() ?? '',
        value: JSON.parse(value?.toString() ?? 'null') as unknown,
      }))
      .sort(
        (a, b) =>
          Number(a.key) - Number(b.key) ||
          (JSON.stringify(a.value) < JSON.stringify(b.value) ? -1 : 1),
      );
  }

  /** Events the topic holds, or undefined when it does not exist. */
  async function held(name: string): Promise<number | undefined> {
    if (!(await admin.listTopics()).includes(name)) return undefined;
    const offsets = await admin.fetchTopicOffsets(name);
    return offsets.reduce((sum, { high, low }) => sum + Number(high) - Number(low), 0);
  }

  /** A topic's cleanup.policy: "compact" keeps the latest message of each key. */
  async function cleanupPolicyOf(name: string): Promise<string | undefined> {
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name, configNames: ['cleanup.policy'] }],
    });
    return resources[0]?.configEntries[0]?.configValue;
  }

  beforeAll(() => admin.connect());
  afterAll(() => admin.disconnect());

  it.each([
    [
      'movies.csv',
      'KAFKA_MOVIES_TOPIC',
      'movieId,title,genres\n1,Toy Story (1995),Animation|Comedy\n2,"Jumanji, The (1995)",(no genres listed)\n',
    ],
    [
      'u.item',
      '--topic',
      '1|Toy Story (1995)|01-Jan-1995||http://example.org/|0|0|0|1|0|1|0|0|0|0|0|0|0|0|0|0|0|0|0\n' +
        '2|Jumanji, The (1995)|||http://example.org/|1|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0\n',
    ],
    [
      'movies.dat',
      '--topic',
      '1::Toy Story (1995)::Animation|Comedy\n2::Jumanji, The (1995)::(no genres listed)\n',
    ],
  ])(
    'publishes %s to the movies topic named by %s, one movie event per movie keyed by its id',
    async (name, naming, content) => {
      const file = join(dir, name);
      writeFileSync(file, content);

      // Each layout on a movies topic of its own.
      const movies = `${env.kafka.moviesTopic}-${name}`;

      const sut =
        naming === '--topic'
          ? await load(file, '--topic', movies)
          : await loadWith({ KAFKA_MOVIES_TOPIC: movies }, file);

      expect(sut.code).toBe(0);
      expect(lastJsonLine(sut.stdout)).toMatchObject({
        kind: 'movies',
        topic: movies,
        published: 2,
      });
      expect(await messagesOf(movies)).toEqual([
        {
          key: '1',
          value: {
            movieId: 1,
            title: 'Toy Story (1995)',
            genres: ['Animation', 'Comedy'],
            year: 1995,
          },
        },
        { key: '2', value: { movieId: 2, title: 'Jumanji, The (1995)', genres: [], year: 1995 } },
      ]);
      expect(await cleanupPolicyOf(movies)).toBe('compact');
    },
    120_000,
  );

  it('publishes a feedback file to the feedback topic keyed by user, each event as the schema has it', async () => {
    const file = join(dir, 'feedback.csv');
    writeFileSync(
      file,
      'userId,movieId,kind,timestamp\n7,1,disliked,1500000000\n7,2,watched,1500000001\n8,1,favourite-removed,1500000002\n',
    );

    const sut = await load(file);

    expect(sut.code).toBe(0);
    expect(lastJsonLine(sut.stdout)).toMatchObject({
      kind: 'feedback',
      topic: env.kafka.topics.feedback,
      published: 3,
    });
    expect(await messagesOf(env.kafka.topics.feedback)).toEqual([
      { key: '7', value: { userId: 7, movieId: 1, kind: 'disliked', timestamp: 1500000000 } },
      { key: '7', value: { userId: 7, movieId: 2, kind: 'watched', timestamp: 1500000001 } },
      {
        key: '8',
        value: { userId: 8, movieId: 1, kind: 'favourite-removed', timestamp: 1500000002 },
      },
    ]);
  }, 120_000);

  it('publishes nothing from a feedback file with a bad line, and names the line', async () => {
    const file = join(dir, 'bad-feedback.csv');
    writeFileSync(file, 'userId,movieId,kind,timestamp\n7,1,disliked,1500000000\n7,2,loved,1\n');

    const sut = await load(file, '--topic', `${topic}-bad-feedback`);

    expect(sut.code).toBe(1);
    expect(sut.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^error: ${file}:3: kind: `)),
    ]);
    expect(await held(`${topic}-bad-feedback`)).toBeUndefined();
  }, 120_000);

  it('takes --kind over what the first line tells', async () => {
    const file = join(dir, 'listed.csv');
    writeFileSync(file, '1,2,watched,1500000000\n');

    const sut = await load(file, '--kind', 'ratings', '--topic', `${topic}-kind`);

    expect(sut.code).toBe(1);
    expect(sut.stderr).toMatch(new RegExp(`^error: ${file}:1: rating: `));
  }, 120_000);

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
