// The pages (web/): built by `vite build` into web/dist, which the server serves at /admin and
// /selection/… (src/app.ts). scripts/build.mjs runs this build after `npm ci` and before
// `npm start` when a source changed.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
  logLevel: 'warn',
});
