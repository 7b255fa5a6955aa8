// Loading and error states, so a failed request shows a message in the page instead of a blank screen.
import type { ReactNode } from 'react';
import type { Loaded } from '../api.ts';

export function ErrorBox({ error, title = 'Could not load' }: { error: Error; title?: string }) {
  return (
    <div className="error" role="alert">
      <strong>{title}:</strong> {error.message}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}

/** Renders children(data) once loaded; a loading line or an error message before that. */
export function Async<T>({ state, what, children }: { state: Loaded<T>; what: string; children: (data: T) => ReactNode }) {
  if (state.error) return <ErrorBox error={state.error} title={`Could not load ${what}`} />;
  if (state.data === undefined) return <Loading what={what} />;
  return <>{children(state.data)}</>;
}
