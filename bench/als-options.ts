import { option } from '@app/cli';
import { DEFAULT_ALS_SETTINGS } from '@app/factorization';

/** The ALS options both recluster benchmarks take, with the recluster service's defaults. */
export const alsOptions = (what: string) => ({
  als: option.flag(what),
  'als-factors': option.int('ALS factors (RECLUSTER_ALS_FACTORS)', {
    min: 1,
    max: 256,
    defaultValue: DEFAULT_ALS_SETTINGS.factors,
  }),
  'als-iterations': option.int('ALS alternations (RECLUSTER_ALS_ITERATIONS)', {
    min: 1,
    max: 100,
    defaultValue: DEFAULT_ALS_SETTINGS.iterations,
  }),
});
