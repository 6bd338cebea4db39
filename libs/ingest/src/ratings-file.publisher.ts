import { type EventPublisher } from '@app/kafka';
import { inspectRatingsFile, type RatingsFormat, readRatings } from '@app/movielens';

export interface PublishFileProgress {
  bytesRead: number;
  bytes: number;
  published: number;
}

export interface PublishFileResult {
  format: RatingsFormat;
  published: number;
}

/** Publishes every rating of a MovieLens file as a rating event, in file order. */
export async function publishRatingsFile(
  publisher: EventPublisher,
  path: string,
  {
    limit = Infinity,
    onProgress,
  }: { limit?: number; onProgress?: (p: PublishFileProgress) => void } = {},
): Promise<PublishFileResult> {
  const { format, bytes } = await inspectRatingsFile(path);
  let published = 0;
  for await (const { line: _, ...event } of readRatings(path, {
    onProgress: (bytesRead) => onProgress?.({ bytesRead, bytes, published }),
  })) {
    await publisher.publish(event.userId, event);
    if (++published >= limit) break;
  }
  await publisher.flush();
  onProgress?.({ bytesRead: bytes, bytes, published });
  return { format, published };
}
