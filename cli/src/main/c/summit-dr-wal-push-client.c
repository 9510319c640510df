/*
 * summit-dr-wal-push-client FILE [OPTIONS]: archive_command's client, the same arguments as
 * 'summit-dr pg wal-push' and the summit-dr-wal-push script.
 *   archive_command = '/opt/summit-dr/summit-dr-wal-push-client %p --agent /run/summit-dr/agent.sock --cluster main …'
 *
 * It hands the segment to the resident agent with one HTTP call on the agent's UNIX socket
 * (POST /wal-push) and exits 0 only when the agent answers 2xx: the segment is durable in the
 * repository. When the agent answers with an error, it prints the answer and exits 1. Anything it
 * is not sure of (an option or form it does not know, no agent listening, the call broken) goes to
 * the JVM, 'summit-dr pg wal-push' with the same arguments, which parses them itself: pushing a
 * segment again is safe (an identical archived copy is success).
 *
 * Why C: PostgreSQL runs archive_command once per segment, one after the other. On the 2-core
 * benchmark machine starting curl cost ~26 ms of CPU and dash with the script ~5 ms, against a
 * budget of 10 ms per segment; this starts in ~2 ms (docs/benchmarks.md, "WAL push per segment").
 * The argument scan is the script's, line for line (summit-dr-wal-push explains it); the option
 * lists below are picocli's (FastPathOptionsTest keeps them equal). Built statically by Maven where
 * gcc is; without it the script (with curl) does the same.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

static const char VALUE_OPTIONS[] = " --age-identity --agent --cluster --config --log-file --log-level --password-command --password-file --pgp-passphrase-file --pgp-secret-key --profile --repo -r ";
static const char FLAG_OPTIONS[] = " --debug --help --quiet --skip-damaged --verbose -h -q -v ";

#define TIMEOUT_SECONDS 600

/* The outcome of the HTTP call. */
enum call { ARCHIVED, REFUSED, NO_ANSWER };

/* Whether " NAME " (NAME being the first length bytes of name) is in list. */
static int listed(const char *list, const char *name, size_t length) {
    for (const char *p = strstr(list, " "); p != NULL && p[1] != '\0'; p = strchr(p + 1, ' ')) {
        if (strncmp(p + 1, name, length) == 0 && p[1 + length] == ' ') {
            return 1;
        }
    }
    return 0;
}

/* Appends "name=" and value percent-encoded (all but RFC 3986's unreserved characters). */
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

static enum call broken(const char *what) {
    int timed_out = errno == EAGAIN || errno == EWOULDBLOCK;
    fprintf(stderr, "summit-dr-wal-push: %s: %s\n", what, timed_out ? "no answer from the agent within 600 s" : strerror(errno));
    return NO_ANSWER;
}

/* POST /wal-push?path=FILE&cluster=CLUSTER to the agent on socket_path. */
static enum call push(const char *socket_path, const char *cluster, const char *file) {
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    if (strlen(socket_path) >= sizeof address.sun_path) {
        return NO_ANSWER;
    }
    strcpy(address.sun_path, socket_path);
    size_t capacity = 3 * (strlen(file) + strlen(cluster)) + 256;   /* a byte takes at most three */
    char *request = malloc(capacity);
    if (request == NULL) {
        return NO_ANSWER;
    }
    size_t length = (size_t) sprintf(request, "POST /wal-push?");
    length = append_param(request, length, "path", file);
    request[length++] = '&';
    length = append_param(request, length, "cluster", cluster);
    length += (size_t) sprintf(request + length,
            " HTTP/1.1\r\nHost: agent\r\nUser-Agent: summit-dr-wal-push\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");

    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return NO_ANSWER;
    }
    /* Before connect: a UNIX-socket connect waits (up to the send timeout) while a hung agent's
     * backlog is full. */
    struct timeval timeout = {.tv_sec = TIMEOUT_SECONDS};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    if (connect(fd, (struct sockaddr *) &address, sizeof address) != 0) {
        close(fd);
        return NO_ANSWER;   /* silent: nobody listens, the JVM archives instead */
    }
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
            return NO_ANSWER;
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
        return NO_ANSWER;
    }
    char *body = strstr(answer, "\r\n\r\n");
    if (body != NULL && body[4] != '\0') {
        fputs(body + 4, stderr);
    }
    return status >= 200 && status < 300 ? ARCHIVED : REFUSED;
}

/* 'summit-dr pg wal-push ARGS' through the launcher beside this program (or two levels up, from a
 * checkout's cli/target/), in a JVM: SUMMIT_WAL_PUSH_IN_PROCESS keeps the launcher from handing
 * the push back to the fast path. */
static int archive_in_jvm(int argc, char **argv) {
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    char launcher[PATH_MAX + 32];
    launcher[0] = '\0';
    char *slash = NULL;
    if (n > 0) {
        self[n] = '\0';
        slash = strrchr(self, '/');
    }
    if (slash != NULL) {
        *slash = '\0';
        snprintf(launcher, sizeof launcher, "%s/summit-dr", self);
        size_t length = strlen(self);
        const char *checkout = "/cli/target";
        /* Two levels up only from a checkout's cli/target/, never from wherever else it was copied. */
        if (access(launcher, X_OK) != 0 && length >= strlen(checkout) && strcmp(self + length - strlen(checkout), checkout) == 0) {
            snprintf(launcher, sizeof launcher, "%s/../../summit-dr", self);
        }
    }
    char **args = calloc((size_t) argc + 3, sizeof *args);
    if (args == NULL) {
        return 1;
    }
    args[0] = "summit-dr";
    args[1] = "pg";
    args[2] = "wal-push";
    for (int i = 1; i < argc; i++) {
        args[i + 2] = argv[i];
    }
    setenv("SUMMIT_WAL_PUSH_IN_PROCESS", "1", 1);
    execv(launcher, args);
    fprintf(stderr, "summit-dr-wal-push: the agent did not archive the segment and %s cannot run: %s\n",
            launcher[0] ? launcher : "summit-dr", strerror(errno));
    return 1;
}

int main(int argc, char **argv) {
    const char *file = NULL, *socket_path = getenv("SUMMIT_AGENT"), *cluster = getenv("SUMMIT_CLUSTER");
    if (cluster == NULL || cluster[0] == '\0') {
        cluster = "main";
    }
    int positionals = 0, unsure = 0, ended = 0;
    char seen[sizeof VALUE_OPTIONS] = " ";
    const char *expect = NULL;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (expect != NULL) {
            if (arg[0] == '-') {
                unsure = 1;
            }
            if (strcmp(expect, "--agent") == 0) {
                socket_path = arg;
            } else if (strcmp(expect, "--cluster") == 0) {
                cluster = arg;
            }
            expect = NULL;
            continue;
        }
        const char *opt = NULL, *value = NULL;
        size_t opt_length = 0;
        if (!ended && arg[0] == '-') {
            /* No option name holds a space (a value may): the list lookup below must not match across two. */
            const char *equals = strncmp(arg, "--", 2) == 0 ? strchr(arg, '=') : NULL;
            const char *space = strchr(arg, ' ');
            if (space != NULL && (equals == NULL || space < equals)) {
                unsure = 1;
                continue;
            }
        }
        if (!ended) {
            if (strcmp(arg, "--") == 0) {
                ended = 1;
                continue;
            }
            if (strcmp(arg, "-") == 0 || arg[0] == '@') {
                unsure = 1;
                continue;
            }
            const char *equals = strchr(arg, '=');
            if (strncmp(arg, "--", 2) == 0 && equals != NULL) {
                opt = arg;
                opt_length = (size_t) (equals - arg);
                value = equals + 1;
                if (!listed(VALUE_OPTIONS, opt, opt_length)) {
                    unsure = 1;
                    continue;
                }
            } else if (arg[0] == '-' && arg[1] != '\0') {
                if (listed(VALUE_OPTIONS, arg, strlen(arg))) {
                    opt = arg;
                    opt_length = strlen(arg);
                } else {
                    /* A flag: only --debug changes nothing here; the others (help, quiet…) are the JVM's. */
                    if (!listed(FLAG_OPTIONS, arg, strlen(arg)) || strcmp(arg, "--debug") != 0) {
                        unsure = 1;
                    }
                    continue;
                }
            }
        }
        if (opt != NULL) {
            char name[64];
            if (opt_length >= sizeof name) {
                unsure = 1;
                continue;
            }
            memcpy(name, opt, opt_length);
            name[opt_length] = '\0';
            if (strcmp(name, "-r") == 0) {
                strcpy(name, "--repo");
            }
            if (listed(seen, name, strlen(name))) {
                unsure = 1;   /* picocli refuses an option given twice */
            } else {
                strcat(seen, name);   /* each listed option once: seen never outgrows VALUE_OPTIONS */
                strcat(seen, " ");
            }
            if (value != NULL) {
                if (strcmp(name, "--agent") == 0) {
                    socket_path = value;
                } else if (strcmp(name, "--cluster") == 0) {
                    cluster = value;
                }
            } else {
                expect = strcmp(name, "--agent") == 0 ? "--agent" : strcmp(name, "--cluster") == 0 ? "--cluster" : "other";
            }
            continue;
        }
        positionals++;
        file = arg;
    }
    if (expect != NULL || positionals != 1) {
        unsure = 1;
    }
    struct stat st;
    if (!unsure && socket_path != NULL && socket_path[0] != '\0' && stat(socket_path, &st) == 0 && S_ISSOCK(st.st_mode)
            && file[0] != '\0') {
        char absolute[PATH_MAX * 2];
        if (file[0] != '/') {
            char cwd[PATH_MAX];
            if (getcwd(cwd, sizeof cwd) == NULL) {
                return archive_in_jvm(argc, argv);
            }
            if ((size_t) snprintf(absolute, sizeof absolute, "%s/%s", cwd, file) >= sizeof absolute) {
                return archive_in_jvm(argc, argv);   /* never a cut path */
            }
            file = absolute;
        }
        switch (push(socket_path, cluster, file)) {
            case ARCHIVED:
                return 0;
            case REFUSED:
                return 1;
            case NO_ANSWER:
                break;
        }
    }
    return archive_in_jvm(argc, argv);
}
