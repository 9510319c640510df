package dr.summit.orchestrator.schedule;

/** "host pid N": which server started a scheduled run, as its run record says. */
final class ServerIdentity {
    private ServerIdentity() {
    }

    static String describe() {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            host = "localhost";
        }
        return host + " pid " + ProcessHandle.current().pid();
    }
}
