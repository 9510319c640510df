package dr.summit.repository.snapshot.retention;

/**
 * The calendar-window rules of a policy, as {@code restic forget --keep-within*} has them. Each is
 * {@code null} when not used. See {@link Retention#apply} for what each keeps.
 *
 * @param all     keep every snapshot within this window of the group's newest snapshot
 * @param hourly  keep the newest snapshot of each hour within this window
 * @param daily   ... of each day within this window
 * @param weekly  ... of each ISO week within this window
 * @param monthly ... of each month within this window
 * @param yearly  ... of each year within this window
 */
public record WithinRules(
        RetentionDuration all,
        RetentionDuration hourly,
        RetentionDuration daily,
        RetentionDuration weekly,
        RetentionDuration monthly,
        RetentionDuration yearly) {

    /** No window rule used. */
    public static final WithinRules NONE = new WithinRules(null, null, null, null, null, null);

    /** Whether no window rule is used. */
    public boolean isEmpty() {
        return all == null && hourly == null && daily == null && weekly == null && monthly == null && yearly == null;
    }

    /** The window of {@code period}'s rule, or null. */
    RetentionDuration of(Period period) {
        return switch (period) {
            case HOURLY -> hourly;
            case DAILY -> daily;
            case WEEKLY -> weekly;
            case MONTHLY -> monthly;
            case YEARLY -> yearly;
        };
    }
}
