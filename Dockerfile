# Runtime image for twinbin's prebuilt single-file binaries (used by compose.yaml's optional "services" profile).
#
# Build the binaries first, on Linux x64 with glibc:
#   npm run build                                        # → dist/first, dist/second
#   docker build -f Dockerfile -t twinbin:local dist     # what compose does: the build context is dist/ only,
#                                                        # so node_modules and the sources never reach the daemon
# Run one: docker run --rm -p 5000:5000 twinbin:local first
#
# Base: Debian slim, because a `bun build --compile` executable (and the libsql addon embedded in it) is linked
# against glibc (ld-linux, libc, libm, libpthread, libdl): no alpine (musl), no scratch or static distroless.
# Debian 12 has the same glibc (2.36) as the machines that build the binaries.
FROM debian:12.11-slim

# Non-root, with a writable working directory: the default DATABASE_URL (file:data/<service>.db) is relative to it.
RUN useradd --system --uid 10001 --create-home --home-dir /var/lib/twinbin twinbin

COPY first second /usr/local/bin/

USER twinbin
WORKDIR /var/lib/twinbin
EXPOSE 5000 5001
# Both binaries stop gracefully on SIGTERM (Docker's default stop signal) within SHUTDOWN_GRACE_MS (10 s by
# default); compose gives them 15 s.
CMD ["first"]
