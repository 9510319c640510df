package dr.summit.orchestrator.access;

/** Who made a request: a token's name and role ("anonymous" with no role for /health and /metrics). */
public record Principal(String name, Role role) {
    public static final Principal ANONYMOUS = new Principal("anonymous", null);

    public String roleLabel() {
        return role == null ? "none" : role.label();
    }
}
