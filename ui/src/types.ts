// Client-side copies of core shapes the API returns as is (kept here so the browser bundle imports no server code).
export interface TableDiffView {
  table: string;
  status: 'added' | 'removed' | 'changed' | 'unchanged';
  rows_before: number;
  rows_after: number;
  rows_added?: number;
  rows_removed?: number;
  rows_changed?: number;
  schema_changed?: boolean;
}

export interface LakeDiffView {
  from: string;
  to: string;
  tables: TableDiffView[];
}
