import type { Metadata } from 'next';
import Link from 'next/link';
import { Suspense } from 'react';
import { AuthForm } from '../../components/auth-form.tsx';

export const metadata: Metadata = { title: 'Create your account' };

export default function SignUpPage() {
  return (
    <main className="auth">
      <p className="brand">Kassa</p>
      <h1>Create your Kassa account</h1>
      <p className="lede">Your business gets a merchant account; you are its owner.</p>
      <Suspense>
        <AuthForm intent="sign-up" />
      </Suspense>
      <p>
        Have an account? <Link href="/sign-in">Sign in</Link>
      </p>
    </main>
  );
}
