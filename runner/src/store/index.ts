export type { ObjectStore } from './store.ts';
export { FileStore } from './file-store.ts';
export { S3Store, type S3Location } from './s3-store.ts';
export { openStore } from './open.ts';
