package dr.summit.http;

/** What serves one method and path template. */
@FunctionalInterface
public interface Route {
    Reply serve(Exchange exchange) throws Exception;
}
