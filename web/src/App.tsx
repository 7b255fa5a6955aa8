// The shell: skip link, navigation, and the page for the current path (pages load lazily so the first screen stays small).
import { Component, type ErrorInfo, type ReactNode, useEffect } from 'react';
import { Page, lazyPage } from './components/LazyPage.tsx';
import { ErrorBox } from './components/Status.tsx';
import { Link, useLocation } from './router.tsx';

const Overview = lazyPage(() => import('./pages/Overview.tsx'));
const Data = lazyPage(() => import('./pages/Data.tsx'));
const Features = lazyPage(() => import('./pages/Features.tsx'));
const Experiments = lazyPage(() => import('./pages/Experiments.tsx'));
const RunDetail = lazyPage(() => import('./pages/RunDetail.tsx'));
const Compare = lazyPage(() => import('./pages/Compare.tsx'));
const Models = lazyPage(() => import('./pages/Models.tsx'));
const Score = lazyPage(() => import('./pages/Score.tsx'));
const Drift = lazyPage(() => import('./pages/Drift.tsx'));

const NAV = [
  ['/', 'Overview'],
  ['/data', 'Data'],
  ['/features', 'Features'],
  ['/experiments', 'Experiments'],
  ['/models', 'Models'],
  ['/score', 'Score'],
  ['/drift', 'Drift'],
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
  if (path === '/' || path === '') return <Page page={Overview} props={{}} />;
  if (path === '/data') return <Page page={Data} props={{}} />;
  if (path === '/features') return <Page page={Features} props={{}} />;
  if (path === '/experiments') {
    const ids = (query.get('compare') ?? '').split(',').filter(Boolean);
    return ids.length ? <Page page={Compare} props={{ ids }} /> : <Page page={Experiments} props={{}} />;
  }
  const run = /^\/experiments\/([^/]+)$/.exec(path);
  if (run?.[1]) return <Page page={RunDetail} props={{ runId: decodeURIComponent(run[1]) }} />;
  if (path.startsWith('/models')) return <Page page={Models} props={{}} />;
  if (path === '/score') return <Page page={Score} props={{}} />;
  if (path === '/drift') return <Page page={Drift} props={{}} />;
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
          {page(path, query)}
        </Boundary>
      </main>
    </>
  );
}
