/**
 * Every setting that can come from the environment, in one place: its variable, default and help
 * text. CLI commands take their flag defaults from here, so a flag, a variable and a default are
 * one definition.
 */
export interface Setting<T> {
  env: string;
  description: string;
  default: T;
  parse: (raw: string) => T;
}

const text = (env: string, description: string, fallback: string): Setting<string> => ({
  env,
  description,
  default: fallback,
  parse: (raw) => raw,
});

const integer = (env: string, description: string, fallback: number, min = 0): Setting<number> => ({
  env,
  description,
  default: fallback,
  parse: (raw) => {
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min) throw new RangeError(`${env} must be an integer >= ${min}, got '${raw}'`);
    return value;
  },
});

const optionalText = (env: string, description: string): Setting<string | undefined> => ({
  env,
  description,
  default: undefined,
  parse: (raw) => raw || undefined,
});

export const settings = {
  backend: optionalText(
    'FACEAUG_BACKEND',
    'TensorFlow.js backend: tensorflow-gpu, tensorflow, wasm or cpu (default: the fastest that loads)',
  ),
  workers: integer('FACEAUG_WORKERS', 'worker threads for data-parallel training and job pools (0: one per core)', 0),
  dataDir: text('FACEAUG_DATA_DIR', 'directory of the embedded database, runs and caches', './data'),
  databaseUrl: optionalText('DATABASE_URL', 'Postgres connection string; unset: embedded PGlite in FACEAUG_DATA_DIR'),
  port: integer('FACEAUG_PORT', 'HTTP port of the server', 8787, 1),
  fer2013Csv: text('FER2013_CSV', 'path of the FER2013 CSV (plain or .gz)', '../shared/data/fer2013/fer2013.csv.gz'),
} satisfies Record<string, Setting<unknown>>;

export type SettingName = keyof typeof settings;
type SettingValue<K extends SettingName> = (typeof settings)[K]['default'];

/** Reads a setting from the environment (or `env`), falling back to its documented default. */
export function readSetting<K extends SettingName>(name: K, env: NodeJS.ProcessEnv = process.env): SettingValue<K> {
  const setting = settings[name] as Setting<SettingValue<K>>;
  const raw = env[setting.env];
  return raw === undefined || raw === '' ? setting.default : setting.parse(raw);
}
