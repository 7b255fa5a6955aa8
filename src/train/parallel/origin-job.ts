// The worker side of the time-forward protocol: one origin month per job (src/train/time-forward.ts).
import { type OriginJob, type OriginScores, judgeOrigin } from '../time-forward.ts';

export function runJob(job: OriginJob): Promise<OriginScores> {
  return judgeOrigin(job);
}
