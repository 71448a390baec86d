/**
 * The panel's one theme. Colours come from Mantine's palette by role
 * (primary, verdicts, states) so light and dark both follow from it; nothing
 * else in the renderer picks a colour by hand.
 */
import { createTheme, localStorageColorSchemeManager, type MantineColor } from '@mantine/core';

export const theme = createTheme({
  primaryColor: 'indigo',
  defaultRadius: 'md',
  cursorType: 'pointer',
  fontFamily: 'Inter, system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
  fontFamilyMonospace: 'ui-monospace, "JetBrains Mono", "SF Mono", Menlo, Consolas, monospace',
  headings: { fontWeight: '650' },
  components: {
    Card: { defaultProps: { withBorder: true, padding: 'md' } },
    Paper: { defaultProps: { withBorder: true } },
    Table: { defaultProps: { verticalSpacing: 6, highlightOnHover: true } },
    Tooltip: { defaultProps: { withArrow: true, openDelay: 300 } },
  },
});

/** Remembers a manual light/dark choice; "auto" follows the OS. */
export const colorSchemeManager = localStorageColorSchemeManager({ key: 'homeport-color-scheme' });

/** Colour per role: states and verdicts read the same on every page. */
export const ROLE_COLORS = {
  ok: 'teal',
  busy: 'blue',
  warn: 'yellow',
  bad: 'red',
  idle: 'gray',
  cache: 'grape',
  local: 'teal',
  cloud: 'orange',
  network: 'cyan',
} as const satisfies Record<string, MantineColor>;

/** Series colours for charts (uPlot needs concrete values; these are Mantine's 6th shades). */
export const CHART_COLORS = ['#4c6ef5', '#12b886', '#fd7e14', '#be4bdb', '#fab005', '#15aabf'] as const;
