import type { Metadata } from 'next';
import Link from 'next/link';
import { Suspense } from 'react';
import { AuthForm } from '../../components/auth-form.tsx';

export const metadata: Metadata = { title: 'Sign in' };

export default function SignInPage() {
  return (
    <main className="auth">
      <p className="brand">Kassa</p>
      <h1>Sign in to your dashboard</h1>
      <Suspense>
        <AuthForm intent="sign-in" />
      </Suspense>
      <p>
        <Link href="/forgot-password">Forgot your password?</Link>
      </p>
      <p>
        New to Kassa? <Link href="/sign-up">Create an account</Link>
      </p>
    </main>
  );
}
