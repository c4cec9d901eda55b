/** The page for a session id that does not exist (App Router's not-found and the Pages 404). */
export function NotFoundNotice() {
  return (
    <main className="notice">
      <h1>This payment page does not exist</h1>
      <p>Check the link you followed, or go back to the shop and start the payment again.</p>
    </main>
  );
}
