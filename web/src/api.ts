// Fetch helpers for /api/ui/*: API errors become thrown Errors with the server's message, and a hook for page data.
import { useCallback, useEffect, useState } from 'react';

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
  }
}

async function parse<T>(res: Response): Promise<T> {
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    throw new ApiError(`${res.status} ${res.statusText}: the server did not answer with JSON`, res.status, 'INTERNAL');
  }
  if (!res.ok) {
    const err = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new ApiError(err?.message ?? `${res.status} ${res.statusText}`, res.status, err?.code ?? 'INTERNAL');
  }
  return body as T;
}

export async function getJson<T>(url: string): Promise<T> {
  return parse<T>(await fetch(url, { headers: { accept: 'application/json' } }));
}

export async function postJson<T>(url: string, body: unknown, headers: Record<string, string> = {}): Promise<T> {
  return parse<T>(await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json', ...headers }, body: JSON.stringify(body) }));
}

export interface Loaded<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  reload: () => void;
}

/** GETs url (skipped when null) and re-fetches when it changes; stale answers of an older url are dropped. */
export function useApi<T>(url: string | null): Loaded<T> {
  const [state, setState] = useState<{ url: string | null; data?: T; error?: Error }>({ url: null });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (url === null) return;
    let live = true;
    getJson<T>(url).then(
      (data) => live && setState({ url, data }),
      (error: unknown) => live && setState({ url, error: error instanceof Error ? error : new Error(String(error)) }),
    );
    return () => {
      live = false;
    };
  }, [url, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  const fresh = state.url === url;
  return { data: fresh ? state.data : undefined, error: fresh ? state.error : undefined, loading: url !== null && (!fresh || (state.data === undefined && state.error === undefined)), reload };
}
