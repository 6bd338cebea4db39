import { UsageError } from './cli-error';
import { rangeWithinData, withinData } from './data-bound';

const users = { limit: 21, what: 'users in ratings.csv' };

describe(withinData.name, () => {
  it('returns a value the data honours', () => {
    expect(withinData('k', 21, users)).toBe(21);
  });

  it('rejects a value above the bound with a usage error naming the option and the bound', () => {
    const attempt = () => withinData('k', 5000, users);

    expect(attempt).toThrow(UsageError);
    expect(attempt).toThrow('--k: expected at most 21 (the users in ratings.csv), got 5000');
  });
});

describe(rangeWithinData.name, () => {
  it('returns a range within the bound as it is, saying nothing', () => {
    const note = jest.fn();

    expect(rangeWithinData('k-range', [2, 21], users, note)).toEqual([2, 21]);
    expect(note).not.toHaveBeenCalled();
  });

  it('cuts a range that ends above the bound, and says so', () => {
    const note = jest.fn();

    expect(rangeWithinData('k-range', [18, 30], users, note)).toEqual([18, 21]);
    expect(note).toHaveBeenCalledWith(
      '--k-range 18:30: only 21 users in ratings.csv, so using 18:21',
    );
  });

  it('rejects a range wholly above the bound', () => {
    const attempt = () => rangeWithinData('k-range', [25, 5000], users, jest.fn());

    expect(attempt).toThrow(UsageError);
    expect(attempt).toThrow(
      '--k-range: expected A at most 21 (the users in ratings.csv), got 25:5000',
    );
  });
});
