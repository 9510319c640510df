/** The agent's record stream: one binary format for exports and change feeds, and its codec. */
package dr.summit.neo4j.stream;
