/** Stored model and option types of the fake Notion server. */

/** Anything with `now()`; structurally the same as the project's `Clock` port. */
export interface FakeClock {
  now(): Date;
}

export type PropertyType =
  | 'title'
  | 'rich_text'
  | 'number'
  | 'select'
  | 'multi_select'
  | 'status'
  | 'date'
  | 'checkbox'
  | 'url'
  | 'email'
  | 'phone_number'
  | 'people'
  | 'files';

export const PROPERTY_TYPES: readonly PropertyType[] = [
  'title', 'rich_text', 'number', 'select', 'multi_select', 'status', 'date', 'checkbox', 'url', 'email', 'phone_number', 'people', 'files',
];

export type OptionColor = 'default' | 'gray' | 'brown' | 'orange' | 'yellow' | 'green' | 'blue' | 'purple' | 'pink' | 'red';

export const OPTION_COLORS: readonly OptionColor[] = ['default', 'gray', 'brown', 'orange', 'yellow', 'green', 'blue', 'purple', 'pink', 'red'];

export interface SelectOption {
  id: string;
  name: string;
  color: OptionColor;
  description: string | null;
}

/** One schema property of a data source. `options` only for select / multi_select / status. */
export interface SchemaProperty {
  id: string;
  name: string;
  type: PropertyType;
  description: string | null;
  options?: SelectOption[];
  /** `number.format`. */
  format?: string;
}

/** Response-shaped rich text item. */
export interface RichTextItem {
  type: 'text';
  text: { content: string; link: { url: string } | null };
  annotations: {
    bold: boolean;
    italic: boolean;
    strikethrough: boolean;
    underline: boolean;
    code: boolean;
    color: string;
  };
  plain_text: string;
  href: string | null;
}

export interface DatabaseRecord {
  id: string;
  title: RichTextItem[];
  dataSourceIds: string[];
  parentPageId: string;
  createdTime: string;
  lastEditedTime: string;
}

export interface DataSourceRecord {
  id: string;
  databaseId: string;
  title: RichTextItem[];
  properties: SchemaProperty[];
  createdTime: string;
  lastEditedTime: string;
  lastEditedBy: string;
}

export interface PageRecord {
  id: string;
  dataSourceId: string;
  databaseId: string;
  /** Creation order, the tie-breaker for sorts. */
  seq: number;
  createdTime: string;
  lastEditedTime: string;
  createdBy: string;
  lastEditedBy: string;
  inTrash: boolean;
  isLocked: boolean;
  icon: unknown;
  cover: unknown;
  /** Response-shaped values by property id. */
  values: Map<string, unknown>;
}

export interface BlockRecord {
  id: string;
  parent: { type: 'page_id'; page_id: string } | { type: 'block_id'; block_id: string };
  type: string;
  /** Response-shaped type payload (without `children`). */
  payload: Record<string, unknown>;
  createdTime: string;
  lastEditedTime: string;
  createdBy: string;
  lastEditedBy: string;
  inTrash: boolean;
}
