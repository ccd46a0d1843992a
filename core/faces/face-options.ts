/**
 * Which faces of an image to translate: the largest, all (the largest few), or none, which takes
 * the centred square as it is. A module of its own, free of image code, because the database
 * schema stores a job's choice.
 */
export const FACE_CHOICES = ['largest', 'all'] as const;
export type FaceChoice = (typeof FACE_CHOICES)[number];

export const FACE_OPTIONS = [...FACE_CHOICES, 'none'] as const;
export type FaceOption = (typeof FACE_OPTIONS)[number];
