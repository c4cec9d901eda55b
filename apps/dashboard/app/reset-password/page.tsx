import type { Metadata } from 'next';
import { ResetPasswordForm } from '../../components/password-reset.tsx';

export const metadata: Metadata = { title: 'Choose a new password' };

export default function ResetPasswordPage() {
  return (
    <main className="auth">
      <p className="brand">Kassa</p>
      <h1>Choose a new password</h1>
      <ResetPasswordForm />
    </main>
  );
}
