import type { Metadata } from 'next';
import Link from 'next/link';
import { ForgotPasswordForm } from '../../components/password-reset.tsx';

export const metadata: Metadata = { title: 'Reset your password' };

export default function ForgotPasswordPage() {
  return (
    <main className="auth">
      <p className="brand">Kassa</p>
      <h1>Reset your password</h1>
      <p className="lede">We email you a link to choose a new one.</p>
      <ForgotPasswordForm />
      <p>
        Remembered it? <Link href="/sign-in">Sign in</Link>
      </p>
    </main>
  );
}
