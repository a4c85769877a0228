// What PGlite's file system (Emscripten's) throws is no Error but `{ name: 'ErrnoError', errno }`, with WASI's numbers:
// a start on a full disk said only "[object Object]", or "undefined".
const WASI_ERRNO_CODES: Record<number, keyof typeof FILE_SYSTEM_ERRORS> = {
  2: 'EACCES',
  29: 'EIO',
  44: 'ENOENT',
  51: 'ENOSPC',
  54: 'ENOTDIR',
  63: 'EPERM',
  69: 'EROFS',
};
const FILE_SYSTEM_ERRORS = {
  EACCES: 'permission denied',
  EIO: 'input/output error',
  ENOENT: 'no such file or directory',
  ENOSPC: 'no space left on device',
  ENOTDIR: 'not a directory',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
};

/** What a failure of PGlite's file system was, in words and by its code ("no space left on device (ENOSPC)"), if it was one. */
export function fileSystemFailure(error: unknown): { code: string; message: string } | undefined {
  const { name, errno } = (error ?? {}) as { name?: unknown; errno?: unknown };
  const code = name === 'ErrnoError' && typeof errno === 'number' ? WASI_ERRNO_CODES[errno] : undefined;
  return code && { code, message: `${FILE_SYSTEM_ERRORS[code]} (${code})` };
}

/** The code a message made by fileSystemFailure ends with, if it does. */
export function fileSystemCodeIn(message: string): string | undefined {
  return /\((E[A-Z]+)\)$/.exec(message.trim())?.[1];
}
