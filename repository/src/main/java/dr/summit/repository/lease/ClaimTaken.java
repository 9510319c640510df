package dr.summit.repository.lease;

/** A claim ({@link LeaseHolder#claim}) that another live lease holds; names the holder. */
public final class ClaimTaken extends RuntimeException {
    private final transient Lease holder;

    public ClaimTaken(String claim, Lease holder) {
        super(claim + " is held by " + (holder == null ? "another process" : "'" + holder.command() + "' on " + holder.host()
                + " (pid " + holder.pid() + (holder.claimant() == null ? "" : ", for " + holder.claimant()) + ", since " + holder.created()
                + "; its lease expires at " + holder.expires() + " unless renewed)"), null, false, false);
        this.holder = holder;
    }

    /** The live holder; null when two claimants kept colliding and no single holder was seen. */
    public Lease holder() {
        return holder;
    }
}
