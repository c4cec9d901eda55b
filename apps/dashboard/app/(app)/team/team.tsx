'use client';

import { type MembershipRole, ROLES } from '@kassa/api/permissions';
import { EmptyState, ErrorState, LoadingState, TableScroll } from '@kassa/ui';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { Confirm } from '../../../components/confirm.tsx';
import { formatDate } from '../../../components/payments-table.tsx';
import { useCan, useScope } from '../../../lib/scope.tsx';
import { kassaError, useTRPC } from '../../../lib/trpc.tsx';

const ROLE_WORDS: Record<MembershipRole, string> = {
  owner: 'Owner: everything, and the owner role',
  admin: 'Admin: everything but the owner role',
  developer: 'Developer: payments, keys, events',
  support: 'Support: finds, refunds, captures payments',
  analyst: 'Analyst: reads only',
};

/** The roles the signed-in user may hand out: only owners grant the owner role. */
function useAssignable(): readonly MembershipRole[] {
  const { role } = useScope();
  return role === 'owner' ? ROLES : ROLES.filter((r) => r !== 'owner');
}

function useRefreshTeam() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries(trpc.dashboard.team.list.queryFilter());
}

const problemOf = (error: unknown) => kassaError(error)?.message ?? 'That did not work. Try again.';

function InviteForm() {
  const trpc = useTRPC();
  const refresh = useRefreshTeam();
  const assignable = useAssignable();
  const ids = { email: useId(), role: useId() };
  const [problem, setProblem] = useState<string>();
  const [sent, setSent] = useState<string>();
  const invite = useMutation(
    trpc.dashboard.team.invite.mutationOptions({
      onSuccess: (invitation) => {
        setSent(invitation.email);
        void refresh();
      },
      onError: (error) => setProblem(problemOf(error)),
    }),
  );
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setProblem(undefined);
    setSent(undefined);
    const form = new FormData(event.currentTarget);
    invite.mutate({
      email: String(form.get('email') ?? ''),
      role: String(form.get('role')) as MembershipRole,
    });
  };
  return (
    <form className="create-key" onSubmit={submit}>
      <h2>Invite someone</h2>
      {problem && (
        <p className="form-error" role="alert">
          {problem}
        </p>
      )}
      {sent && (
        <p className="notice" role="status">
          Invitation sent to {sent}. The link works once, for 7 days.
        </p>
      )}
      <div className="field">
        <label htmlFor={ids.email}>Email</label>
        <input id={ids.email} name="email" type="email" required maxLength={254} />
      </div>
      <div className="field">
        <label htmlFor={ids.role}>Role</label>
        <select id={ids.role} name="role" defaultValue="developer">
          {assignable.map((role) => (
            <option key={role} value={role}>
              {ROLE_WORDS[role]}
            </option>
          ))}
        </select>
      </div>
      <button type="submit" className="button primary" disabled={invite.isPending}>
        Send invitation
      </button>
    </form>
  );
}

/** Change a member's role or remove them, each behind a confirmation. */
function MemberActions(props: { id: string; label: string; role: MembershipRole }) {
  const trpc = useTRPC();
  const refresh = useRefreshTeam();
  const assignable = useAssignable();
  const { role: myRole } = useScope();
  const [asking, setAsking] = useState<'role' | 'remove'>();
  const [role, setRole] = useState<MembershipRole>(props.role);
  const [problem, setProblem] = useState<string>();
  const selectId = useId();
  const options = {
    onSuccess: () => {
      setAsking(undefined);
      void refresh();
    },
    onError: (error: unknown) => setProblem(problemOf(error)),
  };
  const update = useMutation(trpc.dashboard.team.updateRole.mutationOptions(options));
  const remove = useMutation(trpc.dashboard.team.remove.mutationOptions(options));
  if (props.role === 'owner' && myRole !== 'owner') return null;
  if (asking === 'role') {
    return (
      <Confirm
        legend={`New role for ${props.label}`}
        action="Change role"
        danger={false}
        pending={update.isPending}
        disabled={role === props.role}
        onConfirm={() => update.mutate({ id: props.id, role })}
        onBack={() => setAsking(undefined)}
        problem={problem}
      >
        <label htmlFor={selectId} className="visually-hidden">
          Role
        </label>
        <select
          id={selectId}
          value={role}
          onChange={(event) => setRole(event.target.value as MembershipRole)}
        >
          {assignable.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
      </Confirm>
    );
  }
  if (asking === 'remove') {
    return (
      <Confirm
        legend={`Remove ${props.label}? They are signed out everywhere at once.`}
        action="Remove from team"
        pending={remove.isPending}
        onConfirm={() => remove.mutate({ id: props.id })}
        onBack={() => setAsking(undefined)}
        problem={problem}
      />
    );
  }
  return (
    <span className="row-actions">
      <button type="button" className="button" onClick={() => setAsking('role')}>
        Change role<span className="visually-hidden"> of {props.label}</span>
      </button>
      <button type="button" className="button" onClick={() => setAsking('remove')}>
        Remove<span className="visually-hidden"> {props.label}</span>
      </button>
    </span>
  );
}

function WithdrawInvitation(props: { id: string; email: string; role: MembershipRole }) {
  const trpc = useTRPC();
  const refresh = useRefreshTeam();
  const { role: myRole } = useScope();
  const [problem, setProblem] = useState<string>();
  const withdraw = useMutation(
    trpc.dashboard.team.revokeInvitation.mutationOptions({
      onSuccess: () => void refresh(),
      onError: (error) => setProblem(problemOf(error)),
    }),
  );
  if (props.role === 'owner' && myRole !== 'owner') return null;
  return (
    <>
      <button
        type="button"
        className="button"
        disabled={withdraw.isPending}
        onClick={() => withdraw.mutate({ id: props.id })}
      >
        Withdraw<span className="visually-hidden"> the invitation of {props.email}</span>
      </button>
      {problem && <p className="form-error">{problem}</p>}
    </>
  );
}

/** The owner's rule: everyone on the team uses two-factor authentication. */
function TwoFactorRule(props: { required: boolean }) {
  const trpc = useTRPC();
  const refresh = useRefreshTeam();
  const [problem, setProblem] = useState<string>();
  const change = useMutation(
    trpc.dashboard.team.requireTwoFactor.mutationOptions({
      onSuccess: () => {
        setProblem(undefined);
        void refresh();
      },
      onError: (error) => setProblem(problemOf(error)),
    }),
  );
  return (
    <section className="panel" aria-labelledby="team-two-factor">
      <h2 id="team-two-factor">Two-factor authentication</h2>
      <p>
        {props.required
          ? 'Required: members without it cannot see or change anything of this merchant until they turn it on.'
          : 'Not required. PCI DSS 8.4.2 asks for it on every access to payment data.'}
      </p>
      {problem && (
        <p className="form-error" role="alert">
          {problem}
        </p>
      )}
      <button
        type="button"
        className={props.required ? 'button' : 'button primary'}
        disabled={change.isPending}
        onClick={() => change.mutate({ required: !props.required })}
      >
        {props.required ? 'Stop requiring it' : 'Require it of everyone'}
      </button>
    </section>
  );
}

export function Team() {
  const trpc = useTRPC();
  const scope = useScope();
  const canManage = useCan('team.manage');
  const canSecure = useCan('team.security');
  const team = useQuery(trpc.dashboard.team.list.queryOptions({}));

  return (
    <>
      <h1>Team</h1>
      <p className="lede">
        Who can use {scope.merchantName}&apos;s dashboard, and as what. Roles apply in test and live
        mode alike.
      </p>
      {team.isPending ? (
        <LoadingState label="Loading the team…" />
      ) : team.isError ? (
        <ErrorState message={kassaError(team.error)?.message ?? team.error.message} />
      ) : (
        <>
          <TableScroll label="Members">
            <table className="data-table">
              <caption className="visually-hidden">Members</caption>
              <thead>
                <tr>
                  <th scope="col">Member</th>
                  <th scope="col">Role</th>
                  <th scope="col">Two-factor</th>
                  <th scope="col">Last active (UTC)</th>
                  <th scope="col">Joined (UTC)</th>
                  {canManage && <th scope="col">Actions</th>}
                </tr>
              </thead>
              <tbody>
                {team.data.members.map((member) => {
                  const label = member.name ?? member.email;
                  return (
                    <tr key={member.id}>
                      <td>
                        {member.name && <span className="member-name">{member.name} </span>}
                        <span className="mono">{member.email}</span>
                        {member.user === scope.user.id && ' (you)'}
                      </td>
                      <td>{member.role}</td>
                      <td>{member.two_factor ? 'On' : 'Off'}</td>
                      <td>{member.last_active ? formatDate(member.last_active) : '—'}</td>
                      <td>{formatDate(member.created)}</td>
                      {canManage && (
                        <td>
                          <MemberActions id={member.id} label={label} role={member.role} />
                        </td>
                      )}
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </TableScroll>
          <h2>Pending invitations</h2>
          {team.data.invitations.length === 0 ? (
            <EmptyState title="No pending invitations">
              {canManage ? 'Invite someone below.' : 'Owners and admins invite people.'}
            </EmptyState>
          ) : (
            <TableScroll label="Pending invitations">
              <table className="data-table">
                <caption className="visually-hidden">Pending invitations</caption>
                <thead>
                  <tr>
                    <th scope="col">Email</th>
                    <th scope="col">Role</th>
                    <th scope="col">Invited by</th>
                    <th scope="col">Expires (UTC)</th>
                    {canManage && <th scope="col">Actions</th>}
                  </tr>
                </thead>
                <tbody>
                  {team.data.invitations.map((invitation) => (
                    <tr key={invitation.id}>
                      <td className="mono">{invitation.email}</td>
                      <td>{invitation.role}</td>
                      <td>{invitation.invited_by ?? '—'}</td>
                      <td>{formatDate(invitation.expires_at)}</td>
                      {canManage && (
                        <td>
                          <WithdrawInvitation
                            id={invitation.id}
                            email={invitation.email}
                            role={invitation.role}
                          />
                        </td>
                      )}
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableScroll>
          )}
          {canManage && <InviteForm />}
          {canSecure && <TwoFactorRule required={team.data.require_two_factor} />}
        </>
      )}
    </>
  );
}
