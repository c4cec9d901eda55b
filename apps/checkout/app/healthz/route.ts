/** Liveness for supervisors and load balancers: the server answers. */
export function GET() {
  return new Response('ok', {
    headers: { 'content-type': 'text/plain', 'cache-control': 'no-store' },
  });
}
