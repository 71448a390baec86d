/**
 * The shell: a header with the endpoint and the connection, a navbar built
 * from pages.ts, and the open page. Without the control token the engine
 * answers 401 and the shell shows how to get in instead.
 */
import { useEffect, useState } from 'react';
import { ActionIcon, AppShell, Burger, Center, Code, Group, Loader, NavLink, Paper, Stack, Text, Title, Tooltip, useMantineColorScheme } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { ConnectionBadge } from './components/ConnectionBadge.js';
import { CopyButton } from './components/CopyButton.js';
import { EngineUnreachable } from './components/EngineUnreachable.js';
import { PageBoundary } from './components/PageBoundary.js';
import { StaleWhileAway } from './components/StaleWhileAway.js';
import { TickedText } from './components/TickedText.js';
import { Icon } from './components/icons.js';
import { useHashPath } from './lib/hash-location.js';
import { PAGES, pageFor, preloadPagesWhenIdle, type PanelPage } from './pages.js';
import { statusFeed, useStatus } from './stores/status.js';

export function App() {
  const path = useHashPath();
  const page = pageFor(path);
  const [opened, { toggle, close }] = useDisclosure(false);
  const connection = useStatus((s) => s.connection);
  const lostAt = useStatus((s) => s.lostAt);
  const retryInSeconds = useStatus((s) => s.retryInSeconds);
  const reconnects = useStatus((s) => s.reconnects);
  useEffect(() => statusFeed.acquire(), []);
  useEffect(() => {
    document.title = `${page.label} · Homeport`;
  }, [page.label]);

  if (connection.kind === 'unauthorized') return <SignInNeeded message={connection.message} />;

  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 210, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding="lg">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label={opened ? 'Close navigation' : 'Open navigation'} />
            <Title order={3} fz="lg" fw={700}>
              Homeport
            </Title>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <EndpointChip />
            <ConnectionBadge connection={connection} retryInSeconds={retryInSeconds} />
            <ThemeToggle />
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" component="nav" aria-label="Pages">
        {PAGES.map((entry) => (
          <NavLink
            key={entry.path}
            href={`#${entry.path}`}
            label={entry.label}
            leftSection={<Icon name={entry.icon} />}
            active={entry === page}
            aria-current={entry === page ? 'page' : undefined}
            onClick={close}
            style={{ borderRadius: 'var(--mantine-radius-md)' }}
          />
        ))}
      </AppShell.Navbar>
      <AppShell.Main>
        <EngineUnreachable retryInSeconds={retryInSeconds} lostAt={lostAt} />
        <StaleWhileAway lostAt={lostAt}>
          <PageBoundary
            page={page}
            resetKey={reconnects}
            loading={
              <Center py="xl">
                <Loader size="sm" aria-label="Loading page" />
              </Center>
            }
          >
            <FirstPageShown page={page} />
          </PageBoundary>
        </StaleWhileAway>
      </AppShell.Main>
    </AppShell>
  );
}

/** The mark the e2e run reads as time to interactive. */
export const INTERACTIVE_MARK = 'homeport:interactive';

/**
 * Rendered after the page inside the same Suspense boundary: its effect runs
 * once the first page's chunk has loaded and the page is on screen with the
 * engine's status. It marks
 * that moment (performance.mark) and then preloads the other pages while idle.
 */
function FirstPageShown({ page }: { readonly page: PanelPage }) {
  const [first] = useState(page);
  const ready = useStatus((s) => s.status !== null);
  useEffect(() => {
    if (!ready) return;
    if (typeof performance !== 'undefined' && performance.getEntriesByName(INTERACTIVE_MARK).length === 0) performance.mark(INTERACTIVE_MARK);
    return preloadPagesWhenIdle(first);
  }, [first, ready]);
  return null;
}

function EndpointChip() {
  const baseUrl = useStatus((s) => s.status?.baseUrl ?? null);
  if (!baseUrl) return null;
  return (
    <Group gap={4} wrap="nowrap" visibleFrom="md">
      <Text size="sm" c="dimmed">
        Endpoint
      </Text>
      <Code fz="sm">{baseUrl}</Code>
      <CopyButton value={baseUrl} what="endpoint URL" />
    </Group>
  );
}

const NEXT_SCHEME = { auto: 'light', light: 'dark', dark: 'auto' } as const;
const SCHEME_WORDS = { auto: 'Theme: follows the system', light: 'Theme: light', dark: 'Theme: dark' } as const;

function ThemeToggle() {
  const { colorScheme, setColorScheme } = useMantineColorScheme();
  const next = NEXT_SCHEME[colorScheme];
  return (
    <Tooltip label={`${SCHEME_WORDS[colorScheme]} (click for ${next === 'auto' ? 'system' : next})`}>
      <ActionIcon variant="default" size="lg" onClick={() => setColorScheme(next)} aria-label={`${SCHEME_WORDS[colorScheme]}. Switch to ${next === 'auto' ? 'system' : next}`}>
        <Icon name={colorScheme === 'auto' ? 'auto' : colorScheme === 'dark' ? 'moon' : 'sun'} />
      </ActionIcon>
    </Tooltip>
  );
}

const SIGN_IN_TITLE = 'Homeport needs its control token';

/** What a browser without the control token sees. */
export function SignInNeeded({ message }: { readonly message: string }) {
  // The transport's words start with the title's; said once is enough.
  const words = message.startsWith(SIGN_IN_TITLE) ? message.slice(SIGN_IN_TITLE.length).replace(/^[.\s]+/, '') : message;
  return (
    <Center mih="100vh" p="lg">
      <Paper p="xl" maw={560} radius="lg">
        <Stack gap="sm">
          <Title order={2}>{SIGN_IN_TITLE}</Title>
          <Text>
            <TickedText text={words} />
          </Text>
          <Text size="sm" c="dimmed">
            The panel link looks like <Code>http://127.0.0.1:4663/?token=…</Code>. Opening it once keeps you signed in in this browser. Scripts can send the
            token as <Code>Authorization: Bearer …</Code>.
          </Text>
        </Stack>
      </Paper>
    </Center>
  );
}
