// The shell: skip link, navigation, and the page for the current path (pages load lazily so the first screen stays small).
import { Component, type ErrorInfo, type ReactNode, Suspense, lazy, useEffect } from 'react';
import { ErrorBox, Loading } from './components/Status.tsx';
import { Link, useLocation } from './router.tsx';

const Overview = lazy(() => import('./pages/Overview.tsx'));
const Data = lazy(() => import('./pages/Data.tsx'));
const Features = lazy(() => import('./pages/Features.tsx'));
const Experiments = lazy(() => import('./pages/Experiments.tsx'));
const RunDetail = lazy(() => import('./pages/RunDetail.tsx'));
const Compare = lazy(() => import('./pages/Compare.tsx'));
const Models = lazy(() => import('./pages/Models.tsx'));
const Score = lazy(() => import('./pages/Score.tsx'));

const NAV = [
  ['/', 'Overview'],
  ['/data', 'Data'],
  ['/features', 'Features'],
  ['/experiments', 'Experiments'],
  ['/models', 'Models'],
  ['/score', 'Score'],
] as const;

/** A render error in a page shows a message (and the navigation still works) instead of a blank screen. */
class Boundary extends Component<{ children: ReactNode; path: string }, { error: Error | null }> {
  override state = { error: null as Error | null };
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  override componentDidUpdate(prev: { path: string }) {
    if (prev.path !== this.props.path && this.state.error) this.setState({ error: null });
  }
  override componentDidCatch(error: Error, info: ErrorInfo) {
    console.warn('page error', error, info.componentStack);
  }
  override render() {
    return this.state.error ? <ErrorBox error={this.state.error} title="This page failed" /> : this.props.children;
  }
}

function page(path: string, query: URLSearchParams): ReactNode {
  if (path === '/' || path === '') return <Overview />;
  if (path === '/data') return <Data />;
  if (path === '/features') return <Features />;
  if (path === '/experiments') {
    const ids = (query.get('compare') ?? '').split(',').filter(Boolean);
    return ids.length ? <Compare ids={ids} /> : <Experiments />;
  }
  const run = /^\/experiments\/([^/]+)$/.exec(path);
  if (run?.[1]) return <RunDetail runId={decodeURIComponent(run[1])} />;
  if (path.startsWith('/models')) return <Models />;
  if (path === '/score') return <Score />;
  return <ErrorBox error={new Error(`no page at ${path}`)} title="Not found" />;
}

export function App() {
  const { path, query } = useLocation();
  const section = NAV.find(([href]) => (href === '/' ? path === '/' : path.startsWith(href)));
  useEffect(() => {
    document.title = `${section?.[1] ?? 'dfp'} · dfp dashboard`;
    window.scrollTo(0, 0);
  }, [section, path]);
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header>
        <span className="brand">dfp</span>
        <nav aria-label="Main">
          <ul>
            {NAV.map(([href, label]) => (
              <li key={href}>
                <Link href={href} aria-current={section?.[0] === href ? 'page' : undefined}>
                  {label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        <Boundary path={path}>
          <Suspense fallback={<Loading what="the page" />}>{page(path, query)}</Suspense>
        </Boundary>
      </main>
    </>
  );
}
