// Where the shipped transform project lives: analytics/kronodroid at the repository root.
import { resolve } from 'node:path';

export const DEFAULT_PROJECT = resolve(import.meta.dirname, '../../analytics/kronodroid');
