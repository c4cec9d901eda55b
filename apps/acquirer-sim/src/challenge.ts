import type { AuthorizationRow } from './store.ts';

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

const amountText = (row: AuthorizationRow) =>
  `${row.currency} ${row.amount.toString()} (minor units)`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; background: #f4f5f7; color: #1a1f36; margin: 0; }
  main { max-width: 420px; margin: 48px auto; background: #fff; border-radius: 8px; padding: 32px;
         box-shadow: 0 2px 8px rgba(0,0,0,.08); }
  h1 { font-size: 20px; margin: 0 0 8px; }
  p { margin: 0 0 16px; color: #3c4257; }
  form { display: inline; }
  button { font: inherit; padding: 10px 20px; border-radius: 6px; border: 1px solid #c1c9d2;
           background: #fff; cursor: pointer; margin-right: 8px; }
  button.primary { background: #3b5bdb; border-color: #3b5bdb; color: #fff; }
  button:focus-visible { outline: 3px solid #91a7ff; outline-offset: 2px; }
  small { display: block; margin-top: 24px; color: #697386; }
</style>
</head>
<body><main>${body}</main></body>
</html>`;
}

/** The simulated issuer's challenge: approve or fail, as a shopper would in their banking app. */
export function challengePage(row: AuthorizationRow): string {
  return page(
    'Confirm your payment',
    `<h1>Confirm your payment</h1>
<p>Your bank asks you to confirm a payment of <strong>${escapeHtml(amountText(row))}</strong>
with your ${escapeHtml(row.card_brand)} card ending in <strong>${escapeHtml(row.card_last4)}</strong>.</p>
<form method="post" action="/3ds/${escapeHtml(row.id)}"><input type="hidden" name="result" value="approve">
<button class="primary" type="submit">Approve</button></form>
<form method="post" action="/3ds/${escapeHtml(row.id)}"><input type="hidden" name="result" value="fail">
<button type="submit">Fail</button></form>
<small>Kassa acquirer simulator: 3-D Secure test challenge.</small>`,
  );
}

export function donePage(row: AuthorizationRow): string {
  const ok = row.status === 'approved' || row.status === 'captured';
  return page(
    ok ? 'Payment confirmed' : 'Payment not confirmed',
    `<h1>${ok ? 'Payment confirmed' : 'Payment not confirmed'}</h1>
<p>You can close this window and return to the shop.</p>`,
  );
}
