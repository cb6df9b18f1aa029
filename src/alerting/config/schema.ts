import { Type, type Static } from '@sinclair/typebox';
import { DURATION_PATTERN, DURATION_RULE } from './duration.ts';

export const Duration = (description: string) => Type.String({ pattern: DURATION_PATTERN, description, 'x-reason': DURATION_RULE });

const Name = (description: string) =>
  Type.String({
    pattern: '^[a-z0-9][a-z0-9_.-]{0,63}$',
    description,
    'x-reason': 'must be 1..64 lowercase letters, digits, "_", "." or "-"',
  });

/** A region/site/camera pattern: an identifier with `*` wildcards. */
const Pattern = (description: string) =>
  Type.String({ pattern: '^[a-z0-9_*-]{1,64}$', description, 'x-reason': 'must be a name with optional * wildcards, e.g. plant-* or *' });

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/** A string enum whose error names the choices (a union of literals would report only its first branch). */
const OneOf = <T extends string>(values: readonly T[], description?: string) =>
  Type.Unsafe<T>({
    type: 'string',
    enum: [...values],
    description,
    'x-reason': `must be ${values.slice(0, -1).join(', ')} or ${values.at(-1)}`,
  });

const ClockTime = (description: string) =>
  Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$|^24:00$', description, 'x-reason': 'must be HH:MM, 00:00 to 24:00' });

export const ShiftSchema = Type.Object(
  {
    timezone: Type.String({ minLength: 1, description: 'IANA time zone, e.g. Europe/Berlin.' }),
    weekdays: Type.Array(OneOf(WEEKDAYS), {
      minItems: 1,
      uniqueItems: true,
      description: 'Days the shift STARTS on.',
      'x-reason': 'must list each weekday once, as mon, tue, wed, thu, fri, sat, sun',
    }),
    start: ClockTime('Local start time.'),
    end: ClockTime('Local end time; earlier than start means the shift ends the next day (overnight).'),
  },
  { additionalProperties: false },
);

export const SEVERITIES = ['critical', 'warning', 'info'] as const;

export const RuleSchema = Type.Object(
  {
    name: Name('Rule name, unique; becomes the alertname label.'),
    kind: Type.String({ minLength: 1, description: 'Rule kind (src/alerting/rules/).' }),
    severity: OneOf(SEVERITIES),
    for: Type.Optional(Duration('How long the condition must hold before the alert fires (default 0s).')),
    keepFiringFor: Type.Optional(Duration('How long an alert keeps firing after the condition stops holding (default 0s).')),
    shifts: Type.Optional(
      Type.Array(Name('shift name'), { minItems: 1, description: 'Evaluate only during these shifts; omitted: always.' }),
    ),
    select: Type.Optional(
      Type.Object(
        {
          region: Type.Optional(Pattern('region pattern')),
          site: Type.Optional(Pattern('site pattern')),
          camera: Type.Optional(Pattern('camera pattern')),
        },
        { additionalProperties: false },
      ),
    ),
    labels: Type.Optional(Type.Record(Type.String({ pattern: '^[a-zA-Z_][a-zA-Z0-9_]*$' }), Type.String())),
    receivers: Type.Optional(Type.Array(Name('receiver name'), { minItems: 1 })),
    repeatInterval: Type.Optional(Duration('Overrides route.repeatInterval for this rule.')),
    params: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'Kind-specific settings.' })),
  },
  { additionalProperties: false },
);

export const ReceiverSchema = Type.Object(
  {
    name: Name('Receiver name, unique.'),
    type: Type.String({ minLength: 1, description: 'Notifier type (src/alerting/notifiers/): webhook, slack, log.' }),
    url: Type.Optional(Type.String({ pattern: '^https?://', 'x-reason': 'must be an http:// or https:// URL' })),
    timeout: Type.Optional(Duration('Per-request timeout (default 5s).')),
  },
  { additionalProperties: false },
);

/** At each shift end, one notice with the shift's summary to these receivers (docs/alerting.md "The handover notice"). */
export const HandoverSchema = Type.Object(
  {
    receivers: Type.Array(Name('receiver name'), { minItems: 1, description: 'Receivers of the handover notice.' }),
    shifts: Type.Optional(Type.Array(Name('shift name'), { minItems: 1, description: 'Hand over these shifts; omitted: every shift.' })),
    delay: Type.Optional(Duration('How long after the shift end the notice is made, so the last events are in (default 1m).')),
    partClass: Type.Optional(
      Type.String({
        pattern: '^[a-z0-9_.-]{1,64}$',
        description: 'The class that counts parts, for defects per part.',
        'x-reason': 'must be a class name',
      }),
    ),
  },
  { additionalProperties: false },
);

export const AlertsConfigSchema = Type.Object(
  {
    evaluateEvery: Type.Optional(Duration('How often rules are evaluated (default 5s).')),
    shifts: Type.Optional(Type.Record(Type.String({ pattern: '^[a-z0-9][a-z0-9_.-]{0,63}$' }), ShiftSchema)),
    daysOff: Type.Optional(
      Type.Array(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', 'x-reason': 'must be a local date YYYY-MM-DD' }), {
        description: 'Holidays: a shift whose local start date is listed does not run.',
      }),
    ),
    dashboardUrl: Type.Optional(
      Type.String({
        pattern: '^https?://[^\\s?#]+$',
        description:
          'The dashboard as receivers reach it, e.g. https://seamline.plant.example: defect-rate and silent-camera notifications then link to the evidence behind them.',
        'x-reason': 'must be an http:// or https:// URL without a query or fragment',
      }),
    ),
    expectedCameras: Type.Optional(
      Type.Array(
        Type.String({ pattern: '^[a-z0-9_-]{1,64}/[a-z0-9_-]{1,64}/[a-z0-9_-]{1,64}$', 'x-reason': 'must be region/site/camera' }),
        {
          description: 'Cameras that must report even if the store has never seen them.',
        },
      ),
    ),
    receivers: Type.Array(ReceiverSchema, { minItems: 1 }),
    route: Type.Object(
      {
        receivers: Type.Array(Name('receiver name'), { minItems: 1 }),
        groupBy: Type.Optional(
          Type.Array(Type.String({ minLength: 1 }), { description: 'Labels that group alerts into one notification (default alertname).' }),
        ),
        repeatInterval: Type.Optional(Duration('Re-send a firing alert this often (default 4h).')),
      },
      { additionalProperties: false },
    ),
    rules: Type.Array(RuleSchema),
    handover: Type.Optional(HandoverSchema),
  },
  { additionalProperties: false, title: 'alerts config' },
);

export type AlertsConfigInput = Static<typeof AlertsConfigSchema>;
export type RuleInput = Static<typeof RuleSchema>;
export type ShiftInput = Static<typeof ShiftSchema>;
export type ReceiverInput = Static<typeof ReceiverSchema>;
export type HandoverInput = Static<typeof HandoverSchema>;
export type Severity = (typeof SEVERITIES)[number];
