import { fileSystemCodeIn, fileSystemFailure } from './file-system-failure';

describe('fileSystemFailure', () => {
  it("words what PGlite's file system throws (no Error, WASI's errno) with its code", () => {
    expect(fileSystemFailure({ name: 'ErrnoError', errno: 51 })).toEqual({ code: 'ENOSPC', message: 'no space left on device (ENOSPC)' });
    expect(fileSystemFailure({ name: 'ErrnoError', errno: 69 })).toEqual({ code: 'EROFS', message: 'read-only file system (EROFS)' });
  });

  it('leaves alone what is not a file-system failure it knows', () => {
    expect(fileSystemFailure(new Error('PGlite failed to initialize properly'))).toBeUndefined();
    expect(fileSystemFailure({ name: 'ErrnoError', errno: 9999 })).toBeUndefined();
    expect(fileSystemFailure(undefined)).toBeUndefined();
  });

  it('reads the code back from the words, as a child process hands them on', () => {
    expect(fileSystemCodeIn('no space left on device (ENOSPC)\n')).toBe('ENOSPC');
    expect(fileSystemCodeIn('Could not prepare the database')).toBeUndefined();
  });
});
