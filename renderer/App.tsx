import { StatusPage } from './features/status/StatusPage.js';

export function App() {
  return (
    <main>
      <h1>Homeport</h1>
      <StatusPage />
    </main>
  );
}
