/**
 * FER2013's Usage splits; the index is what a data set stores per row. Every imported data set
 * stores faces of the face contract's shape (core/image-codec.ts: FACE_SIZE, FACE_PIXELS).
 */
export const USAGES = ['Training', 'PublicTest', 'PrivateTest'] as const;
export type Usage = (typeof USAGES)[number];

export function usageIndex(name: string): number {
  return (USAGES as readonly string[]).indexOf(name);
}
