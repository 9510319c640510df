package dr.summit.neo4j.backup;

import dr.summit.repository.Repository;
import dr.summit.repository.snapshot.Snapshot;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The Neo4j backups of one database in a repository, as chains: a full, then incrementals each of
 * which starts at the transaction where the one before ended. A chain's recoverable window runs from
 * its full's end (the export is consistent only once its changes are replayed) to its last link.
 */
public final class Neo4jCatalogue {
    public static final String KIND = "neo4j";
    // Snapshot attributes (docs/architecture.md, "Neo4j backups").
    public static final String DATABASE = "neo4j.database";
    public static final String TYPE = "neo4j.type";
    public static final String LOG_ID = "neo4j.logId";
    public static final String CHAIN = "neo4j.chain";
    public static final String FROM_TX = "neo4j.fromTx";
    public static final String TO_TX = "neo4j.toTx";
    public static final String FROM_TIME = "neo4j.fromTime";
    public static final String TO_TIME = "neo4j.toTime";
    public static final String NODES = "neo4j.nodes";
    public static final String RELATIONSHIPS = "neo4j.relationships";
    public static final String TRANSACTIONS = "neo4j.transactions";
    public static final String CHANGES = "neo4j.changes";
    // ".v2": the digest's definition changed (GraphHash: stream-encoded values); a backup that
    // recorded the first one has, to this agent, no digest rather than one that always differs.
    public static final String DIGEST = "neo4j.digest.v2";
    public static final String SERVER = "neo4j.server";
    public static final String FULL = "full";
    public static final String INCREMENTAL = "incremental";

    /** One backup as the catalogue reads it. */
    public record Entry(Snapshot snapshot, String type, String chain, String logId, long fromTx, long toTx, Instant fromTime,
                        Instant toTime, long nodes, long relationships, long transactions, long changes, String digest) {
        public boolean full() {
            return FULL.equals(type);
        }

        public String id() {
            return snapshot.id();
        }

        static Entry of(Snapshot s) {
            return new Entry(s, s.attribute(TYPE), s.attribute(CHAIN), s.attribute(LOG_ID), num(s, FROM_TX), num(s, TO_TX),
                    Instant.parse(s.attribute(FROM_TIME)), Instant.parse(s.attribute(TO_TIME)), num(s, NODES), num(s, RELATIONSHIPS),
                    num(s, TRANSACTIONS), num(s, CHANGES), s.attribute(DIGEST));
        }

        private static long num(Snapshot s, String key) {
            String v = s.attribute(key);
            return v == null ? 0 : Long.parseLong(v);
        }
    }

    /**
     * A full and the incrementals that follow it without a gap. {@code brokenAfter} names the
     * first incremental that does not start where the chain ended (it and what follows are not
     * usable from this full), or is null.
     */
    public record Chain(Entry full, List<Entry> links, Entry brokenAt) {
        public Entry last() {
            return links.isEmpty() ? full : links.get(links.size() - 1);
        }

        public long fromTx() {
            return full.toTx();
        }

        public long toTx() {
            return last().toTx();
        }

        public Instant fromTime() {
            return full.toTime();
        }

        public Instant toTime() {
            return last().toTime();
        }

        /** The full and its incrementals, in order. */
        public List<Entry> all() {
            List<Entry> out = new ArrayList<>();
            out.add(full);
            out.addAll(links);
            return out;
        }
    }

    private final Repository repo;
    private final String database;

    public Neo4jCatalogue(Repository repo, String database) {
        this.repo = repo;
        this.database = database;
    }

    /** Every backup of the database, oldest first (by end transaction, then time). */
    public List<Entry> entries() {
        List<Entry> out = new ArrayList<>();
        for (Snapshot s : repo.listSnapshots()) {
            if (KIND.equals(s.kind()) && database.equals(s.attribute(DATABASE))) {
                out.add(Entry.of(s));
            }
        }
        out.sort(Comparator.comparing((Entry e) -> e.snapshot().time()).thenComparingLong(Entry::toTx));
        return out;
    }

    public List<Chain> chains() {
        List<Entry> entries = entries();
        List<Chain> chains = new ArrayList<>();
        for (Entry full : entries) {
            if (!full.full()) {
                continue;
            }
            List<Entry> links = new ArrayList<>();
            Entry brokenAt = null;
            long end = full.toTx();
            for (Entry e : entries) {
                if (e.full() || !full.id().equals(e.chain())) {
                    continue;
                }
                if (brokenAt == null && e.fromTx() == end) {
                    links.add(e);
                    end = e.toTx();
                } else if (brokenAt == null) {
                    brokenAt = e;
                }
            }
            chains.add(new Chain(full, links, brokenAt));
        }
        return chains;
    }

    /** Incrementals whose full is gone (forgotten or never committed). */
    public List<Entry> orphans() {
        List<Entry> entries = entries();
        List<String> fulls = entries.stream().filter(Entry::full).map(Entry::id).toList();
        return entries.stream().filter(e -> !e.full() && !fulls.contains(e.chain())).toList();
    }

    public Entry latest() {
        List<Entry> e = entries();
        return e.isEmpty() ? null : e.get(e.size() - 1);
    }
}
