// Vite build of the dashboard: React via esbuild's automatic JSX (no Babel plugin needed for a production build), output in ui/dist.
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/',
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // recharts is big; it gets its own chunk, loaded only by pages with charts.
    chunkSizeWarningLimit: 600,
    rollupOptions: { output: { manualChunks: { charts: ['recharts'] } } },
  },
  // `vite` in dev proxies the API to a running dev server (src/ui/dev-server.ts, default port 8080).
  server: { proxy: { '/api': `http://127.0.0.1:${process.env.DFP_UI_API_PORT ?? '8080'}` } },
});
