import { fileURLToPath } from 'node:url';

/** A file inside the CLI package: built-in phase packages are resolved from here. */
export const CLI_FILE = fileURLToPath(import.meta.url);
