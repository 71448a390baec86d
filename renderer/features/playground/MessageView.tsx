/**
 * One message: a user's text as typed, an answer as Markdown (drawn block by
 * block while it streams, see Markdown.tsx), and for an answer its figures:
 * tier, model, TTFT, tok/s, tokens, cache.
 */
import { lazy, memo, Suspense, useCallback, useId, useRef, useState } from 'react';
import { ActionIcon, Badge, Box, Button, Group, Paper, Text, Textarea, Tooltip, VisuallyHidden } from '@mantine/core';
import { formatCount, formatMs, formatTokPerSec } from '../../lib/format.js';
import type { PlaygroundMessage } from '../../stores/playground.js';
import { PlainText } from './PlainText.js';
import { blockedReason } from './sampling-limits.js';
import { ROLE_COLORS } from '../../theme.js';

const Markdown = lazy(() => import('./Markdown.js'));

/** The Playground's own name for a request field an error names. */
const PARAM_WORDS: Readonly<Record<string, string>> = {
  temperature: 'Temperature',
  top_p: 'top_p',
  max_tokens: 'Max tokens',
  seed: 'Seed',
  stop: 'Stop sequences',
  model: 'the model or route',
  messages: 'the messages',
  'x-homeport-tier': 'the Tier control',
};

const TIER_COLOR: Readonly<Record<string, string>> = { cache: ROLE_COLORS.cache, local: ROLE_COLORS.local, network: ROLE_COLORS.network, cloud: ROLE_COLORS.cloud };

export interface MessageViewProps {
  readonly message: PlaygroundMessage;
  /** Editing is offered on user messages when nothing is streaming. */
  readonly canEdit: boolean;
  readonly onEdit?: (text: string) => void;
  /** Offered on the last answer. */
  readonly onRegenerate?: () => void;
  /**
   * Parameters the engine would refuse ("Max tokens", from samplingFieldsToFix): Regenerate and Send edited are off
   * and say so, as Send is. Null or absent when all can be sent.
   */
  readonly blockedBy?: string | null;
}

export const MessageView = memo(function MessageView({ message, canEdit, onEdit, onRegenerate, blockedBy = null }: MessageViewProps) {
  const resendReasonId = useId();
  const [editing, setEditing] = useState<string | null>(null);
  const isUser = message.role === 'user';
  // The text to edit is read when the pencil is pressed, so the header does not change with every token.
  const content = useRef(message.content);
  content.current = message.content;
  const startEditing = useCallback(() => setEditing(content.current), []);
  return (
    <Paper
      p="sm"
      radius="md"
      withBorder={!isUser}
      bg={isUser ? 'var(--mantine-color-default-hover)' : undefined}
      aria-label={isUser ? 'Your message' : 'Answer'}
      data-streaming={message.streaming ? 'true' : undefined}
    >
      <MessageHeader
        label={isUser ? 'You' : answeredBy(message)}
        onStartEditing={isUser && canEdit && onEdit && editing === null ? startEditing : undefined}
        onRegenerate={isUser ? undefined : onRegenerate}
        regenerateBlocked={blockedBy === null ? null : blockedReason(blockedBy, 'regenerate')}
      />
      {editing !== null ? (
        <Box>
          <Textarea aria-label="Edited message" autosize minRows={2} value={editing} onChange={(e) => setEditing(e.currentTarget.value)} />
          {blockedBy !== null && (
            <Text id={resendReasonId} size="xs" c="red" mt={4}>
              {blockedReason(blockedBy, 'resend')}
            </Text>
          )}
          <Group gap="xs" mt="xs" justify="flex-end">
            <Button size="xs" variant="default" onClick={() => setEditing(null)}>
              Cancel
            </Button>
            <Button
              size="xs"
              disabled={blockedBy !== null}
              aria-describedby={blockedBy !== null ? resendReasonId : undefined}
              onClick={() => {
                onEdit?.(editing);
                setEditing(null);
              }}
            >
              Send edited
            </Button>
          </Group>
        </Box>
      ) : isUser || !message.content ? (
        <PlainText text={message.content || (message.streaming ? '…' : '')} />
      ) : (
        <Suspense fallback={<PlainText text={message.content} />}>
          <Markdown text={message.content} streaming={Boolean(message.streaming)} />
        </Suspense>
      )}
      {!isUser && <MessageStats message={message} />}
    </Paper>
  );
});

/** Who wrote it, and the edit and regenerate actions: memoised, as they stay the same while an answer streams. */
const MessageHeader = memo(function MessageHeader({
  label,
  onStartEditing,
  onRegenerate,
  regenerateBlocked,
}: {
  readonly label: string;
  readonly onStartEditing?: (() => void) | undefined;
  readonly onRegenerate?: (() => void) | undefined;
  readonly regenerateBlocked: string | null;
}) {
  return (
    <Group justify="space-between" gap="xs" mb={4} wrap="nowrap">
      <Text size="xs" fw={600} c="dimmed" tt="uppercase">
        {label}
      </Text>
      <Group gap={4} wrap="nowrap">
        {onStartEditing && (
          <Tooltip label="Edit and send again">
            <ActionIcon size="sm" variant="subtle" aria-label="Edit message" onClick={onStartEditing}>
              ✎
            </ActionIcon>
          </Tooltip>
        )}
        {onRegenerate && <RegenerateButton onRegenerate={onRegenerate} blocked={regenerateBlocked} />}
      </Group>
    </Group>
  );
});

/**
 * Regenerate, or while the parameters would be refused the same button off (aria-disabled, so it can still be
 * focused and hovered) with the reason in a tooltip and as its description.
 */
function RegenerateButton({ onRegenerate, blocked }: { readonly onRegenerate: () => void; readonly blocked: string | null }) {
  const reasonId = useId();
  if (blocked === null) {
    return (
      <Button size="compact-xs" variant="subtle" onClick={onRegenerate}>
        Regenerate
      </Button>
    );
  }
  return (
    <>
      <Tooltip label={blocked} events={{ hover: true, focus: true, touch: true }} multiline w={260}>
        <Button size="compact-xs" variant="subtle" data-disabled aria-disabled="true" aria-describedby={reasonId} onClick={(event) => event.preventDefault()}>
          Regenerate
        </Button>
      </Tooltip>
      <VisuallyHidden id={reasonId}>{blocked}</VisuallyHidden>
    </>
  );
}

/** "stories-a", or for a route the target that answered: "chat → local:stories-a". */
function answeredBy(message: PlaygroundMessage): string {
  const asked = message.stats?.model ?? 'Assistant';
  const target = message.stats?.route;
  return target && /^[\w.-]+:[^;\s]+$/.test(target) && target !== `local:${asked}` ? `${asked} → ${target}` : asked;
}

function MessageStats({ message }: { readonly message: PlaygroundMessage }) {
  const s = message.stats ?? {};
  return (
    <Group gap={6} mt={6} wrap="wrap" aria-label="Answer figures">
      <TierBadges tier={s.tier} forcedTier={s.forcedTier} cache={s.cache} />
      <Text size="xs" c="dimmed" className="hp-figure">
        TTFT {formatMs(s.ttftMs)}
      </Text>
      <Text size="xs" c="dimmed" className="hp-figure">
        {formatTokPerSec(s.tokensPerSecond)}
      </Text>
      <Text size="xs" c="dimmed" className="hp-figure">
        {formatCount(s.completionTokens)} {s.completionTokens === 1 ? 'token' : 'tokens'}
      </Text>
      <StateBadge streaming={Boolean(message.streaming)} stopped={Boolean(s.stopped)} />
      {s.finishReason && !s.stopped && (
        <Text size="xs" c="dimmed">
          finish: {s.finishReason}
        </Text>
      )}
      {s.error && (
        <Text size="xs" c="red" role="alert" w="100%">
          {s.error}
          {s.errorParam && <> (check {PARAM_WORDS[s.errorParam] ?? <code>{s.errorParam}</code>})</>}
        </Text>
      )}
    </Group>
  );
}

/** Tier, forced tier and cache result: memoised, as they stay the same while the figures beside them change every frame. */
const TierBadges = memo(function TierBadges({ tier, forcedTier, cache }: { readonly tier?: string; readonly forcedTier?: string; readonly cache?: string }) {
  return (
    <>
      {tier && (
        <Badge size="xs" variant="light" color={TIER_COLOR[tier] ?? ROLE_COLORS.idle}>
          {tier}
        </Badge>
      )}
      {forcedTier && (
        <Tooltip label={`Sent with x-homeport-tier: ${forcedTier}, so only the ${forcedTier} tier could answer.`}>
          <Badge size="xs" variant="outline" color={TIER_COLOR[forcedTier] ?? ROLE_COLORS.idle}>
            forced {forcedTier}
          </Badge>
        </Tooltip>
      )}
      {cache && (
        <Badge size="xs" variant={cache === 'hit' ? 'filled' : 'outline'} color={cache === 'hit' ? ROLE_COLORS.cache : ROLE_COLORS.idle}>
          cache {cache}
        </Badge>
      )}
    </>
  );
});

const StateBadge = memo(function StateBadge({ streaming, stopped }: { readonly streaming: boolean; readonly stopped: boolean }) {
  if (streaming) {
    return (
      <Badge size="xs" variant="dot" color={ROLE_COLORS.busy}>
        generating
      </Badge>
    );
  }
  if (stopped) {
    return (
      <Badge size="xs" variant="light" color={ROLE_COLORS.warn}>
        stopped
      </Badge>
    );
  }
  return null;
});
