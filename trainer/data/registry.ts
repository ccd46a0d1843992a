import type { Database } from '../../db/client.js';
import { createDataset, createDatasetVersion, listDatasets } from '../../db/datasets.js';
import type { DatasetManifest } from './dataset-store.js';
import type { DatasetVersion } from './version-store.js';

/**
 * Records data sets and filtered versions in the registry database. The bulk data stays in the
 * data directory; the registry gets the source hash, counts, filter parameters, and the kept row
 * ids with their scores. Row ids are 0-based positions in the imported data set, which are the
 * source file's data rows minus one unless `--skip-invalid` dropped rows. The caller opens the
 * registry (db/open-registry.ts) and closes it.
 */
export class DataRegistry {
  constructor(private readonly db: Database) {}

  /** The registry id of an imported data set, recording it first if it is not there yet. */
  async datasetId(manifest: DatasetManifest): Promise<number> {
    const layout = `${manifest.format}/${manifest.imageSide}x${manifest.imageSide}-gray`;
    const existing = (await listDatasets(this.db)).find((d) => d.sha256 === manifest.sha256 && d.layout === layout);
    if (existing) return existing.id;
    const created = await createDataset(this.db, {
      sourceName: manifest.source,
      sha256: manifest.sha256,
      rowCount: manifest.count,
      classCounts: manifest.perClass,
      layout,
    });
    return created.id;
  }

  /** Records a version whose parent is already recorded (or which filtered the whole data set). */
  async versionId(manifest: DatasetManifest, version: DatasetVersion, parent: DatasetVersion | null): Promise<number> {
    if (parent && parent.registryId === undefined) throw new Error(`parent version ${parent.id} is not in the registry`);
    const scoreOf = new Map(version.scored.map((index, position) => [index, version.scores[position]!]));
    const created = await createDatasetVersion(this.db, {
      datasetId: await this.datasetId(manifest),
      parentVersionId: parent?.registryId ?? null,
      filterMethod: version.method,
      filterParams: { ...version.params, localVersion: version.id },
      keptRowIds: version.kept,
      // A class with no rows to fit on leaves its rows unscored; the registry takes a score for every kept row or none.
      keptScores: version.kept.every((i) => Number.isFinite(scoreOf.get(i))) ? version.kept.map((i) => scoreOf.get(i)!) : null,
      classCounts: version.classCounts,
    });
    return created.id;
  }
}
