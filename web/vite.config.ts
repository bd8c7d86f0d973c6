import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// Built by `npx vite build web`; the Tally server serves web/dist at `/` (index.html also for /embed).
// `npx vite web` runs a dev server that forwards API calls to a local Tally on PORT (default 8787).
const apiTarget = `http://127.0.0.1:${process.env.PORT ?? '8787'}`;

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 400 },
  server: { proxy: { '/api': apiTarget, '/admin': apiTarget } },
});
