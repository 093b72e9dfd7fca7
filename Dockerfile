# syntax=docker.io/docker/dockerfile:1
# Multi-stage: build a static binary, ship it alone on a distroless base as a
# non-root user. Base images are fully qualified (registry/repository:tag) so
# podman and buildah, which do not assume docker.io, build it too. Time zones
# are compiled in (timetzdata) so CRON_TZ works on any base image.
#   docker build --build-arg VERSION="$(git describe --tags --always)" \
#     --build-arg COMMIT="$(git rev-parse HEAD)" -t tradepipe .
FROM docker.io/library/golang:1.26.8-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# internal/buildinfo is the one place version and commit live: the CLI's
# `version`, traces and every Parquet file's created_by read it. The build
# context has no .git, so the commit comes in as an argument too.
ARG COMMIT=unknown
RUN CGO_ENABLED=0 go build -trimpath -tags timetzdata \
      -ldflags="-s -w -X github.com/tradepipe/tradepipe/internal/buildinfo.version=${VERSION} -X github.com/tradepipe/tradepipe/internal/buildinfo.commit=${COMMIT}" -o /out/tradepipe ./cmd/tradepipe \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
ARG VERSION=dev
LABEL org.opencontainers.image.title="tradepipe" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.source="https://github.com/tradepipe/tradepipe"
COPY --from=build /out/tradepipe /usr/local/bin/tradepipe
# /data belongs to the image's user, so a named volume mounted there is
# writable; a bind mount of a host directory needs --user "$(id -u):$(id -g)".
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
WORKDIR /data
ENTRYPOINT ["/usr/local/bin/tradepipe"]
CMD ["run"]
