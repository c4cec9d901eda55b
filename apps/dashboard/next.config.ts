import type { NextConfig } from 'next';

const config: NextConfig = {
  poweredByHeader: false,
  reactStrictMode: true,
  // @kassa/ui is TypeScript source in the workspace.
  transpilePackages: ['@kassa/ui'],
  images: { unoptimized: true },
};

export default config;
