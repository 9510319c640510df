package dr.summit.orchestrator.sources;

/** The host name the server's backups record (as the CLI's backups record theirs). */
final class ServerHost {
    private ServerHost() {
    }

    static String name() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "localhost";
        }
    }
}
