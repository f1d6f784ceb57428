/**
 * The records the marketing activity API serves, as in `shared/contracts/marketing-api.openapi.yaml`
 * (Segment-shaped page / track / identify calls, and users). Extra keys may appear anywhere: the contract
 * allows new fields at the top level and inside `context`, `properties` and `traits`.
 */

export type EventType = 'page' | 'track' | 'identify';

/** Names of the track calls the simulated site sends. */
export type TrackEventName =
  'CTA Clicked' | 'Simulation Started' | 'Simulation Completed' | 'Lead Submitted' | 'Newsletter Subscribed';

export interface EventContext {
  /** Personal data. */
  ip: string | null;
  user_agent: string | null;
  locale: string | null;
  page: { path: string; url: string; referrer: string | null; title: string | null; search: string | null };
  /** UTM parameters of the visit; present only on visits that had some. */
  campaign?: { source: string | null; medium: string | null; name: string | null; term: string | null; content: string | null };
  [key: string]: unknown;
}

export interface MarketingEvent {
  message_id: string;
  type: EventType;
  /** Name of a track call, else null. */
  event: string | null;
  /** Page name of a page call, else null. */
  name: string | null;
  /** Null until the device is identified. */
  user_id: string | null;
  anonymous_id: string;
  /** Device clock, ISO 8601 UTC with milliseconds. Never after `received_at`. */
  timestamp: string;
  /** Server clock, ISO 8601 UTC with milliseconds. */
  received_at: string;
  context: EventContext;
  properties: Record<string, unknown>;
  /** Identify calls only: the traits the call sent (personal data). */
  traits?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface UserTraits {
  /** Personal data. */
  first_name: string | null;
  /** Personal data. */
  last_name: string | null;
  birth_year: number | null;
  postal_code: string | null;
  city: string | null;
  marketing_opt_in: boolean;
  acquisition_channel: string | null;
  [key: string]: unknown;
}

export interface MarketingUser {
  user_id: string;
  /** Device ids merged into this user, in the order they were identified. */
  anonymous_ids: string[];
  /** Personal data. */
  email: string | null;
  /** Personal data. */
  phone: string | null;
  created_at: string;
  updated_at: string;
  traits: UserTraits;
  [key: string]: unknown;
}

/** Marketing channels of a visit, as `traits.acquisition_channel` names them. */
export type Channel = 'sea' | 'seo' | 'partner' | 'newsletter' | 'direct';

export const CHANNELS: readonly Channel[] = ['sea', 'seo', 'partner', 'newsletter', 'direct'];
