/*
 * summit-dr-wal-push-client SOCKET CLUSTER FILE
 *
 * The one HTTP call of summit-dr-wal-push (archive_command's client): POST /wal-push to the
 * resident agent on its UNIX socket, and exit 0 only when the agent answers 2xx, that is, when
 * the segment is durable in the repository. It does what `curl -sS --fail-with-body --max-time 600
 * --unix-socket SOCKET -G -X POST --data-urlencode path=FILE --data-urlencode cluster=CLUSTER
 * http://agent/wal-push` did, with curl's exit codes for the cases the script tells apart:
 *   0   the agent answered 2xx
 *   22  the agent answered with an error (its body is printed on stderr): the push failed
 *   7   nobody listens on SOCKET
 *   28  no answer within 600 s
 *   56  the connection broke or the answer was not HTTP
 * Why not curl: PostgreSQL runs archive_command once per segment, one after another, and starting
 * curl (a dozen shared libraries) cost ~26 ms of CPU per call on the 2-core benchmark machine,
 * three times the whole budget of 10 ms per segment; this starts in ~2 ms (docs/benchmarks.md,
 * "WAL push per segment"). Built statically by Maven where gcc exists; without it the script
 * keeps using curl.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#define TIMEOUT_SECONDS 600
#define EXIT_HTTP_ERROR 22
#define EXIT_CONNECT 7
#define EXIT_TIMEOUT 28
#define EXIT_BROKEN 56

/* Appends "name=" and value percent-encoded (all but RFC 3986's unreserved characters) to out. */
static size_t append_param(char *out, size_t at, const char *name, const char *value) {
    static const char hex[] = "0123456789ABCDEF";
    at += (size_t) sprintf(out + at, "%s=", name);
    for (const unsigned char *p = (const unsigned char *) value; *p; p++) {
        unsigned char c = *p;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                || c == '-' || c == '.' || c == '_' || c == '~') {
            out[at++] = (char) c;
        } else {
            out[at++] = '%';
            out[at++] = hex[c >> 4];
            out[at++] = hex[c & 15];
        }
    }
    out[at] = '\0';
    return at;
}

static int broken(const char *what) {
    fprintf(stderr, "summit-dr-wal-push: %s: %s\n", what,
            errno == EAGAIN || errno == EWOULDBLOCK ? "no answer from the agent within 600 s" : strerror(errno));
    return errno == EAGAIN || errno == EWOULDBLOCK ? EXIT_TIMEOUT : EXIT_BROKEN;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: summit-dr-wal-push-client SOCKET CLUSTER FILE\n");
        return 2;
    }
    const char *socket_path = argv[1], *cluster = argv[2], *file = argv[3];
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    if (strlen(socket_path) >= sizeof address.sun_path) {
        fprintf(stderr, "summit-dr-wal-push: socket path too long: %s\n", socket_path);
        return EXIT_CONNECT;
    }
    strcpy(address.sun_path, socket_path);

    /* Each byte of a value takes at most three in the request. */
    size_t capacity = 3 * (strlen(file) + strlen(cluster)) + 256;
    char *request = malloc(capacity);
    if (request == NULL) {
        return EXIT_BROKEN;
    }
    size_t length = (size_t) sprintf(request, "POST /wal-push?");
    length = append_param(request, length, "path", file);
    request[length++] = '&';
    length = append_param(request, length, "cluster", cluster);
    length += (size_t) sprintf(request + length,
            " HTTP/1.1\r\nHost: agent\r\nUser-Agent: summit-dr-wal-push\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");

    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *) &address, sizeof address) != 0) {
        return EXIT_CONNECT;   /* silent, as curl -s: the script then pushes through the JVM */
    }
    struct timeval timeout = {.tv_sec = TIMEOUT_SECONDS};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    for (size_t sent = 0; sent < length;) {
        ssize_t n = send(fd, request + sent, length - sent, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return broken("cannot send the request to the agent");
        }
        sent += (size_t) n;
    }

    /* The agent closes the connection after its answer (Connection: close): read to the end. */
    size_t size = 0, room = 4096;
    char *answer = malloc(room + 1);
    for (;;) {
        if (answer == NULL) {
            return EXIT_BROKEN;
        }
        if (size == room) {
            room *= 2;
            answer = realloc(answer, room + 1);
            continue;
        }
        ssize_t n = recv(fd, answer + size, room - size, 0);
        if (n == 0) {
            break;
        }
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return broken("no complete answer from the agent");
        }
        size += (size_t) n;
    }
    answer[size] = '\0';
    close(fd);

    int status = 0;
    if (sscanf(answer, "HTTP/1.%*d %d", &status) != 1) {
        fprintf(stderr, "summit-dr-wal-push: the agent's answer is not HTTP\n");
        return EXIT_BROKEN;
    }
    char *body = strstr(answer, "\r\n\r\n");
    if (body != NULL && body[4] != '\0') {
        fputs(body + 4, stderr);
    }
    return status >= 200 && status < 300 ? 0 : EXIT_HTTP_ERROR;
}
