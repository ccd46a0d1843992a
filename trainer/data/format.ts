/** FER2013's image geometry and Usage splits: every imported data set is stored in this shape. */
export const IMAGE_SIDE = 48;
export const PIXELS_PER_IMAGE = IMAGE_SIDE * IMAGE_SIDE;

/** Kaggle's Usage values; the index is what a data set stores per row. */
export const USAGES = ['Training', 'PublicTest', 'PrivateTest'] as const;
export type Usage = (typeof USAGES)[number];

export function usageIndex(name: string): number {
  return (USAGES as readonly string[]).indexOf(name);
}
