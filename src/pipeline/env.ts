// What every pipeline step gets: the run's config, the open lake, where to report progress and log.
import type { DfpConfig } from '../core/config/schema.ts';
import type { Progress } from '../core/progress.ts';
import type { ObjectLake } from '../lake/repository.ts';

export interface PipelineEnv {
  /** Config shared by the data steps (the user's overrides, default model preset). */
  config: DfpConfig;
  lake: ObjectLake;
  branch: string;
  progress: Progress;
  log: (line: string) => void;
}
