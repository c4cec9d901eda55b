export const config = { unstable_runtimeJS: false };

export default function NotFound() {
  return (
    <main className="notice">
      <h1>This payment page does not exist</h1>
      <p>Check the link you followed, or go back to the shop and start the payment again.</p>
    </main>
  );
}
