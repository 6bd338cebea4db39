import { OwnedPartitionLags } from './owned-partition-lags';

describe(OwnedPartitionLags.name, () => {
  it('reports only the partitions assigned to this member, once their lag is known', () => {
    const sut = new OwnedPartitionLags();
    sut.assign({ ratings: [0, 2], favourites: [1] });

    sut.record([
      { topic: 'ratings', partition: 0, lag: 5 },
      { topic: 'ratings', partition: 1, lag: 7 },
      { topic: 'favourites', partition: 1, lag: 0 },
    ]);

    expect(sut.current()).toEqual([
      { topic: 'ratings', partition: 0, lag: 5 },
      { topic: 'favourites', partition: 1, lag: 0 },
    ]);
  });

  it('keeps the known lag of partitions kept across a rebalance and drops the others', () => {
    const sut = new OwnedPartitionLags();
    sut.assign({ ratings: [0, 1] });
    sut.record([
      { topic: 'ratings', partition: 0, lag: 3 },
      { topic: 'ratings', partition: 1, lag: 4 },
    ]);

    sut.assign({ ratings: [1, 2] });

    expect(sut.current()).toEqual([{ topic: 'ratings', partition: 1, lag: 4 }]);
  });

  it('owns nothing once cleared', () => {
    const sut = new OwnedPartitionLags();
    sut.assign({ ratings: [0] });

    sut.clear();
    sut.record([{ topic: 'ratings', partition: 0, lag: 1 }]);

    expect(sut.isEmpty).toBe(true);
    expect(sut.current()).toEqual([]);
  });
});
