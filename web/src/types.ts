// Core shapes the API returns as is. Type-only imports: erased from the bundle, so the browser loads no server code.
export type { LakeDiff as LakeDiffView, TableDiff as TableDiffView } from '../../src/core/lake/types.ts';
