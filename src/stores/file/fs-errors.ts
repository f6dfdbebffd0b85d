import { ObjectNotFoundError, StoreAuthError, StoreError, TransientStoreError, ObjectTooLargeError, InvalidKeyError } from '../errors.js';

/** Turns a Node fs error into the StoreError it means for `key`. */
export function translateFsError(err: unknown, key: string): StoreError {
  if (err instanceof StoreError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const options = { key, cause: err };
  switch (code) {
    case 'ENOENT':
      return new ObjectNotFoundError(key, options);
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new StoreAuthError(`file system refused access to ${key} (${code})`, options);
    case 'ENOTDIR':
    case 'EISDIR':
    case 'ENAMETOOLONG':
    case 'ELOOP':
      return new InvalidKeyError(key, `cannot be a file here (${code})`, options);
    case 'EFBIG':
    case 'ENOSPC':
    case 'EDQUOT':
      return new ObjectTooLargeError(`no room for ${key} (${code})`, options);
    case 'EIO':
    case 'EAGAIN':
    case 'EMFILE':
    case 'ENFILE':
      return new TransientStoreError(`file system fault on ${key} (${code})`, options);
    default:
      return new StoreError('INTERNAL', `file store error on ${key}: ${(err as Error)?.message ?? String(err)}`, options);
  }
}
