// Marks the moment a page's data is on screen: a performance mark (first-load timing) and data-ready for tests.
import { useEffect } from 'react';

export function Ready({ page }: { page: string }) {
  useEffect(() => {
    if (performance.getEntriesByName(`dfp-ready:${page}`).length === 0) performance.mark(`dfp-ready:${page}`);
    document.body.dataset.ready = page;
    return () => {
      delete document.body.dataset.ready;
    };
  }, [page]);
  return null;
}
