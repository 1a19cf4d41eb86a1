export * from './aws.js';
export * from './paths.js';
export * from './package-index.js';
export * from './run.js';
export * from './files.js';
export * from './python.js';
