import type { Metadata } from 'next';
import { InvitationForm } from '../../components/invitation-form.tsx';

export const metadata: Metadata = { title: 'Join a team' };

export default function InvitationPage() {
  return (
    <main className="auth">
      <p className="brand">Kassa</p>
      <h1>You are invited</h1>
      <InvitationForm />
    </main>
  );
}
