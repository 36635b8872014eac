# Runtime images for twinbin's prebuilt single-file binaries, for linux/amd64 and linux/arm64 from one file.
#
# The build context is the release folder that `npm run dist` writes (docs/distribution.md):
#   npm run dist -- --target linux-x64,linux-arm64                   # glibc binaries for the default image
#   docker buildx build --platform linux/amd64,linux/arm64 -t twinbin:0.1.0 -f Dockerfile dist/release
#   npm run dist -- --target linux-x64-musl,linux-arm64-musl         # musl binaries for the Alpine variant
#   docker buildx build --platform linux/amd64,linux/arm64 --target alpine -t twinbin:0.1.0-alpine \
#     -f Dockerfile dist/release
# Nothing is compiled here: each platform's image copies the binaries built for it (TARGETARCH picks the folder),
# so node_modules and the sources never reach the builder. TWINBIN_VERSION must match package.json's version.
# Each variant has one RUN line, executed for every platform: building a platform other than the builder's own
# needs QEMU binfmt on the builder (Docker Desktop has it; on Linux: docker run --privileged --rm
# tonistiigi/binfmt --install arm64).
# Run one: docker run --rm -p 5000:5000 twinbin:0.1.0 first
ARG TWINBIN_VERSION=0.1.0
ARG DEBIAN_IMAGE=debian:12.11-slim
ARG ALPINE_IMAGE=alpine:3.22.2
# Set by the builder for each platform being built (amd64, arm64); declared so every builder expands it in FROM.
ARG TARGETARCH

# One stage per platform and C library, holding only that release folder's two executables.
FROM scratch AS glibc-amd64
ARG TWINBIN_VERSION
COPY twinbin-${TWINBIN_VERSION}-linux-x64/first twinbin-${TWINBIN_VERSION}-linux-x64/second /
FROM scratch AS glibc-arm64
ARG TWINBIN_VERSION
COPY twinbin-${TWINBIN_VERSION}-linux-arm64/first twinbin-${TWINBIN_VERSION}-linux-arm64/second /
FROM scratch AS musl-amd64
ARG TWINBIN_VERSION
COPY twinbin-${TWINBIN_VERSION}-linux-x64-musl/first twinbin-${TWINBIN_VERSION}-linux-x64-musl/second /
FROM scratch AS musl-arm64
ARG TWINBIN_VERSION
COPY twinbin-${TWINBIN_VERSION}-linux-arm64-musl/first twinbin-${TWINBIN_VERSION}-linux-arm64-musl/second /

FROM glibc-${TARGETARCH} AS glibc
FROM musl-${TARGETARCH} AS musl

# Alpine: the musl binaries link libstdc++ and, through it and the libSQL addon, libgcc_s; Alpine's libstdc++
# package brings both. Usage is the same as the default image below.
FROM ${ALPINE_IMAGE} AS alpine
RUN apk add --no-cache libstdc++ \
  && addgroup -S -g 10001 twinbin && adduser -S -D -u 10001 -G twinbin -h /var/lib/twinbin twinbin
COPY --from=musl /first /second /usr/local/bin/
USER twinbin
WORKDIR /var/lib/twinbin
EXPOSE 5000 5001
CMD ["first"]

# Default: Debian slim, for the glibc binaries (ld-linux, libc, libm, libpthread, libdl). Debian 12 has the same
# glibc (2.36) as the machines that build them.
FROM ${DEBIAN_IMAGE} AS debian
# Non-root, with a writable working directory: the default DATABASE_URL (file:data/<service>.db) is relative to it.
RUN groupadd --system --gid 10001 twinbin \
  && useradd --system --uid 10001 --gid 10001 --create-home --home-dir /var/lib/twinbin twinbin
COPY --from=glibc /first /second /usr/local/bin/
USER twinbin
WORKDIR /var/lib/twinbin
EXPOSE 5000 5001
# Both binaries stop gracefully on SIGTERM (Docker's default stop signal) within SHUTDOWN_GRACE_MS (10 s by
# default); compose gives them 15 s.
CMD ["first"]
