import type { Metadata, Viewport } from 'next';
import type { ReactNode } from 'react';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'Kassa Dashboard', template: '%s · Kassa Dashboard' },
  robots: { index: false, follow: false },
};

export const dynamic = 'force-dynamic'; // every page gets its CSP nonce (proxy.ts)

export const viewport: Viewport = { width: 'device-width', initialScale: 1 };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
