// Code-split pages without Suspense: React 19 holds a revealed Suspense boundary back ~300 ms, which alone would eat a third of the 1 s first-load budget.
import { type ComponentType, useEffect, useState } from 'react';
import { ErrorBox, Loading } from './Status.tsx';

export interface LazyPage<P> {
  get(): ComponentType<P> | undefined;
  load(): Promise<void>;
}

export function lazyPage<P>(load: () => Promise<{ default: ComponentType<P> }>): LazyPage<P> {
  let component: ComponentType<P> | undefined;
  let pending: Promise<void> | undefined;
  return {
    get: () => component,
    load: () =>
      (pending ??= load().then(
        (m) => {
          component = m.default;
        },
        (e: unknown) => {
          pending = undefined; // a later visit retries (e.g. the server was restarting)
          throw e;
        },
      )),
  };
}

export function Page<P extends object>({ page, props }: { page: LazyPage<P>; props: P }) {
  const [state, setState] = useState<{ error?: Error; n: number }>({ n: 0 });
  const C = page.get();
  useEffect(() => {
    if (C) return;
    let live = true;
    page.load().then(
      () => live && setState((s) => ({ n: s.n + 1 })),
      (e: unknown) => live && setState((s) => ({ n: s.n + 1, error: e instanceof Error ? e : new Error(String(e)) })),
    );
    return () => {
      live = false;
    };
  }, [C, page]);
  if (state.error && !C) return <ErrorBox error={state.error} title="Could not load this page's code" />;
  if (!C) return <Loading what="the page" />;
  return <C {...props} />;
}
