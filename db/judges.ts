import { desc, eq, ne } from 'drizzle-orm';
import type { Database } from './client.js';
import { sha256Hex } from './artifacts.js';
import { NotFoundError, ValidationError } from './errors.js';
import { judges } from './schema/index.js';

export type Judge = typeof judges.$inferSelect;

export interface JudgeInput {
  datasetVersionId: number;
  recipe: string;
  seed: number;
  params: Record<string, unknown>;
  metrics: Record<string, unknown>;
  onnx: Uint8Array;
  /** The network as a faceaug tensor file, for judges that may serve in a training loss. */
  weights?: Uint8Array;
}

export async function registerJudge(db: Database, input: JudgeInput): Promise<Judge> {
  const onnx = Buffer.from(input.onnx);
  const [row] = await db
    .insert(judges)
    .values({ ...input, onnx, sha256: sha256Hex(onnx), weights: input.weights ? Buffer.from(input.weights) : null })
    .returning();
  return row!;
}

/**
 * The judge with this id, or the newest one when `id` is undefined. `except` names a network (the
 * sha256 of its ONNX) that may not judge here, such as the one in a run's training loss: it is
 * passed over when choosing the newest, and refused when asked for by id.
 */
export async function findJudge(db: Database, id?: number, { except }: { except?: string } = {}): Promise<Judge> {
  const [row] =
    id === undefined
      ? await db
          .select()
          .from(judges)
          .where(except ? ne(judges.sha256, except) : undefined)
          .orderBy(desc(judges.id))
          .limit(1)
      : await db.select().from(judges).where(eq(judges.id, id));
  if (!row) {
    if (id !== undefined) throw new NotFoundError(`judge ${id} does not exist`);
    throw new NotFoundError(except ? "no judge is registered but the one in the run's loss (train another with 'faceaug judge train')" : "no judge is registered yet (train one with 'faceaug judge train')");
  }
  if (except && row.sha256 === except) {
    throw new ValidationError(`judge ${row.id} is in this run's target-expression loss: the translations were optimised against it, so its reading says nothing; evaluate with another judge`);
  }
  return row;
}
