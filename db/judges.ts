import { desc, eq } from 'drizzle-orm';
import type { Database } from './client.js';
import { sha256Hex } from './artifacts.js';
import { NotFoundError } from './errors.js';
import { judges } from './schema/index.js';

export type Judge = typeof judges.$inferSelect;

export interface JudgeInput {
  datasetVersionId: number;
  recipe: string;
  seed: number;
  params: Record<string, unknown>;
  metrics: Record<string, unknown>;
  onnx: Uint8Array;
}

export async function registerJudge(db: Database, input: JudgeInput): Promise<Judge> {
  const onnx = Buffer.from(input.onnx);
  const [row] = await db
    .insert(judges)
    .values({ ...input, onnx, sha256: sha256Hex(onnx) })
    .returning();
  return row!;
}

/** The judge with this id, or the newest one when `id` is undefined. */
export async function findJudge(db: Database, id?: number): Promise<Judge> {
  const [row] =
    id === undefined
      ? await db.select().from(judges).orderBy(desc(judges.id)).limit(1)
      : await db.select().from(judges).where(eq(judges.id, id));
  if (!row) throw new NotFoundError(id === undefined ? "no judge is registered yet (train one with 'faceaug judge train')" : `judge ${id} does not exist`);
  return row;
}
