# syntax=docker/dockerfile:1
# Summit DR image: the summit-dr CLI, the WAL agent and the orchestrator server.
#   docker build -t summit/dr-orchestrator:latest .                       # runtime (default)
#   docker build --target postgres-pitr -t summit/postgres-pitr:15 .      # PostgreSQL 15 + archive_command client
# Not built in this project's CI (no Docker there): ManifestsTest checks it statically (docs/operations.md).

# ---- build: the shaded jar, tests skipped (CI runs them) -------------------------------------------
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml ./
COPY repository/pom.xml repository/
COPY files/pom.xml files/
COPY postgres/pom.xml postgres/
COPY monitoring/pom.xml monitoring/
COPY http/pom.xml http/
COPY orchestrator/pom.xml orchestrator/
COPY neo4j-plugin/pom.xml neo4j-plugin/
COPY neo4j/pom.xml neo4j/
COPY cli/pom.xml cli/
COPY bench/pom.xml bench/
# Dependencies first, so a source change does not download them again.
RUN mvn -B -q -pl cli -am dependency:go-offline -DskipTests || true
COPY repository/src repository/src
COPY files/src files/src
COPY postgres/src postgres/src
COPY monitoring/src monitoring/src
COPY cli/src cli/src
RUN mvn -B -q -pl cli -am -DskipTests package

# ---- wal-push-client: archive_command's HTTP client, static (starts in ~2 ms where curl takes ~26) ----
FROM debian:12-slim AS wal-push-client
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*
COPY cli/src/main/c/summit-dr-wal-push-client.c /src/
RUN gcc -O2 -Wall -s -static -o /summit-dr-wal-push-client /src/summit-dr-wal-push-client.c

# ---- postgres-pitr: PostgreSQL 15 whose archive_command hands WAL to the agent sidecar ---------------
# Only the POSIX sh script and its static client (curl as the fall-back): no JVM next to the database
# (the agent container has it).
FROM postgres:15 AS postgres-pitr
RUN apt-get update && apt-get install -y --no-install-recommends curl ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --chmod=755 summit-dr-wal-push /opt/summit-dr/summit-dr-wal-push
COPY --from=wal-push-client /summit-dr-wal-push-client /opt/summit-dr/summit-dr-wal-push-client

# ---- runtime: JRE only, non-root ---------------------------------------------------------------------
FROM eclipse-temurin:17-jre AS runtime
RUN apt-get update && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 summit \
    && useradd --system --uid 10001 --gid summit --home-dir /var/lib/summit-dr --create-home summit
# The launcher finds the jar at cli/target/ beside it and never rebuilds (no sources in the image).
COPY --chmod=755 summit-dr summit-dr-wal-push /opt/summit-dr/
COPY --from=wal-push-client /summit-dr-wal-push-client /opt/summit-dr/summit-dr-wal-push-client
COPY --from=build /src/cli/target/summit-dr.jar /opt/summit-dr/cli/target/summit-dr.jar
ENV PATH="/opt/summit-dr:${PATH}" \
    SUMMIT_JAVA_OPTS="-Xmx512m -XX:+UseParallelGC -XX:+ExitOnOutOfMemoryError" \
    SUMMIT_NO_CDS=1
USER 10001:10001
WORKDIR /var/lib/summit-dr
EXPOSE 9000
# The server's unauthenticated health endpoint (seed: GET /health on port 9000).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD curl -fsS http://127.0.0.1:9000/health || exit 1
ENTRYPOINT ["/opt/summit-dr/summit-dr"]
CMD ["server", "--listen", "0.0.0.0:9000"]
