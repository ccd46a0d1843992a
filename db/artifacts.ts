import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { ArtifactKind } from './schema/index.js';
import { IntegrityError, ValidationError } from './errors.js';

/** An artifact to register: its bytes, or a `file:` URL naming where they live. */
export type ArtifactInput = { kind: ArtifactKind; bytes: Uint8Array } | { kind: ArtifactKind; uri: string };

export interface ResolvedArtifact {
  kind: ArtifactKind;
  sha256: string;
  sizeBytes: number;
  content: Buffer | null;
  uri: string | null;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Hashes an artifact for registration; a URI's file is read now so its recorded sha256 is the real one. */
export async function resolveArtifact(input: ArtifactInput): Promise<ResolvedArtifact> {
  if ('bytes' in input) {
    const content = Buffer.from(input.bytes);
    return { kind: input.kind, sha256: sha256Hex(content), sizeBytes: content.length, content, uri: null };
  }
  const bytes = await readUri(input.uri, `${input.kind} artifact`, ValidationError);
  return { kind: input.kind, sha256: sha256Hex(bytes), sizeBytes: bytes.length, content: null, uri: input.uri };
}

/** The artifact's bytes, refused with an IntegrityError when they are not the ones registered. */
export async function verifiedBytes(artifact: ResolvedArtifact, what: string): Promise<Buffer> {
  const bytes = artifact.content ?? (await readUri(artifact.uri!, what, IntegrityError));
  const actual = sha256Hex(bytes);
  if (actual !== artifact.sha256 || bytes.length !== artifact.sizeBytes) {
    throw new IntegrityError(
      `${what} is corrupt: sha256 ${actual} (${bytes.length} bytes), registered ${artifact.sha256} (${artifact.sizeBytes} bytes); refusing to use it`,
    );
  }
  return bytes;
}

async function readUri(uri: string, what: string, failure: typeof IntegrityError | typeof ValidationError): Promise<Buffer> {
  let path: string;
  try {
    path = fileURLToPath(uri);
  } catch {
    throw new ValidationError(`${what}: only file: URIs can be stored as external artifacts, got '${uri}'`);
  }
  try {
    return await readFile(path);
  } catch (error) {
    throw new failure(`${what}: cannot read ${uri}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
