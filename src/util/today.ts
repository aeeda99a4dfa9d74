/** Today's date (UTC) as YYYY-MM-DD: the day chat templates' strftime_now() renders when nothing pins one. */
export function todayUtc(now = new Date()): string {
  return now.toISOString().slice(0, 10);
}
