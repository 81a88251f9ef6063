/**
 * Sets `key` as the newest entry of a Map (Maps keep insertion order) and
 * drops the oldest past `limit`: the operator's bounded per-Experiment caches.
 */
export function setRecent<K, V>(map: Map<K, V>, key: K, value: V, limit: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > limit) map.delete(map.keys().next().value!);
}
