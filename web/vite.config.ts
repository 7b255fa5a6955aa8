// Vite build of the dashboard: React via esbuild's automatic JSX (no Babel plugin needed for a production build), output in web/dist.
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/',
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // recharts (~470 kB) lands in the lazily loaded Charts chunk, fetched only by pages that draw charts.
    // No manualChunks: forcing recharts into a named chunk also moved shared React code there, so every page loaded it.
    chunkSizeWarningLimit: 600,
  },
  // `vite` in dev proxies the dashboard API and the scoring API (the Drift page reads GET /v1/drift) to a running `dfp serve` (default port 8080).
  server: { proxy: Object.fromEntries(['/api', '/v1'].map((p) => [p, `http://127.0.0.1:${process.env.DFP_UI_API_PORT ?? '8080'}`])) },
});
