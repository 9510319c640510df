/** The live server over Bolt: connection and its errors, the plugin's procedures, the online export. */
package dr.summit.neo4j.source;
