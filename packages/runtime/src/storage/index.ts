export { createS3Client, type S3ClientOptions } from './s3-client.ts';
export { createStorage, type CreateStorageOptions, type Storage } from './create-storage.ts';
export { bucketsFromEnv, createStorageFromEnv, storageOptionsFromEnv } from './from-env.ts';
export { encodeKey, publicObjectUrl, type PublicUrlOptions } from './public-url.ts';
export {
  StorageBucketApi,
  MAX_PRESIGN_SECONDS,
  USER_METADATA_KEY,
  toBody,
  type BucketApiOptions,
} from './storage-bucket.ts';
export {
  StorageApiError,
  StorageError,
  StorageUnknownError,
  isStorageError,
  toStorageError,
} from './errors.ts';
export type {
  FileBody,
  FileMetadata,
  FileObject,
  FileOptions,
  Result,
  SearchOptions,
  TransformOptions,
} from './types.ts';
