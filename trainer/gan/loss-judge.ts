import { findJudge } from '../../db/judges.js';
import { withRegistry } from '../../db/open-registry.js';
import type { TrainOptions } from './options.js';

/**
 * The packed classifier of the registered judge a run's target-expression loss reads its
 * translations with (`--expression-judge`), or undefined when it has none. A run records the
 * judge's sha256 when it starts; a resumed run (perhaps on another machine, where judge ids are
 * given out afresh) must find the same network under that id.
 */
export async function lossJudge(dataDir: string, options: TrainOptions): Promise<{ classifier: Uint8Array; sha256: string } | undefined> {
  if (options.expressionJudge == null || options.lambdaExpression === 0) return undefined;
  const id = options.expressionJudge;
  const judge = await withRegistry(dataDir, ({ db }) => findJudge(db, id));
  if (!judge.weights) throw new Error(`judge ${id} was registered without its weights (before judges kept them): train another with 'faceaug judge train' for the loss`);
  if (options.expressionJudgeSha256 && options.expressionJudgeSha256 !== judge.sha256) {
    throw new Error(
      `judge ${id} here (sha256 ${judge.sha256.slice(0, 12)}) is not the judge this run's loss read with (sha256 ${options.expressionJudgeSha256.slice(0, 12)}): ` +
        `register that judge here first (judge training is seeded: the same command gives the same network), so that it is judge ${id}`,
    );
  }
  return { classifier: judge.weights, sha256: judge.sha256 };
}
