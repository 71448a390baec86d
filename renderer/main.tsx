import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { MantineProvider } from '@mantine/core';
import '@mantine/core/styles.css';
import './app.css';
import { App } from './App.js';
import { isChunkLoadError } from './components/PageBoundary.js';
import { colorSchemeManager, theme } from './theme.js';

createRoot(document.getElementById('root')!, {
  // A page whose chunk could not be fetched (the engine away) is shown in its place with what to do (PageBoundary): a warning, not an error.
  onCaughtError(error, info) {
    if (isChunkLoadError(error)) console.warn(`A page could not be loaded: ${error instanceof Error ? error.message : String(error)}`);
    else console.error(error, info.componentStack);
  },
}).render(
  <StrictMode>
    <MantineProvider theme={theme} defaultColorScheme="auto" colorSchemeManager={colorSchemeManager}>
      <App />
    </MantineProvider>
  </StrictMode>,
);
