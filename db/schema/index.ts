export * from './types.js';
export * from './datasets.js';
export * from './runs.js';
export * from './models.js';
export * from './api-keys.js';
export * from './jobs.js';
export * from './validations.js';
export * from './judges.js';
