import { type UserProfile } from '@app/events';
import { nearestDemographicCluster } from '@app/recommend';
import { buildDemographicModel } from './demographic-model.builder';

const aProfile = (overrides: Partial<UserProfile> = {}): UserProfile => ({
  age: 30,
  gender: 'F',
  occupation: 'writer',
  zipPrefix: '9',
  ...overrides,
});

describe(buildDemographicModel.name, () => {
  // Young students who love movie 1, and retired people who love movie 2.
  const profiles = new Map<number, UserProfile>();
  const favourites = new Map<number, number[]>();
  for (let i = 0; i < 10; i++) {
    profiles.set(i, aProfile({ age: 19 + (i % 3), occupation: 'student', zipPrefix: '1' }));
    favourites.set(i, [1, 10 + i]);
    profiles.set(100 + i, aProfile({ age: 68 + (i % 4), occupation: 'retired', gender: 'M' }));
    favourites.set(100 + i, [2]);
  }
  // The students are in taste cluster 4 but two of them in 1; retired people have no ratings.
  const tasteClusterOf = (u: number) => (u < 100 ? (u < 2 ? 1 : 4) : undefined);
  const favouritesOf = (u: number) => favourites.get(u) ?? [];
  const settings = { k: 2, minClusterSize: 3, seed: 1, topMovies: 3 };

  it('separates the planted groups and lists each one favourites, most favoured first', () => {
    const sut = buildDemographicModel(profiles, favouritesOf, tasteClusterOf, settings)!;

    const young = nearestDemographicCluster(sut, aProfile({ age: 20, occupation: 'student' }));
    const old = nearestDemographicCluster(sut, aProfile({ age: 70, occupation: 'retired' }));
    expect(young).not.toBe(old);
    expect(sut.clusters[young]).toEqual({
      size: 10,
      favourites: [
        [1, 10],
        [10, 1],
        [11, 1],
      ],
      tasteCluster: 4,
    });
    expect(sut.clusters[old]).toEqual({ size: 10, favourites: [[2, 10]], tasteCluster: null });
  });

  it('is repeatable for a seed', () => {
    const build = () => buildDemographicModel(profiles, favouritesOf, tasteClusterOf, settings);

    expect(build()).toEqual(build());
  });

  it('makes fewer clusters when there are too few profiles for the minimum size', () => {
    const sut = buildDemographicModel(profiles, () => [], tasteClusterOf, {
      ...settings,
      k: 10,
      minClusterSize: 8,
    });

    expect(sut?.centroids).toHaveLength(2);
  });

  it('gives no model without profiles', () => {
    expect(buildDemographicModel(new Map(), () => [], tasteClusterOf, settings)).toBeUndefined();
  });
});
