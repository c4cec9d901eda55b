import type { NextConfig } from 'next';

const config: NextConfig = {
  poweredByHeader: false,
  reactStrictMode: true,
  // @kassa/ui is TypeScript source in the workspace.
  transpilePackages: ['@kassa/ui'],
  // The page is rendered per request (CSP nonces); there are no images to optimise.
  images: { unoptimized: true },
};

export default config;
