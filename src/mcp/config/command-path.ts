import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** True when the file exists and this process may run it. */
export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable of that name in a PATH-style list of folders, as a shell would find it. */
export function findOnPath(command: string, searchPath: string): string | undefined {
  return searchPath
    .split(delimiter)
    .filter((dir) => dir !== '')
    .map((dir) => join(dir, command))
    .find(isExecutable);
}
