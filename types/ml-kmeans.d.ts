// ml-kmeans is an ES module whose types are reachable only through its package "exports", which
// this CommonJS build (moduleResolution "node") does not read; Node 20 loads the module itself
// through require(). These are the parts of its published types that the project uses.
declare module 'ml-kmeans' {
  export interface KMeansOptions {
    seed?: number;
    maxIterations?: number;
    tolerance?: number;
    initialization?: 'kmeans++' | 'random' | 'mostDistant' | number[][];
  }

  export interface KMeansResult {
    clusters: number[];
    centroids: number[][];
    converged: boolean;
    iterations: number;
  }

  export function kmeans(data: number[][], K: number, options: KMeansOptions): KMeansResult;
}
