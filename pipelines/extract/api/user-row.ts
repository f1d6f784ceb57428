import {
  type LoadStamp,
  type TypedRecord,
  FieldProblem,
  isObject,
  jsonText,
  optionalBoolean,
  optionalInteger,
  optionalString,
  requiredDateTime,
  requiredObject,
  requiredString,
  requiredStringArray,
  typed,
} from './record-fields.js';

/** Top-level members of a user whose JSON text goes to a column: `texts` of `typeUser` follow this order. */
export const USER_TEXT_MEMBERS = ['anonymous_ids', 'traits'] as const;

/**
 * Types one user of `GET /v1/users` into a row of `raw.mkt_users` (see MKT_USERS), or says why it cannot
 * be. `raw` is the record's JSON text, kept whole in `_raw`. The position is its `updated_at`. `texts`,
 * when given, are the JSON texts of USER_TEXT_MEMBERS as served (see `rawPage`): they become the
 * `anonymous_ids` and `traits` columns as they are, else the parsed values are serialized.
 */
export function typeUser(record: unknown, raw: string, stamp: LoadStamp, texts?: ReadonlyArray<string | undefined>): TypedRecord {
  return typed(
    () => {
      if (!isObject(record)) throw new FieldProblem('(record)', record, 'a user must be a JSON object');
      const traits = requiredObject(record, 'traits');
      return {
        user_id: requiredString(record, 'user_id'),
        anonymous_ids: jsonText(texts?.[0], requiredStringArray(record, 'anonymous_ids')),
        email: optionalString(record, 'email'),
        phone: optionalString(record, 'phone'),
        first_name: optionalString(traits, 'first_name', 'traits'),
        last_name: optionalString(traits, 'last_name', 'traits'),
        birth_year: optionalInteger(traits, 'birth_year', 'traits'),
        postal_code: optionalString(traits, 'postal_code', 'traits'),
        city: optionalString(traits, 'city', 'traits'),
        marketing_opt_in: optionalBoolean(traits, 'marketing_opt_in', 'traits'),
        acquisition_channel: optionalString(traits, 'acquisition_channel', 'traits'),
        created_at: requiredDateTime(record, 'created_at'),
        updated_at: requiredDateTime(record, 'updated_at'),
        traits: jsonText(texts?.[1], traits),
        _raw: raw,
        _load_id: stamp.loadId,
        _loaded_at: stamp.loadedAt,
      };
    },
    record,
    'updated_at',
  );
}
