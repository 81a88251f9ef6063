/** Values that serialise to JSON unchanged: what event payloads and summaries may hold. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };
