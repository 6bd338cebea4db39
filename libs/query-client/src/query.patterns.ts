/** Message patterns of the query service's service-to-service (RPC) interface. */
export const QUERY_PATTERNS = {
  recommendations: 'recommendations.get',
  prediction: 'predictions.get',
  clusters: 'clusters.list',
  cluster: 'clusters.get',
  saveProfile: 'profiles.put',
} as const;

export type QueryPattern = (typeof QUERY_PATTERNS)[keyof typeof QUERY_PATTERNS];
