export function NotFound() {
  return (
    <main className="page">
      <h1>Nothing here</h1>
      <p>This address is not a page of this shop. A payment link looks like /selection/…/….</p>
    </main>
  );
}
